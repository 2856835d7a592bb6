// Memory per worker: RSS with a warmed 2-worker pool minus RSS of the same process just
// before the pool was created, halved. One value per process: the orchestrator starts a
// fresh child for each run, since memory freed by a destroyed pool is not given back.
import { settledRss } from '../lib/stats.mjs';

export const freshPerRun = true;
const MiB = 1024 * 1024;

export async function measure(lib) {
  const before = await settledRss();
  const pool = await lib.create(2);
  try {
    // Warm: both workers have run tasks (same check as the start-up scenario),
    // plus a batch of tiny tasks and a few fib calls to load the JIT like real use.
    const seen = new Set();
    while (seen.size < 2) {
      for (const id of await Promise.all([lib.apply(pool, 'threadId'), lib.apply(pool, 'threadId')])) seen.add(id);
    }
    await Promise.all(Array.from({ length: 2000 }, (_, i) => lib.apply(pool, 'square', i)));
    await Promise.all(Array.from({ length: 4 }, () => lib.apply(pool, 'fib', 20)));
    const after = await settledRss();
    return { values: [(after - before) / 2 / MiB] };
  } finally {
    await lib.destroy(pool);
  }
}
