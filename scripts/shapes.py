#!/usr/bin/env python3
"""shapes.py - the records of each data shape, as forkcollect makes them.

This script is the definition: core/shapes.c makes the same records, and
tests/cli_shapes.sh checks that its JSON is these bytes. Standard library only.

    python3 scripts/shapes.py SHAPE START COUNT

prints json.dumps({key: record(key) for key in range(START, START + COUNT)}),
no newline: the bytes forkcollect's JSON format writes for that shape.

Every record comes from its key alone: random.seed(key), then draws. Only two of
Python's draws are used, random() and getrandbits(k), so the records do not change
with the Python version (randrange, choice and shuffle have changed between
versions; below() is the 3.11 _randbelow_with_getrandbits spelled out).
"""
import json
import random
import sys

# ==== Draws ====


def below(r, n):
    """A uniform integer in [0, n), n >= 1: k = n's bit length, draw k bits until < n."""
    k = n.bit_length()
    x = r.getrandbits(k)
    while x >= n:
        x = r.getrandbits(k)
    return x


def pick(r, seq):
    return seq[below(r, len(seq))]


def flag(r):
    return r.getrandbits(1) == 1


# ==== Vocabularies (core/shapes.c has the same lists, in the same order) ====

TAGS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta")
NAMES = ("ada", "grace", "linus", "ken", "dennis", "barbara", "edsger", "donald",
         "margaret", "radia", "frances", "john")
WIDTHS = (1, 7, 8, 15, 16, 31, 32, 63, 64)
USERS = ("-", "-", "-", "frank", "alice", "bob", "carol", "dave")
METHODS = ("GET", "GET", "GET", "GET", "POST", "PUT", "DELETE", "HEAD")
PATHS = ("index.html", "api/v1/items", "api/v1/users", "static/app.js",
         "static/style.css", "images/logo.png", "search", "login")
CODES = (200, 200, 200, 200, 200, 304, 301, 404, 403, 500)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
          "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Text: ASCII, Latin-1, Greek, CJK, an emoji outside the BMP, and the characters JSON
# escapes (a quote, a backslash, a tab, a newline, DEL).
WORDS = ("the", "a", "fork", "wait", "pipe", "data", "café", "naïve", "Grüße",
         "ñandú", "Ελληνικά", "日本語", "данные", "😀", "🚀", "\"quoted\"",
         "back\\slash", "tab\there", "line\nbreak", "del\x7f", "ok", "#C", "@you")
PLACES = ("Paris", "Zürich", "東京", "São Paulo", "Reykjavík", "Kraków")
LANGS = ("en", "fr", "de", "ja", "pt", "el", "und")


# ==== Shapes ====

def ints(r, key):
    """Integers of every width and sign, a few strings."""
    return {
        "id": key,
        "u8": r.getrandbits(8),
        "i8": r.getrandbits(8) - 128,
        "u16": r.getrandbits(16),
        "i16": r.getrandbits(16) - 32768,
        "u32": r.getrandbits(32),
        "i32": r.getrandbits(32) - 2**31,
        "u64": r.getrandbits(64),
        "i64": r.getrandbits(64) - 2**63,
        "small": below(r, 128),
        "mixed": [r.getrandbits(pick(r, WIDTHS)) for _ in range(8)],
        "tag": pick(r, TAGS),
        "name": pick(r, NAMES),
    }


def log(r, key):
    """An HTTP access log line, as the Rust serialization benchmark's `log`."""
    address = "%d.%d.%d.%d" % (r.getrandbits(8), r.getrandbits(8), r.getrandbits(8),
                               r.getrandbits(8))
    date = "%02d/%s/%d:%02d:%02d:%02d +0000" % (
        1 + below(r, 28), pick(r, MONTHS), 2000 + below(r, 27), below(r, 24),
        below(r, 60), below(r, 60))
    request = "%s /%s/%d HTTP/1.1" % (pick(r, METHODS), pick(r, PATHS), below(r, 10000))
    return {
        "address": address,
        "identity": "-",
        "userid": pick(r, USERS),
        "date": date,
        "request": request,
        "code": pick(r, CODES),
        "size": below(r, 100000),
    }


def coordinate(r):
    """A float32: a 24-bit integer over 256, so exact in 32 bits."""
    return (below(r, 1 << 24) - (1 << 23)) / 256.0


def mesh(r, key):
    """Triangles: nine float32 a triangle for its corners, three for its normal."""
    n = 1 + below(r, 32)
    vertices = [coordinate(r) for _ in range(9 * n)]
    normals = [coordinate(r) for _ in range(3 * n)]
    return {"triangles": n, "vertices": vertices, "normals": normals}


def twitter_date(r):
    return "%s %s %02d %02d:%02d:%02d +0000 %d" % (
        pick(r, DAYS), pick(r, MONTHS), 1 + below(r, 28), below(r, 24), below(r, 60),
        below(r, 60), 2006 + below(r, 20))


def text(r, words):
    return " ".join(pick(r, WORDS) for _ in range(words))


def indices(r):
    a = below(r, 140)
    return [a, a + 1 + below(r, 20)]


def url(r):
    code = "%010x" % r.getrandbits(40)
    return {"url": "https://t.co/" + code,
            "expanded_url": "https://example.org/" + pick(r, PATHS),
            "indices": indices(r)}


def user(r):
    u = {
        "id": r.getrandbits(63),
        "name": text(r, 1 + below(r, 3)),
        "screen_name": pick(r, NAMES) + str(below(r, 1000)),
        "verified": flag(r),
        "followers_count": below(r, 1000000),
        "entities": {"url": {"urls": [url(r) for _ in range(below(r, 3))]},
                     "description": {"urls": []}},
    }
    if flag(r):
        u["location"] = pick(r, PLACES)
    return u


def doc(r, key):
    """A social-media status, shaped like twitter.json: depth 7 at user.entities."""
    ident = r.getrandbits(63)
    status = {
        "id": ident,
        "id_str": str(ident),
        "created_at": twitter_date(r),
        "text": text(r, 1 + below(r, 24)),
        "truncated": flag(r),
        "in_reply_to_status_id": r.getrandbits(63) if flag(r) else None,
        "user": user(r),
        "entities": {
            "hashtags": [{"text": pick(r, TAGS), "indices": indices(r)}
                         for _ in range(below(r, 4))],
            "user_mentions": [{"screen_name": pick(r, NAMES), "id": r.getrandbits(63),
                               "indices": indices(r)}
                              for _ in range(below(r, 3))],
        },
        "retweet_count": below(r, 10000),
        "favorited": flag(r),
        "lang": pick(r, LANGS),
        "coordinates": None,
    }
    if flag(r):
        lon = r.random() * 360.0 - 180.0
        lat = r.random() * 180.0 - 90.0
        status["coordinates"] = {"type": "Point", "coordinates": [lon, lat]}
    return status


SHAPES = {"ints": ints, "log": log, "mesh": mesh, "doc": doc}


def records(shape, start, count):
    make = SHAPES[shape]
    out = {}
    for key in range(start, start + count):
        r = random.Random(key)
        out[key] = make(r, key)
    return out


def main(argv):
    if len(argv) != 4 or argv[1] not in SHAPES:
        sys.stderr.write("usage: shapes.py {%s} START COUNT\n" % "|".join(SHAPES))
        return 2
    sys.stdout.write(json.dumps(records(argv[1], int(argv[2]), int(argv[3]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
