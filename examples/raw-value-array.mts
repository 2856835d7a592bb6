// Python:
//   from multiprocessing import Lock, Pool, RawArray, RawValue
//   def fill(squares, total, lock, start, stop):
//       for i in range(start, stop):
//           squares[i] = i * i               # disjoint slices: no lock needed
//       with lock:                           # a Raw* object has no lock of its own
//           total.value += sum(squares[start:stop])
//   squares, total, lock = RawArray('i', 8), RawValue('q', 0), Lock()
//   with Pool(2) as pool:
//       pool.starmap(fill, [(squares, total, lock, 0, 4), (squares, total, lock, 4, 8)])
//   print(squares[:])                        # [0, 1, 4, 9, 16, 25, 36, 49]
//   print(total.value)                       # 140
// `view` is a typed array (here an Int32Array) over the shared memory itself:
// writing through it is zero-copy and seen by every thread. Typecode 'q' is
// 64-bit, so its value is a bigint.
import { Lock, Pool, RawArray, RawValue } from 'multiproc';

// MULTIPROC_CONTEXT=process (npm run demo:process): the workers are OS processes.
const context = (process.env.MULTIPROC_CONTEXT ?? 'thread') as 'thread' | 'process';

function fill(squares: RawArray, total: RawValue<'q'>, lock: Lock, start: number, stop: number) {
  const cells = squares.view as Int32Array; // typed as any typed array: narrow it by typecode
  for (let i = start; i < stop; i++) cells[i] = i * i;
  const sum = cells.subarray(start, stop).reduce((a, b) => a + b, 0);
  lock.acquireSync();
  try {
    total.value += BigInt(sum);
  } finally {
    lock.release();
  }
}

const squares = new RawArray('i', 8);
const total = new RawValue('q', 0n);
const lock = new Lock();

const pool = new Pool({ processes: 2, context });
await pool.starmap(fill, [
  [squares, total, lock, 0, 4],
  [squares, total, lock, 4, 8],
]);
console.log(`[${squares.toArray().join(', ')}]`);
console.log(String(total.value)); // a bigint: 140n in console.log
pool.close();
await pool.join();
