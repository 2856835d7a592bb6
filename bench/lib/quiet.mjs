// This machine is shared with builds and test runs: a measurement taken while something
// else burns a core is worthless on 2 cores. Sample /proc/stat before each child, wait a
// while for quiet, and record how busy the machine was so the report can flag it.
import { readFileSync } from 'node:fs';
import { sleep } from './stats.mjs';

function cpuTimes() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0);
  return { idle, total: f.reduce((a, b) => a + b, 0) };
}

// Fraction of all cores busy over `ms` (0..1); null where /proc/stat is missing.
export async function cpuBusy(ms = 500) {
  try {
    const a = cpuTimes();
    await sleep(ms);
    const b = cpuTimes();
    return 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total);
  } catch {
    return null;
  }
}

// Waits until other processes use less than `limit` of the machine, at most maxWaitMs.
// Returns the last busy fraction seen.
export async function waitQuiet({ limit = 0.15, maxWaitMs = 20_000 } = {}) {
  const end = Date.now() + maxWaitMs;
  let busy = await cpuBusy();
  while (busy != null && busy > limit && Date.now() < end) busy = await cpuBusy(1000);
  return busy;
}
