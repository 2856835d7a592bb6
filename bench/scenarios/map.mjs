// map over 1M ints with the library's own map API (default chunking): bulk throughput.
export const N = 1_000_000;

async function once(lib, pool, xs) {
  const t0 = performance.now();
  const out = await lib.map(pool, 'square', xs);
  const dt = performance.now() - t0;
  if (out.length !== xs.length || out[xs.length - 1] !== (xs.length - 1) ** 2) {
    throw new Error('map: wrong results');
  }
  return xs.length / (dt / 1000);
}

export async function measure(lib, { runs, warmup }) {
  if (!lib.hasMap) return { skipped: 'no map API' };
  const xs = Array.from({ length: N }, (_, i) => i);
  const pool = await lib.create(2);
  try {
    for (let i = 0; i < warmup; i++) await once(lib, pool, xs);
    const values = [];
    for (let i = 0; i < runs; i++) values.push(await once(lib, pool, xs));
    return { values };
  } finally {
    await lib.destroy(pool);
  }
}
