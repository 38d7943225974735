"""CPython's own pickle and marshal on the course's dict, to time against forkcollect
(benchmarks/speed). Usage: python3 benchmarks/pyser_reference.py FILE.pickle
Loads the dict from the pickle file forkcollect wrote, then prints the fastest ns per
call of pickle.dumps(d, protocol=4), pickle.loads, marshal.dumps(d), marshal.loads."""
import marshal, pickle, sys, time

def per_call(fn, arg):
    reps = 1
    while True:
        t = time.perf_counter_ns()
        for _ in range(reps):
            fn(arg)
        if time.perf_counter_ns() - t >= 5_000_000:
            break
        reps *= 2
    samples = []
    for _ in range(11):  # the fastest of 11, as benchmarks/speed times ours
        t = time.perf_counter_ns()
        for _ in range(reps):
            fn(arg)
        samples.append((time.perf_counter_ns() - t) / reps)
    return min(samples)

with open(sys.argv[1], "rb") as f:
    d = pickle.loads(f.read())
p, m = pickle.dumps(d, protocol=4), marshal.dumps(d)
print(per_call(lambda x: pickle.dumps(x, protocol=4), d), per_call(pickle.loads, p),
      per_call(marshal.dumps, d), per_call(marshal.loads, m))
