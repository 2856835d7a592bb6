// Python:
//   from multiprocessing import Pool, RLock, RawValue
//   def add_one(lock, counter):
//       with lock:                      # taken again by the same process: fine
//           counter.value += 1
//   def add_two(lock, counter, times):
//       for _ in range(times):
//           with lock:
//               add_one(lock, counter)
//               add_one(lock, counter)
//   lock, counter = RLock(), RawValue('i', 0)
//   pool.starmap(add_two, [(lock, counter, 100)] * 8)
//   print(counter.value)                # 1600
//   l = Lock(); l.acquire()
//   print(l.acquire(False))             # False: a Lock is not reentrant
//   r = RLock(); r.acquire()
//   print(r.acquire(False))             # True: the owner takes it again
// add_one and add_two call each other, so they live in a module (tasks/counter.ts).
import { Lock, Pool, RLock, RawValue, task } from 'multiproc';
import type { addTwo as AddTwo } from './tasks/counter.ts';

// MULTIPROC_CONTEXT=process (npm run demo:process): the workers are OS processes.
const context = (process.env.MULTIPROC_CONTEXT ?? 'thread') as 'thread' | 'process';

const addTwo = task<typeof AddTwo>(new URL('./tasks/counter.ts', import.meta.url), 'addTwo');

const lock = new RLock();
const counter = new RawValue('i', 0);

const pool = new Pool({ processes: 4, context });
await pool.starmap(addTwo, Array.from({ length: 8 }, () => [lock, counter, 100] as const));
console.log(counter.value);
pool.close();
await pool.join();

const l = new Lock();
l.acquireSync();
console.log(l.acquireSync({ block: false }));
const r = new RLock();
r.acquireSync();
console.log(r.acquireSync({ block: false }));
r.release();
r.release();
