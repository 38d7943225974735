#!/usr/bin/python3
"""Writes fsum.tsv: Python's two sums of many sets of doubles (not run by the tests).

tests/test_fsum.c checks fc_fsum against math.fsum and fc_sum_in_order against the
left-to-right sum that Python 3.11 and older sum() computes, on every set here. The
answers must be CPython's, so run it with Debian's Python 3.11:
    /usr/bin/python3 tests/vectors/gen_fsum.py
Each line is one set: the in-order sum, then math.fsum's answer (or the exception it
raises: OverflowError, ValueError), then the values, all doubles as IEEE-754 bits in hex.
"""
import math, os, random, struct, sys

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261128)
MAX = sys.float_info.max

def bits(x):
    return struct.pack('>d', x).hex()

def from_bits(b):
    return struct.unpack('>d', b.to_bytes(8, 'big'))[0]

def mixed():       # any magnitude, either sign, normal or subnormal
    return rng.choice((-1, 1)) * math.ldexp(rng.random(), rng.randint(-1074, 1024))

def near(scale):   # the course's kind: values of one size
    return rng.choice((-1, 1)) * scale * (1 + rng.random())

def subnormal():
    return from_bits(rng.getrandbits(52) | (rng.getrandbits(1) << 63))

def anybits():     # any finite double
    while True:
        x = from_bits(rng.getrandbits(64))
        if math.isfinite(x):
            return x

def huge():        # near the largest double: sums that overflow, or nearly
    return rng.choice((-1, 1)) * MAX * rng.uniform(0.25, 1.0)

def cancelling(n):  # values and their negatives with small ones between
    xs = [mixed() for _ in range(n)]
    xs += [-x for x in xs if rng.random() < 0.8] + [near(1e-300) for _ in range(2)]
    rng.shuffle(xs)
    return xs

def halfway():      # ties and near-ties, where the last rounding step matters
    big = math.ldexp(1.0, rng.randint(53, 1000))
    ulp = math.ulp(big)
    xs = [big, ulp / 2, rng.choice((-1, 1)) * math.ldexp(ulp, -rng.randint(1, 900))]
    return xs + [-x for x in xs[:1] if rng.random() < 0.3] + [rng.choice((ulp, -ulp, 0.0))]

def special():      # inf, -inf and nan among finite values
    xs = [rng.choice((mixed, huge, subnormal))() for _ in range(rng.randint(0, 6))]
    xs += rng.sample([math.inf, -math.inf, math.nan, math.inf, -math.inf], rng.randint(1, 3))
    rng.shuffle(xs)
    return xs

def one_set(i):
    kind = i % 9
    n = rng.randint(0, 40)
    if kind == 0: return [mixed() for _ in range(n)]
    if kind == 1: return [near(rng.choice((0.5, 500.0, 5e6))) * rng.choice((1, 1, -1)) for _ in range(n)]
    if kind == 2: return [rng.choice((mixed, subnormal, anybits))() for _ in range(n)]
    if kind == 3: return [subnormal() for _ in range(n)]
    if kind == 4: return [rng.choice((huge, mixed))() for _ in range(rng.randint(1, 6))]
    if kind == 5: return cancelling(rng.randint(1, 15))
    if kind == 6: return halfway()
    if kind == 7: return special()
    return [rng.choice((0.0, -0.0, 5e-324, -5e-324, 1.0, -1.0, 1e16, 1e-16, MAX, -MAX))
            for _ in range(rng.randint(0, 6))]

def in_order(xs):   # what sum() is before Python 3.12
    s = 0.0
    for x in xs:
        s += x
    return s

FIXED = [[], [0.0], [-0.0], [-0.0, -0.0], [1e-16, 1.0, 1e16], [1e16, 1.0, 1e-16],
         [0.1] * 10, [1e308, 1e308], [1e308, 1e308, -1e308], [MAX, -MAX, MAX],
         [math.inf, -math.inf], [math.nan, math.inf], [math.nan, -math.inf, math.inf],
         [math.inf, 1e308, 1e308], [2.0 ** 53, 1.0, 2.0 ** -60], [2.0 ** 53, -1.0, -2.0 ** -60],
         # more than the 32 partials fsum keeps on the stack, so they move to the heap
         [math.ldexp(1.0, 60 * k) for k in range(-17, 17)],
         [math.ldexp((-1.0) ** k, 55 * k + 3) for k in range(18, -19, -1)] + [1.5]]

def main():
    sets = FIXED + [one_set(i) for i in range(1800)]
    with open(os.path.join(HERE, 'fsum.tsv'), 'w') as f:
        f.write('# sum in order\tmath.fsum\tvalues (IEEE-754 bits, hex, comma-separated); '
                'written by tests/vectors/gen_fsum.py\n')
        for xs in sets:
            seq = in_order(xs)
            if sys.version_info < (3, 12):  # then sum() is that loop
                assert bits(sum(xs)) == bits(seq) or math.isnan(seq)
            try:
                fs = bits(math.fsum(xs))
            except (OverflowError, ValueError) as e:
                fs = type(e).__name__
            f.write(f"{bits(seq)}\t{fs}\t{','.join(bits(x) for x in xs)}\n")

main()
