// 16 x fib(32) on 2 workers vs the same 16 calls in a serial loop in this process:
// how much of 2 cores a CPU-bound batch actually gets.
import { fib } from '../lib/tasks.mjs';
import { median } from '../lib/stats.mjs';

export const COUNT = 16;
export const FIB_N = 32;

function serial() {
  const t0 = performance.now();
  let sum = 0;
  for (let i = 0; i < COUNT; i++) sum += fib(FIB_N);
  if (sum !== COUNT * 2178309) throw new Error('fib: wrong serial result');
  return performance.now() - t0;
}

async function parallel(lib, pool) {
  const xs = new Array(COUNT).fill(FIB_N);
  const t0 = performance.now();
  // map where the library has one; otherwise all tasks submitted at once.
  const out = lib.hasMap
    ? await lib.map(pool, 'fib', xs)
    : await Promise.all(xs.map((x) => lib.apply(pool, 'fib', x)));
  const dt = performance.now() - t0;
  if (out.length !== COUNT || out.some((v) => v !== 2178309)) throw new Error('fib: wrong result');
  return dt;
}

export async function measure(lib, { runs, warmup }) {
  const pool = await lib.create(2);
  try {
    for (let i = 0; i < warmup; i++) {
      serial();
      await parallel(lib, pool);
    }
    // Serial and parallel alternate so both see the same machine conditions.
    const s = [];
    const p = [];
    const values = [];
    for (let i = 0; i < runs; i++) {
      s.push(serial());
      p.push(await parallel(lib, pool));
      values.push(s[i] / p[i]);
    }
    return { values, extra: { serialMs: median(s), parallelMs: median(p) } };
  } finally {
    await lib.destroy(pool);
  }
}
