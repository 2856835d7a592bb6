"""Memory per worker. Python's workers are processes, so the JS definition (growth of
the parent's RSS) would read ~0: this reports each warmed worker's PSS instead
(private pages + its share of pages still shared with the parent after fork)."""
from multiprocessing import Pool

from common import emit
from tasks import fib, pid, square


def pss_kib(p):
    with open(f"/proc/{p}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    raise RuntimeError("no Pss line")


if __name__ == "__main__":
    with Pool(2) as pool:
        seen = set()
        while len(seen) < 2:
            seen.update(r.get() for r in [pool.apply_async(pid), pool.apply_async(pid)])
        [r.get() for r in [pool.apply_async(square, (i,)) for i in range(2000)]]
        pool.map(fib, [20] * 4)
        workers = [w.pid for w in pool._pool]
        emit([sum(pss_kib(p) for p in workers) / len(workers) / 1024])
