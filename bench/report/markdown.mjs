// results.md: machine and method, a targets summary, then one table per scenario.
import { SCENARIOS, labelOf } from '../config.mjs';
import { fmt } from '../lib/stats.mjs';
import { describeTarget } from '../lib/target.mjs';

const scenarioOf = (id) => SCENARIOS.find((s) => s.id === id);

// One line per target: a scenario may have several (each against its own reference).
function summary(results) {
  const lines = ['| scenario | target for multiproc | multiproc | reference | ratio | result |', '|---|---|---|---|---|---|'];
  for (const { id, targets } of results) {
    const sc = scenarioOf(id);
    for (const t of targets) {
      const ref = t.refName ? `${labelOf(sc, t.refName)} ${fmt(t.ref)} ${sc.unit}` : t.threshold != null ? 'fixed target' : '—';
      const mine = t.mine != null ? `${fmt(t.mine)} ${sc.unit}` : '—';
      lines.push(`| ${sc.title} | ${t.text} | ${mine} | ${ref} | ${describeTarget(sc, t)} | **${t.status}** |`);
    }
  }
  return lines.join('\n');
}

function extraText(r) {
  const parts = Object.entries(r.extra ?? {}).map(([k, v]) => `${k} ${fmt(v)}`);
  // Another process was using the machine right before this row: its numbers are suspect.
  if (r.busyBefore > 0.15) parts.push(`⚠ machine ${(r.busyBefore * 100).toFixed(0)}% busy before the run`);
  return parts.join(', ');
}

function scenarioTable({ id, rows, targets }) {
  const sc = scenarioOf(id);
  const best = bestMedian(sc, rows);
  const out = [
    `## ${sc.title}`,
    '',
    `Unit: ${sc.unit}, ${sc.higherIsBetter ? 'higher' : 'lower'} is better.${sc.note ? ' ' + sc.note : ''}`,
    '',
    '| library | median | min | max | runs | vs best | details |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const [lib, r] of Object.entries(rows)) {
    if (!r.values) {
      out.push(`| ${labelOf(sc, lib)} | ${r.skipped ? 'skipped' : 'error'} | | | | | ${(r.skipped ?? r.error ?? '').replace(/\|/g, '\\|')} |`);
      continue;
    }
    const rel = sc.higherIsBetter ? r.median / best : best / r.median;
    out.push(
      `| ${lib === 'multiproc' ? '**multiproc**' : labelOf(sc, lib)} | ${fmt(r.median)} | ${fmt(Math.min(...r.values))} | ${fmt(Math.max(...r.values))} | ${r.values.length} | ${(rel * 100).toFixed(0)}% | ${extraText(r)} |`,
    );
  }
  out.push('', ...targets.flatMap((t) => [`Target: multiproc ${t.text} → ${describeTarget(sc, t)} → **${t.status}**`, '']));
  return out.join('\n');
}

export function bestMedian(sc, rows) {
  const ms = Object.values(rows).map((r) => r.median).filter((m) => m != null);
  return ms.length ? (sc.higherIsBetter ? Math.max : Math.min)(...ms) : null;
}

function busyWarning(results) {
  const rows = results.flatMap((r) => Object.values(r.rows)).filter((r) => r.values);
  const busy = rows.filter((r) => r.busyBefore > 0.15).length;
  if (!busy) return [];
  return [`> ⚠ ${busy} of ${rows.length} rows started while other processes were using more than 15% of the CPUs (flagged in the details column): on 2 cores their numbers, the parallel speedups above all, are unreliable. Re-run \`npm run bench\` on an idle machine.`, ''];
}

export function toMarkdown({ info, runs, warmup, command, seconds, results }) {
  const v = info.versions;
  return [
    '# multiproc benchmark results',
    '',
    `Measured ${info.date} with \`${command}\` (${seconds} s in all). Targets are ratios within this one run.`,
    '',
    '| | |',
    '|---|---|',
    `| Machine | ${info.nproc} cores (\`nproc\`), ${info.cpu}, ${info.memGiB} GiB, ${info.os} |`,
    `| Load average at start | ${info.loadavg.map((x) => x.toFixed(2)).join(', ')} (1, 5, 15 min) |`,
    `| Node.js | ${info.node} |`,
    `| Python | ${info.python ?? 'not found (Python rows skipped)'} |`,
    `| Libraries | ${Object.entries(v).map(([k, x]) => `${k} ${x}`).join(', ')} |`,
    `| Method | every library in its own fresh \`node\` (or \`python3\`) child process; ${warmup} warm-up then ${runs} timed runs; medians shown; every pool has 2 workers |`,
    '',
    ...busyWarning(results),
    '![results chart](results.svg)',
    '',
    '## Targets',
    '',
    summary(results),
    '',
    ...results.map(scenarioTable),
  ].join('\n');
}
