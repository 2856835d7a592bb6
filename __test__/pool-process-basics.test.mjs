import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, WorkerCrashedError } from '../index.mjs';
import { PKG, assertExited, childScripts, withPool } from './helpers.mjs';

const T = { timeout: 60_000 };
const P = (processes = 2) => ({ processes, context: 'process' });
const runChild = childScripts(after);

async function until(check, what, deadlineMs = 10_000) {
  const deadline = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

test('process workers have their own pid and memory: a task changing globals or env changes nothing here', T, () => withPool(P(), async (pool) => {
  globalThis.counter = 0;
  const seen = await pool.map(() => {
    globalThis.counter = (globalThis.counter ?? 0) + 1;
    process.env.MP_SET_IN_CHILD = 'yes';
    return process.pid;
  }, [1, 2, 3, 4], { chunksize: 1 });
  assert.ok(seen.every((pid) => pid !== process.pid));
  assert.equal(globalThis.counter, 0);
  assert.equal(process.env.MP_SET_IN_CHILD, undefined);
}));

test('a process worker that exits or is killed by a signal: WorkerCrashedError with Python\'s code, then a replacement runs later tasks', T, () => withPool(P(1), async (pool) => {
  const exited = await pool.apply(() => process.exit(3)).catch((e) => e);
  assert.ok(exited instanceof WorkerCrashedError);
  assert.equal(exited.exitCode, 3);
  assert.equal(exited.signal, undefined);
  const segfault = await pool.apply(() => process.kill(process.pid, 'SIGSEGV')).catch((e) => e);
  assert.ok(segfault instanceof WorkerCrashedError);
  assert.equal(segfault.exitCode, -11);
  assert.equal(segfault.signal, 'SIGSEGV');
  assert.deepEqual(await pool.map((x) => x + 1, [1, 2, 3]), [2, 3, 4]);
}));

test('a timeout stops a process task in an endless loop; the other caller\'s task still completes', T, () => withPool(P(2), async (pool) => {
  const endless = pool.apply(() => { for (;;); }, [], { timeout: 200 }).catch((e) => e);
  const other = pool.apply((x) => x * 2, [21]);
  assert.equal((await endless).name, 'TimeoutError');
  assert.equal(await other, 42);
  assert.deepEqual(await pool.map((x) => -x, [1, 2, 3, 4]), [-1, -2, -3, -4]);
}));

test('no orphans: the children of a process pool end when its parent is killed with SIGKILL', T, async () => {
  // Each worker reports its pid, then loops forever.
  const parent = spawn(process.execPath, ['-e', `const { Pool } = require(${JSON.stringify(PKG)});
    const pool = new Pool({ processes: 2, context: 'process' });
    Promise.all([0, 1].map(() => pool.apply(() => { setTimeout(() => { for (;;); }, 100); return process.pid; })))
      .then((pids) => console.log(JSON.stringify(pids)));
    setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  parent.stdout.on('data', (chunk) => { out += chunk; });
  await until(() => out.includes(']'), 'the children\'s pids');
  const pids = JSON.parse(out);
  assert.equal(pids.length, 2);
  // Running: it exists and is not a zombie (a dead child waits for its new
  // parent to reap it, which a container's init may never do).
  const alive = (pid) => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  parent.kill('SIGKILL');
  await until(() => pids.every((pid) => !alive(pid)), 'the children to end after their parent was killed', 1_500);
});

test('a process pool left idle, or closed, never keeps its program alive', T, async () => {
  const idle = await runChild(`const pool = new Pool({ processes: 2, context: 'process' });
    console.log(await pool.apply((a, b) => a + b, [2, 3]));`);
  assertExited(idle, '5');
  const closed = await runChild(`const pool = new Pool({ processes: 1, context: 'process' });
    const r = pool.map((x) => { console.log('item', x); return x; }, [1, 2]);
    pool.close();
    console.log((await r).join(','));`);
  assertExited(closed, 'item 1\nitem 2\n1,2');
});
