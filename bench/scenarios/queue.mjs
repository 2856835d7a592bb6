// 200k small ints through a Queue from one pool task to another (putSync / getSync), vs a
// one-way MessagePort stream between two plain workers. Both sides wait for each other,
// start together and time only their own loop (worker start-up and hand-off not timed);
// rate = all items / the slower loop (the consumer's: go until the last item arrived).
// Every run checks that exactly 0..n-1 arrived, in order, and nothing is left.
import { median } from '../lib/stats.mjs';

export const N = 200_000;

async function once(stream) {
  const { loopMs, received, bad, left } = await stream.run(N);
  if (received !== N || bad !== 0 || left !== 0) {
    throw new Error(`queue: ${received} items arrived, ${bad} out of place, ${left} left in the queue (expected ${N} in order, none left)`);
  }
  const ms = Math.max(...loopMs);
  return { rate: N / (ms / 1000), ms };
}

export async function measure(lib, { runs, warmup }) {
  const pool = await lib.create(2);
  try {
    const stream = lib.queueStream(pool);
    for (let i = 0; i < warmup; i++) await once(stream);
    const values = [];
    const ms = [];
    for (let i = 0; i < runs; i++) {
      const r = await once(stream);
      values.push(r.rate);
      ms.push(r.ms);
    }
    return { values, extra: { loopMs: median(ms) } };
  } finally {
    await lib.destroy(pool);
  }
}
