// Memory of each process-context worker: the VmRSS of each of the 2 child processes of
// a warmed pool (warmed as in the rss scenario), averaged; the baseline is an idle bare
// `node -e` child. Linux only (it reads /proc).
import { readFileSync } from 'node:fs';

const MiB = 1024 * 1024;

function rssOf(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line.split(/\s+/)[1]) * 1024;
}

async function warmedPool(lib) {
  const pool = await lib.create(2);
  const pids = new Set();
  while (pids.size < 2) {
    for (const pid of await Promise.all([lib.apply(pool, 'pid'), lib.apply(pool, 'pid')])) pids.add(pid);
  }
  await Promise.all(Array.from({ length: 2000 }, (_, i) => lib.apply(pool, 'square', i)));
  await Promise.all(Array.from({ length: 4 }, () => lib.apply(pool, 'fib', 20)));
  return { pids: [...pids], close: () => lib.destroy(pool) };
}

async function once(lib) {
  const { pids, close } = lib.bareChildren ? await lib.bareChildren(2) : await warmedPool(lib);
  try {
    await new Promise((resolve) => setTimeout(resolve, 300)); // let start-up garbage settle
    return pids.reduce((sum, pid) => sum + rssOf(pid), 0) / pids.length / MiB;
  } finally {
    await close();
  }
}

export async function measure(lib, { runs, warmup }) {
  if (process.platform !== 'linux') return { skipped: 'reads /proc (Linux only)' };
  for (let i = 0; i < warmup; i++) await once(lib);
  const values = [];
  for (let i = 0; i < runs; i++) values.push(await once(lib));
  return { values };
}
