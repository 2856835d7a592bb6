// Python (docs, "Synchronization between processes"):
//   from multiprocessing import Process, Lock
//   def f(l, i):
//       l.acquire()
//       try:
//           print('hello world', i)
//       finally:
//           l.release()
//   lock = Lock()
//   for num in range(10):
//       Process(target=f, args=(lock, num)).start()
//   # hello world 0 ... hello world 9, one whole line at a time
// Each task takes the shared lock with the blocking acquireSync() (Python's
// style; `await lock.acquire()` is the async form) and, holding it, writes its
// line into a shared log at the next free slot: a read-modify-write the lock
// makes safe. Python prints in order of acquisition, which varies run to run,
// so the log is printed sorted.
import { Lock, Pool, RawArray, RawValue } from 'multiproc';

// MULTIPROC_CONTEXT=process (npm run demo:process): the workers are OS processes.
const context = (process.env.MULTIPROC_CONTEXT ?? 'thread') as 'thread' | 'process';

function f(l: Lock, log: RawArray, next: RawValue, i: number) {
  l.acquireSync();
  try {
    log.set(next.value, i); // in order of acquisition
    next.value += 1; // not atomic by itself: the lock makes it safe
  } finally {
    l.release();
  }
}

const lock = new Lock();
const log = new RawArray('i', 10);
const next = new RawValue('i', 0);

const pool = new Pool({ processes: 4, context });
await pool.starmap(f, Array.from({ length: 10 }, (_, num) => [lock, log, next, num] as const));
for (const i of log.toArray().sort((a, b) => a - b)) console.log('hello world', i);
console.log(`${next.value} acquisitions, lock free again: ${!lock.locked()}`);
pool.close();
await pool.join();
