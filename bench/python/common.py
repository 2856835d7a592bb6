"""Shared bits of the Python side: argument parsing and the RESULT line the orchestrator reads."""
import json
import sys
from statistics import median


def args():
    """runs, warmup from argv (same order as bench/child.mjs)."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    warmup = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    return runs, warmup


def emit(values, **extra):
    out = {"values": values}
    if extra:
        out["extra"] = extra
    print("RESULT " + json.dumps(out), flush=True)


def run_processes(name, processes):
    """Starts the processes, waits for all, and fails if any did not exit cleanly."""
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    if any(p.exitcode != 0 for p in processes):
        raise RuntimeError(f"{name}: a worker failed (exit codes {[p.exitcode for p in processes]})")


def emit_loops(once):
    """Warm-up, then the timed runs of `once()` -> (rate, loop ms); emits the rates."""
    runs, warmup = args()
    for _ in range(warmup):
        once()
    results = [once() for _ in range(runs)]
    emit([rate for rate, _ in results], loopMs=median(ms for _, ms in results))
