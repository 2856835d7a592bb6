// Python:
//   with Pool(2) as pool:
//       for n in pool.imap_unordered(fib, itertools.count()):   # lazily, forever
//           ...
// imap consumes an endless input lazily: only a few chunks are ever in flight.
import { Pool, task } from 'multiproc';

type Fib = (n: number) => number;
const fib = task<Fib>(new URL('./tasks/fib.ts', import.meta.url), 'fib');

function* naturals() {
  for (let n = 0; ; n++) yield n;
}

const pool = new Pool(2);
const fibs: number[] = [];
for await (const value of pool.imap(fib, naturals())) {
  fibs.push(value);
  if (fibs.length === 15) break;
}
console.log(`[${fibs.join(', ')}]`);
pool.close();
await pool.join();
