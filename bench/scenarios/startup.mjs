// Start-up: from the constructor call until a trivial task has completed on each of
// the 2 workers. Pairs of tasks are sent until two distinct thread ids have answered,
// so no library-specific "ready" event is needed and every library is timed the same way.
const MAX_ROUNDS = 100_000;

async function once(lib) {
  const t0 = performance.now();
  const pool = await lib.create(2);
  const seen = new Set();
  for (let r = 0; seen.size < 2; r++) {
    if (r === MAX_ROUNDS) throw new Error('startup: second worker never answered');
    const ids = await Promise.all([lib.apply(pool, 'threadId'), lib.apply(pool, 'threadId')]);
    for (const id of ids) seen.add(id);
  }
  const dt = performance.now() - t0;
  await lib.destroy(pool);
  return dt;
}

export async function measure(lib, { runs, warmup }) {
  for (let i = 0; i < warmup; i++) await once(lib);
  const values = [];
  for (let i = 0; i < runs; i++) values.push(await once(lib));
  return { values };
}
