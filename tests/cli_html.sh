#!/usr/bin/env bash
# tests/cli_html.sh - compare's HTML report (--output html, --html FILE): a well-formed
# page (its SVG parts well-formed XML) that fetches nothing, holds every format and the
# exact figures `--output json` gives for the same run, escapes what it did not write
# itself, is written like every file forkcollect makes (never through a symbolic link,
# never over a file), and renders in headless Chromium without a console message.
# Usage: tests/cli_html.sh path/to/forkcollect path/to/tests/vectors
# shellcheck source=tests/clilib.sh
source "$(dirname "$0")/clilib.sh"
skip() { echo "  skipped: $*"; }

# A small compare of every format: JSON on stdout, the page in a file.
small_compare() {
  "$FC" compare --count 300 --iterations 10 --repeat 2 --warmup 0 --workers 2 "$@"
}

# check_page PAGE JSON NAME...: PAGE is well-formed, fetches nothing, and shows what JSON
# holds, format by format (the NAMEs, in order) and figure by figure, bit for bit.
check_page() {
  "$PY" - "$@" <<'PY'
import json, re, sys
from html.parser import HTMLParser
import xml.etree.ElementTree as ET

page_path, json_path, names = sys.argv[1], sys.argv[2], sys.argv[3:]
text = open(page_path, encoding="utf-8").read()
doc = json.load(open(json_path))
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "source"}

class Page(HTMLParser):
    """Checks that every element is closed in order, and collects the cells that carry
    a data-key: cells[(table, format, key)] = (attributes, text)."""
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.cells = [], [], {}
        self.table = self.format = None
        self.open = []  # [key tuple, attributes, text parts, depth] being read
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.table = a.get("id")
        if tag == "tr":
            self.format = a.get("data-format")
        if tag not in VOID:
            self.stack.append(tag)
        if "data-key" in a:
            where = self.table if tag in ("td", "span") else tag
            self.open.append([(where, self.format, a["data-key"]), a, [], len(self.stack)])
        if tag in ("code", "title") and a.get("id", tag):
            self.open.append([(tag, None, a.get("id", tag)), a, [], len(self.stack)])
    def handle_startendtag(self, tag, attrs):
        pass  # <line .../> in SVG: nothing to close
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        while self.open and self.open[-1][3] == len(self.stack):
            key, a, parts, _ = self.open.pop()
            self.cells[key] = (a, "".join(parts))
        self.stack.pop()
        if tag == "table":
            self.table = None
        if tag == "tr":
            self.format = None
    def handle_data(self, data):
        for o in self.open:
            o[2].append(data)

p = Page()
p.feed(text)
p.close()
assert text.startswith("<!DOCTYPE html>"), text[:40]
assert not p.errors and not p.stack, (p.errors[:3], p.stack)
svgs = re.findall(r"<svg\b.*?</svg>", text, re.S)
assert len(svgs) == 3, len(svgs)
for s in svgs:
    ET.fromstring(s)  # well-formed XML, or this raises
# Nothing fetched: no script, link, image, frame, style import or URL; the one http is
# SVG's namespace, a name and not a place.
assert not re.search(r"<(script|link|img|iframe|object|embed)\b|\b(src|href)=|url\(|@import",
                     text, re.I)
assert set(re.findall(r"https?://[^\"' ]*", text)) <= {"http://www.w3.org/2000/svg"}

assert [f["format"] for f in doc["formats"]] == names, (doc["formats"], names)
shown_formats = [fmt for (t, fmt, k) in p.cells if t == "end-to-end" and k == "bytes"]
assert shown_formats == names, shown_formats

def cell(table, fmt, key):
    assert (table, fmt, key) in p.cells, (table, fmt, key)
    return p.cells[(table, fmt, key)]

def shown(s):
    d = 2 if s["median"] < 10 else 1 if s["median"] < 100 else 0
    return f"{s['median']:.{d}f} [{s['min']:.{d}f}–{s['max']:.{d}f}]"

