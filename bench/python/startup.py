"""Pool(2) start-up: from construction until a trivial task has completed on each worker."""
from multiprocessing import Pool
from time import perf_counter

from common import args, emit
from tasks import pid


def once():
    t0 = perf_counter()
    pool = Pool(2)
    seen = set()
    while len(seen) < 2:
        pending = [pool.apply_async(pid), pool.apply_async(pid)]
        seen.update(r.get() for r in pending)
    dt = (perf_counter() - t0) * 1000
    pool.terminate()
    pool.join()
    return dt


if __name__ == "__main__":
    runs, warmup = args()
    for _ in range(warmup):
        once()
    emit([once() for _ in range(runs)])
