// Manager dict: 2 pool tasks each d.set() N distinct keys concurrently. Both wait for each
// other, start together and time only their own loop; rate = all sets / the slower loop.
// Every run checks (untimed) that the dict holds exactly the 2N keys with their values.
import { median } from '../lib/stats.mjs';

export const N = 50_000; // per task

async function once(dict) {
  const { loopMs, size, bad } = await dict.run(N);
  if (size !== 2 * N || bad !== 0) throw new Error(`manager-dict: ${size} keys (expected ${2 * N}), ${bad} wrong or missing values`);
  const ms = Math.max(...loopMs);
  return { rate: (2 * N) / (ms / 1000), ms };
}

export async function measure(lib, { runs, warmup }) {
  const pool = await lib.create(2);
  const dict = await lib.managerDict(pool);
  try {
    for (let i = 0; i < warmup; i++) await once(dict);
    const values = [];
    const ms = [];
    for (let i = 0; i < runs; i++) {
      const r = await once(dict);
      values.push(r.rate);
      ms.push(r.ms);
    }
    return { values, extra: { loopMs: median(ms) } };
  } finally {
    await dict.close?.();
    await lib.destroy(pool);
  }
}
