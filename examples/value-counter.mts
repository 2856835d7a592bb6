// Python (docs: "Value ... get_lock()"):
//   from multiprocessing import Pool, Value
//   def work(counter, n):
//       for _ in range(n):
//           with counter.get_lock():         # counter.value += 1 alone is not atomic
//               counter.value += 1
//   counter = Value('i', 0)
//   with Pool(2) as pool:
//       pool.starmap(work, [(counter, 10000)] * 4)
//   print(counter.value)                     # 40000
//   Value('x', 0)                            # TypeError
// JS adds atomic add/sub/exchange/compareExchange for integer typecodes, which
// need no lock at all. An unknown typecode is a TypeError naming the valid ones.
import { Pool, Value } from 'multiproc';

// MULTIPROC_CONTEXT=process (npm run demo:process): the workers are OS processes.
const context = (process.env.MULTIPROC_CONTEXT ?? 'thread') as 'thread' | 'process';

function work(counter: Value, n: number) {
  const lock = counter.getLock();
  for (let k = 0; k < n; k++) {
    lock.acquireSync();
    try {
      counter.value += 1; // a read then a write: safe only under the lock
    } finally {
      lock.release();
    }
  }
}

function workAtomic(counter: Value, n: number) {
  for (let k = 0; k < n; k++) counter.add(1); // one atomic step
}

const pool = new Pool({ processes: 2, context });
const counter = new Value('i', 0);
await pool.starmap(work, Array.from({ length: 4 }, () => [counter, 10_000] as const));
console.log(counter.value);

const atomic = new Value('i', 0, { lock: false });
await pool.starmap(workAtomic, Array.from({ length: 4 }, () => [atomic, 10_000] as const));
console.log(atomic.value);
pool.close();
await pool.join();

try {
  // @ts-expect-error: 'x' is no typecode, which TypeScript catches too
  new Value('x', 0);
} catch (error) {
  console.log(`${(error as Error).name}: ${(error as Error).message}`);
}
