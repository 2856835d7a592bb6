// results.svg: one group of horizontal bars per scenario, each normalized to the best
// library of that scenario (for "lower is better" the bar is best/value, so longer is
// always better), labelled with the real values; a dashed line marks each of multiproc's targets.
import { SCENARIOS, labelOf } from '../config.mjs';
import { fmt } from '../lib/stats.mjs';
import { bestMedian } from './markdown.mjs';

const W = 900;
const LABEL_W = 130;
const BAR_X = LABEL_W + 10;
const BAR_MAX = 500;
const BAR_H = 16;
const GAP = 5;
const COLORS = {
  multiproc: '#e8590c',
  piscina: '#4c6ef5',
  poolifier: '#15aabf',
  tinypool: '#82c91e',
  workerpool: '#be4bdb',
  'multiproc-rlock': '#ffa94d',
  atomics: '#495057',
  workers: '#868e96',
  python: '#3776ab',
};

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function group({ id, rows, targets }, y0) {
  const sc = SCENARIOS.find((s) => s.id === id);
  const parts = [];
  const statuses = targets.map((t) => {
    const color = { PASS: '#2b8a3e', MISS: '#c92a2a' }[t.status] ?? '#868e96';
    return `${esc(t.text)}: <tspan font-weight="bold" fill="${color}">${t.status}</tspan>`;
  });
  const sub = `${sc.unit}, ${sc.higherIsBetter ? 'higher' : 'lower'} is better; multiproc target${targets.length > 1 ? 's' : ''} `;
  parts.push(`<text x="10" y="${y0 + 14}" font-weight="bold">${esc(sc.title)}</text>`);
  parts.push(`<text x="10" y="${y0 + 30}" fill="#495057">${esc(sub)}${statuses.join(', ')}</text>`);
  let y = y0 + 40;
  const best = bestMedian(sc, rows);
  const score = (v) => (sc.higherIsBetter ? v : 1 / v);
  // A target line can lie beyond the best bar: scale to whichever is further.
  const lines = targets.filter((t) => t.threshold != null);
  const scale = Math.max(score(best ?? 1), ...lines.map((t) => score(t.threshold)));
  const top = y;
  for (const [lib, r] of Object.entries(rows)) {
    parts.push(`<text x="${LABEL_W}" y="${y + 12}" text-anchor="end">${esc(labelOf(sc, lib))}</text>`);
    if (r.median == null) {
      parts.push(`<text x="${BAR_X}" y="${y + 12}" fill="#868e96">${esc(r.skipped ? 'skipped: ' + r.skipped : 'error')}</text>`);
    } else {
      const w = Math.max(1, (score(r.median) / scale) * BAR_MAX);
      parts.push(`<rect x="${BAR_X}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${COLORS[lib]}"/>`);
      parts.push(`<text x="${(BAR_X + w + 6).toFixed(1)}" y="${y + 12}">${esc(fmt(r.median))} ${esc(sc.unit)}</text>`);
    }
    y += BAR_H + GAP;
  }
  // Several targets: each line says which, its label one row lower than the last.
  lines.forEach((t, i) => {
    const x = (BAR_X + (score(t.threshold) / scale) * BAR_MAX).toFixed(1);
    const label = lines.length > 1 && t.refName ? `${t.factor}× ${labelOf(sc, t.refName)}` : 'target';
    parts.push(`<line x1="${x}" y1="${top - 3}" x2="${x}" y2="${y - GAP + 3 + i * 12}" stroke="#212529" stroke-dasharray="4 3" opacity="0.6"/>`);
    parts.push(`<text x="${x}" y="${y - GAP + 14 + i * 12}" text-anchor="middle" font-size="10" fill="#495057">${esc(label)}</text>`);
  });
  y += 12 * lines.length;
  return { svg: parts.join('\n'), height: y - y0 + 14 };
}

export function toSvg({ info, results }) {
  const body = [];
  let y = 34;
  for (const r of results) {
    const g = group(r, y);
    body.push(g.svg);
    y += g.height;
  }
  const head = `multiproc vs peers — ${info.nproc} cores, ${info.cpu}, Node ${info.node}${info.python ? ', Python ' + info.python : ''} — ${info.date.slice(0, 10)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y + 16}" viewBox="0 0 ${W} ${y + 16}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(head)}</text>`,
    ...body,
    `<text x="10" y="${y + 6}" fill="#868e96">Bars normalized to the best library per scenario (longer is better); dashed lines: multiproc's targets.</text>`,
    '</svg>',
    '',
  ].join('\n');
}
