// `npm run bench`: every scenario × every library, each library in its own fresh child
// process (so pools never share a process), medians of RUNS timed runs after WARMUP.
// Flags for development: --only=tiny,map  --libs=piscina,python  --runs=3
// A filtered run writes only bench/.work/results.json; a full run also bench/results.{md,svg}.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHILD_TIMEOUT_MS, JS_LIBS, QUIET_WAIT_PER_ROW_MS, QUIET_WAIT_TOTAL_MS, RUNS, SCENARIOS, WARMUP, labelOf } from './config.mjs';
import { machineInfo } from './lib/machine.mjs';
import { waitQuiet } from './lib/quiet.mjs';
import { runChild } from './lib/spawn.mjs';
import { fmt, median } from './lib/stats.mjs';
import { describeTarget, evaluateTarget } from './lib/target.mjs';
import { writeReport } from './report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const flags = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const only = flags.only?.split(',');
const runs = Number(flags.runs ?? RUNS);

const info = machineInfo(root, JS_LIBS);
const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.id));
// Every pool library and Python, unless the scenario lists its own.
const libsOf = (sc) =>
  (sc.libs ?? [...JS_LIBS, 'python']).filter((l) => (l !== 'python' || info.python) && (!flags.libs || flags.libs.split(',').includes(l)));

// One child for the whole series, or (freshPerRun) one child per run, warm-ups discarded.
async function measure(sc, lib) {
  const n = sc.runs?.[lib] ?? runs;
  const cmd = lib === 'python' ? 'python3' : process.execPath;
  // --expose-gc only where a scenario collects garbage: process-context children inherit
  // the parent's Node flags, which would slow their start against a bare baseline.
  const flags = sc.gc ? ['--expose-gc'] : [];
  const script = lib === 'python' ? [`bench/python/${sc.python ?? sc.id}.py`] : [...flags, 'bench/child.mjs', sc.id, lib];
  const opts = { cwd: root, timeout: CHILD_TIMEOUT_MS };
  if (!sc.freshPerRun) return runChild(cmd, [...script, String(n), String(WARMUP)], opts);
  const values = [];
  for (let i = 0; i < WARMUP + n; i++) {
    const r = await runChild(cmd, [...script, '1', '0'], opts);
    if (!r.values) return r;
    if (i >= WARMUP) values.push(...r.values);
  }
  return { values };
}

const t0 = performance.now();
let quietBudgetMs = QUIET_WAIT_TOTAL_MS;
const results = [];
for (const sc of scenarios) {
  console.log(`\n## ${sc.title} [${sc.unit}${sc.higherIsBetter ? ', higher is better' : ', lower is better'}]`);
  const rows = {};
  for (const lib of libsOf(sc)) {
    // Wait for other processes to calm down, within a budget that keeps the run near 10 min.
    const waitStart = performance.now();
    const busy = await waitQuiet({ maxWaitMs: Math.min(QUIET_WAIT_PER_ROW_MS, quietBudgetMs) });
    quietBudgetMs = Math.max(0, quietBudgetMs - (performance.now() - waitStart));
    const started = performance.now();
    const r = await measure(sc, lib);
    r.busyBefore = busy;
    if (r.values) r.median = median(r.values);
    rows[lib] = r;
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    const shown = r.values
      ? `${fmt(r.median).padStart(8)}  (min ${fmt(Math.min(...r.values))}, max ${fmt(Math.max(...r.values))}, n=${r.values.length})`
      : r.skipped ? `skipped: ${r.skipped}` : `ERROR: ${r.error}`;
    const warn = busy > 0.15 ? ` (machine ${(busy * 100).toFixed(0)}% busy before this run)` : '';
    console.log(`  ${labelOf(sc, lib).padEnd(17)} ${shown}  [${secs} s]${warn}`);
  }
  const medians = Object.fromEntries(Object.entries(rows).map(([l, r]) => [l, r.median]));
  const targets = sc.targets.map((t) => evaluateTarget(sc, t, medians));
  for (const t of targets) console.log(`  target: multiproc ${t.text} → ${describeTarget(sc, t)} → ${t.status}`);
  results.push({ id: sc.id, rows, targets });
}

const out = { info, runs, warmup: WARMUP, command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`, seconds: Math.round((performance.now() - t0) / 1000), results };
mkdirSync(`${root}bench/.work`, { recursive: true });
writeFileSync(`${root}bench/.work/results.json`, JSON.stringify(out, null, 2));
const full = !flags.only && !flags.libs && !flags.runs;
writeReport(out, full ? `${root}bench` : `${root}bench/.work`);
console.log(`\n${out.seconds} s total; report in ${full ? 'bench' : 'bench/.work'}/results.{md,svg}`);
