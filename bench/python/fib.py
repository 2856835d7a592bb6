"""16 x fib(27): Pool(2).map vs a serial loop in the same process, alternating."""
from multiprocessing import Pool
from statistics import median
from time import perf_counter

from common import args, emit
from tasks import fib

COUNT, FIB_N = 16, 27


def serial():
    t0 = perf_counter()
    assert sum(fib(FIB_N) for _ in range(COUNT)) == COUNT * 196418
    return (perf_counter() - t0) * 1000


def parallel(pool):
    t0 = perf_counter()
    out = pool.map(fib, [FIB_N] * COUNT)
    dt = (perf_counter() - t0) * 1000
    assert out == [196418] * COUNT
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
