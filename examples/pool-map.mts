// Python:
//   from multiprocessing import Pool
//   def square(x): return x * x
//   with Pool(4) as pool:
//       print(pool.map(square, [1, 2, 3, 4, 5]))      # [1, 4, 9, 16, 25]
import { Pool } from 'multiproc';

function square(x: number): number {
  return x * x;
}

const pool = new Pool(4);
const squares = await pool.map(square, [1, 2, 3, 4, 5]);
console.log(`[${squares.join(', ')}]`);
pool.close();
await pool.join();
