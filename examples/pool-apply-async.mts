// Python:
//   with Pool(4) as pool:
//       results = [pool.apply_async(square, (i,)) for i in range(10)]
//       print([r.get(timeout=1) for r in results])   # [0, 1, 4, ..., 81]
//       slow = pool.apply_async(time.sleep, (10,))
//       try: slow.get(timeout=1)
//       except TimeoutError: print("We lacked patience and got a multiprocessing.TimeoutError")
import { Pool, TimeoutError } from 'multiproc';

const square = (x: number) => x * x;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const pool = new Pool(4);
const results = Array.from({ length: 10 }, (_, i) => pool.applyAsync(square, [i]));
// Python waits 1 s; workers starting on a busy machine may need longer for the first result.
const values = await Promise.all(results.map((r) => r.get(10_000)));
console.log(`[${values.join(', ')}]`);

const slow = pool.applyAsync(sleep, [10_000]);
try {
  await slow.get(1000);
} catch (error) {
  if (error instanceof TimeoutError) console.log('We lacked patience and got a multiprocessing.TimeoutError');
  else throw error;
}
await pool.terminate(); // the sleeping task is not worth waiting for
