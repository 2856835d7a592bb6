// Small numeric helpers shared by the orchestrator, the scenarios and the report.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// RSS after giving V8 a chance to drop garbage (needs node --expose-gc).
export async function settledRss() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await sleep(100);
  }
  return process.memoryUsage.rss();
}

// Human formatting: 3 significant digits (or `digits`), k/M suffixes for big rates.
export function fmt(v, digits = 3) {
  if (v == null || Number.isNaN(v)) return '-';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(digits)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(digits)}k`;
  return Number(v.toPrecision(digits)).toString();
}
