"""multiprocessing.Queue: one process puts 200k small ints, another gets them. As in the JS
scenario, both start together (a Barrier) and time only their own loop; rate = all items /
the slower loop. Every run checks that exactly 0..n-1 arrived, in order."""
from multiprocessing import Array, Barrier, Process, Queue, Value
from time import perf_counter

from common import emit_loops, run_processes

N = 200_000


def produce(q, barrier, loop_ms, n):
    barrier.wait()
    t0 = perf_counter()
    for i in range(n):
        q.put(i)
    loop_ms[0] = (perf_counter() - t0) * 1000


def consume(q, barrier, loop_ms, bad, n):
    barrier.wait()
    t0 = perf_counter()
    wrong = 0
    for i in range(n):
        if q.get() != i:
            wrong += 1
    loop_ms[1] = (perf_counter() - t0) * 1000
    bad.value = wrong


def once(n):
    q = Queue()
    barrier = Barrier(2)
    loop_ms = Array("d", 2, lock=False)
    bad = Value("i", -1, lock=False)
    workers = [Process(target=produce, args=(q, barrier, loop_ms, n)), Process(target=consume, args=(q, barrier, loop_ms, bad, n))]
    run_processes("queue", workers)
    if bad.value != 0 or not q.empty():
        raise RuntimeError(f"queue: {bad.value} items out of place, queue empty afterwards: {q.empty()}")
    ms = max(loop_ms)
    return n / (ms / 1000), ms


if __name__ == "__main__":
    emit_loops(lambda: once(N))