def same_stat(table, fmt, key, s):
    a, t = cell(table, fmt, key)
    exact = {m: float(a["data-" + m]) for m in ("median", "min", "max")}
    for m in exact:
        assert exact[m] == s[m], (fmt, key, m, a["data-" + m], s[m])
    assert t == shown(exact), (fmt, key, t, shown(exact))

for f in doc["formats"]:
    n = f["format"]
    for key in ("bytes", "deflated_bytes"):
        a, t = cell("end-to-end", n, key)
        assert int(a["data-value"]) == f[key] and t == str(f[key]), (n, key, a, t)
    a, t = cell("end-to-end", n, "bytes_per_record")
    v = float(a["data-value"])
    assert v == f["bytes_per_record"] and t == f"{v:.1f}", (n, a, t)
    a, t = cell("end-to-end", n, "exact")
    assert a["data-value"] == str(f["exact"]).lower(), (n, a)
    want = ("FAILED: " + f["failure"] if "failure" in f else "yes" if f["exact"]
            else "no: " + f["exact_summary"] if "exact_summary" in f else "NO")
    assert t == want, (n, t, want)
    stats = [("end-to-end", "end_to_end", k) for k in
             ("wall_ms", "encode_ns_per_record", "decode_ns_per_record")] + \
            [("codec-alone", "codec_alone", k) for k in
             ("encode_ns_per_record", "decode_ns_per_record")]
    for table, part, k in stats:
        if "failure" in f:
            assert (table, n, part + "." + k) not in p.cells, (n, k)
        else:
            same_stat(table, n, part + "." + k, f[part][k])
    assert cell("codec-alone", n, "library")[1] == f["library"] + " " + f["version"]
    assert cell("codec-alone", n, "version")[1] == f["version"]

m = doc["machine"]
for k in ("cpu", "kernel", "compiler", "build_type", "cflags", "date"):
    assert cell("dd", None, "machine." + k)[1] == m[k], (k, cell("dd", None, "machine." + k))
assert cell("dd", None, "machine.cpus")[1] == str(m["cpus"])
assert cell("dd", None, "libraries")[1] == doc["libraries"]
q = doc["parameters"]
want = (f"forkcollect compare --formats {','.join(names)} --count {q['count']} "
        f"--workers {q['workers']} --iterations {q['iterations']} --repeat {q['repeat']} "
        f"--warmup {q['warmup']} --output html")
assert cell("code", None, "command")[1] == want, cell("code", None, "command")
PY
}

# One run, two views: the page's figures are the JSON's, and both files are private.
t_html_holds_the_json_figures() {
  local page=$WORK/report.html
  (umask 022; expect_status 0 small_compare --output json --html "$page") || return 1
  cp "$WORK/out" "$WORK/report.json"
  # shellcheck disable=SC2046
  check_page "$page" "$WORK/report.json" $("$FC" formats --names) || return 1
  [ "$(stat -c %a "$page")" = 600 ] && [ ! -e "$page.part" ] && no_leftovers
}

# --output html prints the same page as --html writes, from the same run.
t_html_on_standard_output() {
  local page=$WORK/same.html
  expect_status 0 "$FC" compare --count 50 --iterations 1 --repeat 1 --warmup 0 --formats raw,json \
    --output html --html "$page" || return 1
  cmp -s "$WORK/out" "$page" || { echo "  stdout and --html's file differ"; return 1; }
  head -1 "$page" | grep -qx '<!DOCTYPE html>' && tail -1 "$page" | grep -qx '</html>'
}

