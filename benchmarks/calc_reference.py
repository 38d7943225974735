"""The course's load in Python, to time against forkcollect (benchmarks/speed).
Usage: python3 benchmarks/calc_reference.py N ITERATIONS -> prints seconds and value."""
import random, sys, time

def calc(n, iterations):
    random.seed(n)
    s = 0.0
    for _ in range(iterations):
        s += random.random()
    return s

n, it = int(sys.argv[1]), int(sys.argv[2])
t = time.perf_counter(); v = calc(n, it); t = time.perf_counter() - t
print(f"{t:.6f} {v!r}")
