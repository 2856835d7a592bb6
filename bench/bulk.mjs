// `npm run bench:bulk`: each bulk operation of a SharedArray('d', n) (its Promise form)
// against the same operation in plain JS on its view, at 1e4, 1e6 and 1e8 elements,
// alternating the two in one process; prints the medians and where multiproc starts to
// win. Separate from `npm run bench` as the 1e8 rows take minutes (0.8 GB per array).
// Flags: --sizes=1e4,1e6  --runs=3
import * as multiproc from './adapters/multiproc.mjs';
import * as view from './adapters/view.mjs';
import { fmt, median } from './lib/stats.mjs';
import { assertAscending, randomDoubles } from './lib/random.mjs';

const flags = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const SIZES = (flags.sizes ?? '1e4,1e6,1e8').split(',').map(Number);
// Timed runs per size (fewer where one run takes seconds); one warm-up before them.
const runsFor = (n) => Number(flags.runs ?? (n <= 1e4 ? 31 : n <= 1e6 ? 11 : 3));
// Calls per timed run of the operations that leave the data as it is, so a run at 1e4
// lasts well over the timer's resolution; a sort gets fresh data before every call.
const batchFor = (n) => (n <= 1e4 ? 50 : 1);
const OPS = [
  { name: 'sort', js: 'view.sort()', call: (a) => a.sort(), fresh: true },
  { name: 'sum', js: 'for loop: s += v[i]', call: (a) => a.sum() },
  { name: 'min', js: 'for loop: Math.min', call: (a) => a.min() },
  { name: 'max', js: 'for loop: Math.max', call: (a) => a.max() },
  { name: 'fill', js: 'view.fill(0.5)', call: (a) => a.fill(0.5), fresh: true },
  // 2 is not among the data (all in [-1, 1)): a search of the whole array.
  { name: 'indexOf', js: 'view.indexOf(2)', call: (a) => a.indexOf(2) },
];
const LIBS = { multiproc, view };

async function timeOnce(array, op, source, batch) {
  if (op.fresh) array.view.set(source);
  const t0 = performance.now();
  let result;
  for (let i = 0; i < batch; i++) result = await op.call(array);
  const ms = (performance.now() - t0) / batch;
  if (op.name === 'sort') assertAscending(array.view, 'bench:bulk sort');
  return { ms, result };
}

const rows = [];
for (const n of SIZES) {
  const source = randomDoubles(n);
  const arrays = Object.fromEntries(Object.entries(LIBS).map(([name, lib]) => [name, lib.bulkArray('d', n)]));
  for (const array of Object.values(arrays)) array.view.set(source);
  for (const op of OPS) {
    const batch = op.fresh ? 1 : batchFor(n);
    const times = { multiproc: [], view: [] };
    const results = {};
    for (let r = 0; r < 1 + runsFor(n); r++) {
      for (const name of r % 2 ? ['view', 'multiproc'] : ['multiproc', 'view']) {
        const { ms, result } = await timeOnce(arrays[name], op, source, op.fresh ? 1 : batch);
        if (r > 0) times[name].push(ms);
        results[name] = result;
      }
    }
    // Same answers (sum: to rounding), checked untimed.
    const [mine, theirs] = [results.multiproc, results.view];
    const same = op.name === 'sum' ? Math.abs(mine - theirs) <= 1e-9 * n : op.fresh || Object.is(mine, theirs);
    if (!same) throw new Error(`bench:bulk ${op.name} at ${n}: multiproc gave ${mine}, JS ${theirs}`);
    const row = { n, op: op.name, js: op.js, multiprocMs: median(times.multiproc), jsMs: median(times.view) };
    rows.push(row);
    console.log(`${op.name.padEnd(8)} n=${String(n).padEnd(9)} multiproc ${fmt(row.multiprocMs)} ms  JS ${fmt(row.jsMs)} ms  → ${(row.jsMs / row.multiprocMs).toFixed(2)}×`);
  }
  for (const array of Object.values(arrays)) array.view.set(source.subarray(0, 0));
}

const sizeName = (n) => `1e${Math.round(Math.log10(n))}`;
console.log(`\n| operation | JS equivalent | ${SIZES.map((n) => `${sizeName(n)}: multiproc / JS (speedup)`).join(' | ')} | multiproc wins from |`);
console.log(`|---|---|${SIZES.map(() => '---:').join('|')}|---|`);
for (const op of OPS) {
  const mine = rows.filter((r) => r.op === op.name);
  const cells = mine.map((r) => `${fmt(r.multiprocMs)} / ${fmt(r.jsMs)} ms (${(r.jsMs / r.multiprocMs).toFixed(2)}×)`);
  // The crossover: the smallest size from which multiproc is faster at every larger size.
  const from = mine.findIndex((_, i) => mine.slice(i).every((r) => r.multiprocMs < r.jsMs));
  console.log(`| ${op.name} | ${op.js} | ${cells.join(' | ')} | ${from === -1 ? `not up to ${sizeName(SIZES.at(-1))}` : from === 0 ? `${sizeName(SIZES[0])} or less` : sizeName(SIZES[from])} |`);
}
