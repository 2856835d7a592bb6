// 2 workers × 200k increments of one shared int, each under a lock: the cost of a lock
// that two threads fight over. Both workers wait for each other, start together and time
// only their own loop (worker start-up and task hand-off are not timed); the rate is all
// increments over the slower loop. A counter that is not exact fails the row.
import { median } from '../lib/stats.mjs';

export const N = 200_000; // per worker

async function once(counter) {
  const { loopMs, value } = await counter.run(N);
  if (value !== 2 * N) {
    throw new Error(`lock: the counter ended at ${value}, not ${2 * N}: increments got through unlocked`);
  }
  const ms = Math.max(...loopMs);
  return { rate: (2 * N) / (ms / 1000), ms };
}

export async function measure(lib, { runs, warmup }) {
  const pool = await lib.create(2);
  try {
    const counter = lib.lockedCounter(pool);
    for (let i = 0; i < warmup; i++) await once(counter);
    const values = [];
    const ms = [];
    for (let i = 0; i < runs; i++) {
      const r = await once(counter);
      values.push(r.rate);
      ms.push(r.ms);
    }
    return { values, extra: { loopMs: median(ms) } };
  } finally {
    await lib.destroy(pool);
  }
}
