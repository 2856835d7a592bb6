import { Pool } from '../index.mjs';

/** Runs `body` with a fresh pool and always terminates it, as `await using` would
 *  (Node 20 cannot parse `await using` in plain JavaScript). */
export async function withPool(options, body) {
  const pool = new Pool(options);
  try {
    return await body(pool);
  } finally {
    await pool.terminate();
  }
}
