"""Manager().dict(): 2 processes each set 50k distinct keys concurrently. Both start together
(a Barrier) and time only their own loop; rate = all sets / the slower loop. Every run checks
(untimed) that the dict holds exactly the 100k keys with their values."""
from multiprocessing import Array, Barrier, Manager, Process
from time import perf_counter

from common import emit_loops, run_processes

N = 50_000  # per process


def setter(d, barrier, loop_ms, w, n):
    barrier.wait()
    t0 = perf_counter()
    for i in range(n):
        d[f"w{w}-{i}"] = i
    loop_ms[w] = (perf_counter() - t0) * 1000


def once(manager, n):
    d = manager.dict()
    barrier = Barrier(2)
    loop_ms = Array("d", 2, lock=False)
    workers = [Process(target=setter, args=(d, barrier, loop_ms, w, n)) for w in range(2)]
    run_processes("manager-dict", workers)
    got = d.copy()
    want = {f"w{w}-{i}": i for w in range(2) for i in range(n)}
    if got != want:
        raise RuntimeError(f"manager-dict: {len(got)} keys (expected {len(want)}) or wrong values")
    ms = max(loop_ms)
    return 2 * n / (ms / 1000), ms


if __name__ == "__main__":
    with Manager() as manager:
        emit_loops(lambda: once(manager, N))