# What the page did not write itself is escaped: a failure naming a path with <&"'> in
# it (every run fails: TMPDIR's directory does not exist), and, as root where a mount
# namespace can be made, a CPU whose name holds them too (the --chart SVG printed it raw).
t_html_escapes_outside_text() {
  local odd=$WORK/'a<&"'\''>b' page=$WORK/odd.html cpu="" two
  mkdir -p "$odd"
  mapfile -t two < <("$FC" formats --names | head -2)
  local run=(env TMPDIR="$odd/missing" "$FC" compare --count 20 --iterations 1 --repeat 1
             --warmup 0 --formats "$(IFS=,; echo "${two[*]}")" --output json --html "$page"
             --chart "$WORK/odd.svg")
  if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
    printf 'processor\t: 0\nmodel name\t: Odd <&"'\''> CPU\n' >"$WORK/cpuinfo"
    # shellcheck disable=SC2016 # $0 and $@ are the inner shell's
    run=(unshare -m sh -c 'mount --bind "$0" /proc/cpuinfo && exec "$@"' "$WORK/cpuinfo" "${run[@]}")
    cpu='Odd <&"'\''> CPU'
  else
    skip "a CPU name with <&\"'> needs root and unshare -m"
  fi
  expect_status 1 "${run[@]}" || return 1
  grep -q "cannot make a directory under $odd/missing" "$WORK/err" || { cat "$WORK/err"; return 1; }
  cp "$WORK/out" "$WORK/odd.json"
  "$PY" - "$WORK/odd.json" "$cpu" <<'PY' || return 1
import json, sys
doc = json.load(open(sys.argv[1]))
assert all("<&\"'>b/missing" in f["failure"] for f in doc["formats"]), doc["formats"]
assert not sys.argv[2] or doc["machine"]["cpu"] == sys.argv[2], doc["machine"]["cpu"]
PY
  check_page "$page" "$WORK/odd.json" "${two[@]}" || return 1
  ! grep -qF '<&"'\''>' "$page" || { echo "  the page holds <&\"'> unescaped"; return 1; }
  "$PY" -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$WORK/odd.svg" ||
    { echo "  --chart's SVG is not well-formed XML"; return 1; }
  no_leftovers
}

# --html is written like --chart: checked before the measuring, never through a symbolic
# link, never over a file, and not over --chart's own file.
t_html_never_follows_or_overwrites() {
  local target=$WORK/precious link=$WORK/link.html old=$WORK/old.html
  printf 'keep me\n' >"$target"; ln -s "$target" "$link"; printf 'an older page\n' >"$old"
  local tiny=(compare --count 10 --iterations 1 --repeat 1 --warmup 0 --formats raw)
  expect_status 2 "$FC" "${tiny[@]}" --html "$link" || return 1
  grep -qx "forkcollect compare: --html: $link is a symbolic link; forkcollect never writes through one (remove it or choose another name) (see 'forkcollect compare --help')" "$WORK/err" &&
    [ ! -s "$WORK/out" ] && [ "$(cat "$target")" = "keep me" ] || return 1
  expect_status 2 "$FC" "${tiny[@]}" --html "$old" || return 1
  grep -qx "forkcollect compare: --html: $old exists; it is never overwritten (see 'forkcollect compare --help')" "$WORK/err" &&
    [ "$(cat "$old")" = "an older page" ] || return 1
  expect_status 2 "$FC" "${tiny[@]}" --html "$WORK/x" --chart "$WORK/x" || return 1
  grep -qx "forkcollect compare: --chart and --html name the same file, $WORK/x (see 'forkcollect compare --help')" "$WORK/err" &&
    [ ! -e "$WORK/x" ] || return 1
  expect_status 2 "$FC" "${tiny[@]}" --output xml &&
    grep -qx "forkcollect compare: --output: 'xml' is not table, csv, json, markdown or html (see 'forkcollect compare --help')" "$WORK/err" &&
    no_leftovers
}

