#!/usr/bin/env python3
"""Regenerates the Python-made test vectors in this folder (not run by the tests).

The files here are Python's own answers: the tests compare forkcollect against them,
so they must be written by CPython, never by forkcollect. Run with Python 3.11+:
    python3 tests/vectors/gen.py
calc.tsv, json-1-5-iter1000.json and json-3-4-iter10M.json came from ../shared/vectors.
"""
import json, math, random, struct, os

HERE = os.path.dirname(os.path.abspath(__file__))

def calc(n, iterations):
    random.seed(n)
    s = 0.0
    for _ in range(iterations):
        s += random.random()
    return s

def bits(x):
    return struct.pack('>d', x).hex()

def from_bits(h):
    return struct.unpack('>d', bytes.fromhex(h))[0]

# calc for seeds across the whole uint64 range (one and two 32-bit key words).
with open(os.path.join(HERE, 'calc-wide.tsv'), 'w') as f:
    f.write('# n\titerations\tvalue (Python repr)\tvalue (IEEE-754 bits, hex)\n')
    for n in [0, 1, 7, 2**31, 2**32 - 1, 2**32, 2**32 + 1, 2**40 + 12345,
              2**63, 2**64 - 2, 2**64 - 1, 123456789012345678]:
        for it in (1, 2, 3, 625, 1000):
            v = calc(n, it)
            f.write(f'{n}\t{it}\t{v!r}\t{bits(v)}\n')

# repr() of doubles: every edge class, then random bit patterns and random "nice" values.
rng = random.Random(20261127)
edge = ['0000000000000000', '8000000000000000', '0000000000000001', '8000000000000001',
        '000fffffffffffff', '0010000000000000', '7fefffffffffffff', 'ffefffffffffffff',
        '3ff0000000000000', 'bff0000000000000', '3fb999999999999a', '3fd5555555555555',
        '4340000000000000', '433fffffffffffff', '4341c37937e08000', '3f1a36e2eb1c432d',
        '3f1a36e2eb1c432c', '44b52d02c7e14af6', '3eb0c6f7a0b5ed8d', '7e37e43c8800759c']
vals = [from_bits(h) for h in edge]
vals += [10.0 ** e for e in range(-20, 25)] + [1.5 * 10.0 ** e for e in range(-20, 25)]
vals += [float(2 ** e) for e in range(0, 64, 3)] + [0.1, 0.2, 0.3, 1/3, 2/3, 123456789.0, 9007199254740993.0]
while len(vals) < 6000:
    h = '%016x' % rng.getrandbits(64)
    x = from_bits(h)
    if math.isfinite(x):
        vals.append(x)
    vals.append(rng.random() * 10 ** rng.randint(-8, 20))
# Subnormals: fewer than 53 bits, so their shortest form can be much shorter than
# 15 digits (a bug forkcollect once had: 5e-324 printed as 4.94065645841247e-324).
vals += [from_bits('%016x' % rng.getrandbits(52)) for _ in range(300)]
vals += [from_bits('%016x' % (1 << k)) for k in range(52)]
# Every power of two: next to one the rounding interval is lopsided, and the shortest
# digits can be a neighbour of the correctly rounded ones (forkcollect once printed
# 2^-696 with 17 digits: 6.0834930121445114e-210 instead of 6.083493012144512e-210).
vals += [from_bits('%016x' % (e << 52)) for e in range(1, 2047)]
with open(os.path.join(HERE, 'repr.tsv'), 'w') as f:
    f.write('# IEEE-754 bits (hex)\trepr(x)\n')
    for x in vals:
        f.write(f'{bits(x)}\t{x!r}\n')

# json.dump of a dict holding edge values, as Python writes it (non-finite included).
edge_values = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e+308,
               -1.7976931348623157e+308, float('inf'), float('-inf'), float('nan'), 1.0, -1.0,
               1e16, 1e+22, 123456789012345680.0, 0.1, 0.30000000000000004, 1e-05, 0.0001,
               1000000000000000.0, 2.0 ** 53, 4999459.536548361]
d = {k: v for k, v in enumerate(edge_values, start=1)}
d[18446744073709551615] = 0.5
with open(os.path.join(HERE, 'json-edge.json'), 'w') as f:
    json.dump(d, f)
