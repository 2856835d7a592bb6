"""2 processes x 200k increments of multiprocessing.Value('i', 0), each under its lock
(`with v.get_lock(): v.value += 1`). As in the JS scenario, both workers start together
(a Barrier) and time only their own loop; rate = all increments / the slower loop."""
from multiprocessing import Array, Barrier, Process, Value
from time import perf_counter

from common import emit_loops, run_processes

N = 200_000  # per worker


def work(v, barrier, loop_ms, k, n):
    barrier.wait()
    t0 = perf_counter()
    for _ in range(n):
        with v.get_lock():
            v.value += 1
    loop_ms[k] = (perf_counter() - t0) * 1000


def once(n):
    v = Value("i", 0)
    barrier = Barrier(2)
    loop_ms = Array("d", 2, lock=False)
    workers = [Process(target=work, args=(v, barrier, loop_ms, k, n)) for k in range(2)]
    run_processes("lock", workers)
    if v.value != 2 * n:
        raise RuntimeError(f"lock: the counter ended at {v.value}, not {2 * n}")
    ms = max(loop_ms)
    return 2 * n / (ms / 1000), ms


if __name__ == "__main__":
    emit_loops(lambda: once(N))
