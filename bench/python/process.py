"""Start-to-join latency of an empty Process: Process(target=f).start(); join()."""
from multiprocessing import Process
from time import perf_counter

from common import args, emit


def f():
    pass


def once():
    t0 = perf_counter()
    p = Process(target=f)
    p.start()
    p.join()
    dt = (perf_counter() - t0) * 1000
    if p.exitcode != 0:
        raise RuntimeError(f"process: exit code {p.exitcode}")
    return dt


if __name__ == "__main__":
    runs, warmup = args()
    for _ in range(warmup):
        once()
    emit([once() for _ in range(runs)])
