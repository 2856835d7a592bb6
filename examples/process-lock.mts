// Python (docs, "Synchronization between processes"):
//   from multiprocessing import Process, Lock
//   def f(l, i):
//       l.acquire()
//       try:
//           print('hello world', i)
//       finally:
//           l.release()
//   if __name__ == '__main__':
//       lock = Lock()
//       for num in range(10):
//           Process(target=f, args=(lock, num)).start()
//   # hello world 0 ... hello world 9, one whole line at a time
// Ten processes share one Lock, taken with the blocking acquireSync() as in
// Python (`await l.acquire()` is the async form). Holding it, each one writes
// its line into a shared log at the next free slot, a read-modify-write that
// only the lock makes safe. Python prints in order of acquisition, which
// varies from run to run, so the log is printed sorted.
import { Lock, Process, RawArray, RawValue } from 'multiproc';

// MULTIPROC_CONTEXT=process (npm run demo:process): the workers are OS processes.
const context = (process.env.MULTIPROC_CONTEXT ?? 'thread') as 'thread' | 'process';

function f(l: Lock, log: RawArray, next: RawValue, i: number) {
  l.acquireSync();
  try {
    log.set(next.value, i);
    next.value += 1; // a read then a write: safe only under the lock
  } finally {
    l.release();
  }
}

const lock = new Lock();
const log = new RawArray('i', 10);
const next = new RawValue('i', 0);
const processes = Array.from({ length: 10 }, (_, num) => new Process({ target: f, args: [lock, log, next, num], context }));
for (const p of processes) p.start();
// Python's parent waits for its non-daemon children at exit; here the log is read after join().
await Promise.all(processes.map((p) => p.join()));
for (const i of log.toArray().sort((a, b) => a - b)) console.log('hello world', i);
console.log(`${next.value} lines, exit codes ${processes.map((p) => p.exitCode).join(' ')}`);
