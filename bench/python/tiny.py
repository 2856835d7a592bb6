"""100k tiny tasks with apply_async, all submitted before any result is read."""
from multiprocessing import Pool
from time import perf_counter

from common import args, emit
from tasks import square

N = 100_000


def once(pool, n):
    t0 = perf_counter()
    pending = [pool.apply_async(square, (i,)) for i in range(n)]
    out = [r.get() for r in pending]
    dt = perf_counter() - t0
    assert out[-1] == (n - 1) ** 2
    return n / dt


if __name__ == "__main__":
    runs, warmup = args()
    with Pool(2) as pool:
        for _ in range(warmup):
            once(pool, N // 5)
        emit([once(pool, N) for _ in range(runs)])
