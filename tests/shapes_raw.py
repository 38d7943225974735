#!/usr/bin/env python3
"""shapes_raw.py - the raw format's payload for records of a shape, as docs/FORMATS.md
("Shapes in each format", raw) lays it out, written independently of serializers/raw.c.

    python3 tests/shapes_raw.py SHAPE START COUNT

writes the bytes after the 24-byte header (the header's CRC-32C needs a table Python's
standard library lacks). Standard library only.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
import shapes  # noqa: E402


def text(s):
    b = s.encode("utf-8")
    return struct.pack("<I", len(b)) + b


def lst(items, one):
    return struct.pack("<I", len(items)) + b"".join(one(x) for x in items)


def u32s(xs):
    return lst(xs, lambda x: struct.pack("<I", x))


def ints(r):
    return (struct.pack("<QBbHhIiQqB", r["id"], r["u8"], r["i8"], r["u16"], r["i16"],
                        r["u32"], r["i32"], r["u64"], r["i64"], r["small"])
            + lst(r["mixed"], lambda x: struct.pack("<Q", x)) + text(r["tag"]) + text(r["name"]))


def log(r):
    return (b"".join(text(r[k]) for k in ("address", "identity", "userid", "date", "request"))
            + struct.pack("<HI", r["code"], r["size"]))


def mesh(r):
    f32 = lambda x: struct.pack("<f", x)  # noqa: E731
    return struct.pack("<I", r["triangles"]) + lst(r["vertices"], f32) + lst(r["normals"], f32)


def url(u):
    return text(u["url"]) + text(u["expanded_url"]) + u32s(u["indices"])


def user(u):
    e = u["entities"]
    out = (struct.pack("<Q", u["id"]) + text(u["name"]) + text(u["screen_name"])
           + struct.pack("<?I", u["verified"], u["followers_count"])
           + lst(e["url"]["urls"], url) + lst(e["description"]["urls"], url))
    return out + (b"\x01" + text(u["location"]) if "location" in u else b"\x00")


def doc(r):
    e, c, reply = r["entities"], r["coordinates"], r["in_reply_to_status_id"]
    return (struct.pack("<Q", r["id"]) + text(r["id_str"]) + text(r["created_at"])
            + text(r["text"]) + struct.pack("<?", r["truncated"])
            + (b"\x00" if reply is None else b"\x01" + struct.pack("<Q", reply))
            + user(r["user"])
            + lst(e["hashtags"], lambda h: text(h["text"]) + u32s(h["indices"]))
            + lst(e["user_mentions"], lambda m: text(m["screen_name"])
                  + struct.pack("<Q", m["id"]) + u32s(m["indices"]))
            + struct.pack("<I?", r["retweet_count"], r["favorited"]) + text(r["lang"])
            + (b"\x00" if c is None else b"\x01" + text(c["type"])
               + lst(c["coordinates"], lambda x: struct.pack("<d", x))))


def main(argv):
    make = {"ints": ints, "log": log, "mesh": mesh, "doc": doc}[argv[1]]
    records = shapes.records(argv[1], int(argv[2]), int(argv[3]))
    sys.stdout.buffer.write(b"".join(struct.pack("<Q", k) + make(v) for k, v in records.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