# A real browser: headless Chromium loads the page, prints no console message (the page's
# Content-Security-Policy makes any attempt to fetch one), makes a screenshot and a PDF,
# and the page it built holds the same table.
t_html_renders_in_chromium() {
  local chromium
  chromium=$(command -v chromium || command -v chromium-browser) ||
    { skip "chromium is not installed (scripts/bootstrap --test installs it)"; return 0; }
  local page=$WORK/shown.html three
  mapfile -t three < <("$FC" formats --names | head -3)
  expect_status 0 "$FC" compare --count 100 --iterations 1 --repeat 1 --warmup 0 \
    --formats "$(IFS=,; echo "${three[*]}")" \
    --output json --html "$page" || return 1
  cp "$WORK/out" "$WORK/shown.json"
  mkdir -p "$WORK/chromium/tmp"
  TMPDIR=$WORK/chromium/tmp timeout 120 "$chromium" --headless --no-sandbox --disable-gpu \
    --user-data-dir="$WORK/chromium/profile" --enable-logging=stderr --v=0 --window-size=1100,2400 \
    --screenshot="$WORK/shown.png" --print-to-pdf="$WORK/shown.pdf" --dump-dom "file://$page" \
    >"$WORK/dom.html" 2>"$WORK/chromium.log" || { echo "  chromium failed:"; tail -5 "$WORK/chromium.log"; return 1; }
  ! grep -F ':CONSOLE' "$WORK/chromium.log" || { echo "  a console message (above)"; return 1; }
  [ "$(head -c 8 "$WORK/shown.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] &&
    [ "$(head -c 5 "$WORK/shown.pdf")" = "%PDF-" ] || { echo "  no screenshot or no PDF"; return 1; }
  check_page "$WORK/dom.html" "$WORK/shown.json" "${three[@]}" || { echo "  the DOM Chromium built differs"; return 1; }
  no_leftovers
}

# A signal while --html's file is linked into place (strace holds the parent in linkat):
# the page is removed and the exit status names the signal, as for --chart and --save.
t_a_signal_while_the_page_is_written_removes_it() {
  strace -o /dev/null true 2>/dev/null && [ "$(uname -m)" = x86_64 ] ||
    { skip "strace cannot trace here, or system call numbers are not x86-64's"; return 0; }
  local page=$WORK/signalled.html fc="" nr _ pid rc
  # LeakSanitizer cannot work under ptrace: an ASan build checks leaks elsewhere.
  local -x ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
  strace -o /dev/null -e trace=link,linkat -e inject=link,linkat:delay_enter=2000000 \
    "$FC" compare --count 10 --iterations 1 --repeat 1 --warmup 0 --formats raw --html "$page" \
    >"$WORK/out" 2>"$WORK/err" &
  pid=$!
  for _ in $(seq 600); do # until forkcollect, strace's child, sits in link or linkat
    fc=$(pgrep -P "$pid") && nr=$(cut -d' ' -f1 "/proc/$fc/syscall" 2>/dev/null) &&
      { [ "$nr" = 86 ] || [ "$nr" = 265 ]; } && break
    fc=""; sleep 0.1
  done
  [ -n "$fc" ] || { kill "$pid"; wait "$pid"; echo "  the page was never linked"; return 1; }
  kill -TERM "$fc"
  wait "$pid"; rc=$?
  [ "$rc" -eq 143 ] &&
    grep -qx "forkcollect compare: interrupted by SIGTERM: children stopped, files removed (and the page)" "$WORK/err" &&
    [ ! -e "$page" ] && no_leftovers || { echo "  exit $rc:"; cat "$WORK/err"; return 1; }
}

# Tab completes --html and the html kind (completion/forkcollect.bash).
t_html_completes() {
  local src; src=$(cd "$VEC/../.." && pwd)
  complete_line() {
    PATH="$(dirname "$FC"):$PATH" bash -c 'source "$1"; shift
      COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _forkcollect
      printf "%s\n" "${COMPREPLY[@]}"' _ "$src/completion/forkcollect.bash" forkcollect "$@"
  }
  [ "$(complete_line compare --output h)" = html ] && [ "$(complete_line compare -o h)" = html ] &&
    [ "$(complete_line compare --ht)" = --html ] ||
    { echo "  completion: '$(complete_line compare --output h)' '$(complete_line compare --ht)'"; return 1; }
}

run_tests
