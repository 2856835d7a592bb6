// Start-to-join latency of an empty Process, vs a bare `new Worker(emptyFile)` until its
// `exit` event. Library already loaded; one at a time.
export async function measure(lib, { runs, warmup }) {
  for (let i = 0; i < warmup; i++) await lib.emptyProcess();
  const values = [];
  for (let i = 0; i < runs; i++) values.push(await lib.emptyProcess());
  return { values };
}
