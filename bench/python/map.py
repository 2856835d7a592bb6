"""Pool(2).map(square, range(1_000_000)) with the default chunksize."""
from multiprocessing import Pool
from time import perf_counter

from common import args, emit
from tasks import square

N = 1_000_000


def once(pool, n):
    t0 = perf_counter()
    out = pool.map(square, range(n))
    dt = perf_counter() - t0
    assert len(out) == n and out[-1] == (n - 1) ** 2
    return n / dt


if __name__ == "__main__":
    runs, warmup = args()
    with Pool(2) as pool:
        for _ in range(warmup):
            once(pool, N // 10)
        emit([once(pool, N) for _ in range(runs)])
