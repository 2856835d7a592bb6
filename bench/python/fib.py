"""16 x fib(32): Pool(2).map vs a serial loop in the same process, alternating."""
from multiprocessing import Pool
from statistics import median
from time import perf_counter

from common import args, emit
from tasks import fib

COUNT, FIB_N = 16, 32


def serial():
    t0 = perf_counter()
    assert sum(fib(FIB_N) for _ in range(COUNT)) == COUNT * 2178309
    return (perf_counter() - t0) * 1000


def parallel(pool):
    t0 = perf_counter()
    out = pool.map(fib, [FIB_N] * COUNT)
    dt = (perf_counter() - t0) * 1000
    assert out == [2178309] * COUNT
    return dt


if __name__ == "__main__":
    runs, warmup = args()
    with Pool(2) as pool:
        for _ in range(warmup):
            serial()
            parallel(pool)
        s, p = [], []
        for _ in range(runs):
            s.append(serial())
            p.append(parallel(pool))
        emit([a / b for a, b in zip(s, p)], serialMs=median(s), parallelMs=median(p))
