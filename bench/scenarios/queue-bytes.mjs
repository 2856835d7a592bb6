// One 64 MiB Float64Array through a Queue: putSync on the main thread, getSync in a pool
// worker that was already waiting. Timed from just before put until get returned (the clock
// read on both threads as performance.timeOrigin + performance.now()). Every run checks,
// untimed, that every element arrived intact.
export const BYTES = 64 * 1024 * 1024;

export async function measure(lib, { runs, warmup }) {
  const a = new Float64Array(BYTES / 8);
  for (let i = 0; i < a.length; i++) a[i] = i * 0.5;
  const pool = await lib.create(2);
  try {
    const q = lib.queueBytes(pool);
    const once = async () => {
      const { ms, length, bad } = await q.run(a);
      if (length !== a.length || bad !== 0) throw new Error(`queue-bytes: got ${length} elements (expected ${a.length}), ${bad} wrong`);
      return { gbps: BYTES / 1e9 / (ms / 1000), ms };
    };
    for (let i = 0; i < warmup; i++) await once();
    const values = [];
    for (let i = 0; i < runs; i++) values.push((await once()).gbps);
    return { values };
  } finally {
    await lib.destroy(pool);
  }
}
