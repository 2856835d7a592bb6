// 100k tiny tasks, all submitted before any is awaited: measures per-task overhead
// (submission, hand-off to a worker, result delivery), not computation.
export const N = 100_000;

async function once(lib, pool, n) {
  const t0 = performance.now();
  const pending = new Array(n);
  for (let i = 0; i < n; i++) pending[i] = lib.apply(pool, 'square', i);
  const out = await Promise.all(pending);
  const dt = performance.now() - t0;
  // A wrong answer would make the rate meaningless.
  if (out.length !== n || out[n - 1] !== (n - 1) * (n - 1) || out[n >> 1] !== (n >> 1) ** 2) {
    throw new Error('tiny: wrong results');
  }
  return n / (dt / 1000);
}

export async function measure(lib, { runs, warmup }) {
  const pool = await lib.create(2);
  try {
    // Warm-up at 1/5 size: JIT and worker start-up out of the timed runs.
    for (let i = 0; i < warmup; i++) await once(lib, pool, N / 5);
    const values = [];
    for (let i = 0; i < runs; i++) values.push(await once(lib, pool, N));
    return { values };
  } finally {
    await lib.destroy(pool);
  }
}
