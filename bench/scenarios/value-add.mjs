// 5M atomic increments of one shared int from the main thread, uncontended: what the
// wrapper around Atomics.add costs per call.
export const N = 5_000_000;

function once(counter) {
  counter.value = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) counter.add(1);
  const dt = performance.now() - t0;
  if (counter.value !== N) throw new Error(`value-add: the counter ended at ${counter.value}, not ${N}`);
  return N / (dt / 1000);
}

export async function measure(lib, { runs, warmup }) {
  const counter = lib.sharedCounter();
  for (let i = 0; i < warmup; i++) once(counter);
  const values = [];
  for (let i = 0; i < runs; i++) values.push(once(counter));
  return { values };
}
