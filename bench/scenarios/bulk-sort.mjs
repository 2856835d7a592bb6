// Sorting 10M random doubles in a SharedArray: multiproc's sort() (native, on its thread
// pool) against view.sort() (V8's TypedArray sort). Rate = elements / the sort's time.
import { assertAscending, randomDoubles } from '../lib/random.mjs';

export const N = 10_000_000;

export async function measure(lib, { runs, warmup }) {
  const source = randomDoubles(N);
  const a = lib.bulkArray('d', N);
  const values = [];
  for (let i = 0; i < warmup + runs; i++) {
    a.view.set(source);
    const t0 = performance.now();
    await a.sort();
    const ms = performance.now() - t0;
    assertAscending(a.view, 'bulk-sort');
    if (i >= warmup) values.push(N / (ms / 1000));
  }
  return { values };
}
