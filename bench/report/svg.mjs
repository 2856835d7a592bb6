// results.svg: one group of horizontal bars per scenario, each normalized to the best
// library of that scenario (for "lower is better" the bar is best/value, so longer is
// always better), labelled with the real values; a dashed line marks multiproc's target.
import { LABELS, SCENARIOS } from '../config.mjs';
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
  python: '#3776ab',
};

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function group({ id, rows, target }, y0) {
  const sc = SCENARIOS.find((s) => s.id === id);
  const parts = [];
  const sub = `${sc.unit}, ${sc.higherIsBetter ? 'higher' : 'lower'} is better; multiproc target ${target.text}: `;
  const color = { PASS: '#2b8a3e', MISS: '#c92a2a' }[target.status] ?? '#868e96';
  parts.push(`<text x="10" y="${y0 + 14}" font-weight="bold">${esc(sc.title)}</text>`);
  parts.push(`<text x="10" y="${y0 + 30}" fill="#495057">${esc(sub)}<tspan font-weight="bold" fill="${color}">${target.status}</tspan></text>`);
  let y = y0 + 40;
  const best = bestMedian(sc, rows);
  const score = (v) => (sc.higherIsBetter ? v : 1 / v);
  // The target line can lie beyond the best bar: scale to whichever is further.
  const targetValue = target.ref != null ? target.ref * target.factor : null;
  const scale = Math.max(score(best ?? 1), targetValue ? score(targetValue) : 0);
  const top = y;
  for (const [lib, r] of Object.entries(rows)) {
    parts.push(`<text x="${LABEL_W}" y="${y + 12}" text-anchor="end">${esc(LABELS[lib])}</text>`);
    if (r.median == null) {
      parts.push(`<text x="${BAR_X}" y="${y + 12}" fill="#868e96">${esc(r.skipped ? 'skipped: ' + r.skipped : 'error')}</text>`);
    } else {
      const w = Math.max(1, (score(r.median) / scale) * BAR_MAX);
      parts.push(`<rect x="${BAR_X}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${COLORS[lib]}"/>`);
      parts.push(`<text x="${(BAR_X + w + 6).toFixed(1)}" y="${y + 12}">${esc(fmt(r.median))} ${esc(sc.unit)}</text>`);
    }
    y += BAR_H + GAP;
  }
  if (targetValue) {
    const x = (BAR_X + (score(targetValue) / scale) * BAR_MAX).toFixed(1);
    parts.push(`<line x1="${x}" y1="${top - 3}" x2="${x}" y2="${y - GAP + 3}" stroke="#212529" stroke-dasharray="4 3" opacity="0.6"/>`);
    parts.push(`<text x="${x}" y="${y - GAP + 14}" text-anchor="middle" font-size="10" fill="#495057">target</text>`);
    y += 12;
  }
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
    `<text x="10" y="${y + 6}" fill="#868e96">Bars normalized to the best library per scenario (longer is better); dashed line: multiproc's target.</text>`,
    '</svg>',
    '',
  ].join('\n');
}
