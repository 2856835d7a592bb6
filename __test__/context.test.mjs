import test from 'ava';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Pool, Process, Queue, getContext } from '../index.mjs';
import { PKG } from './helpers.mjs';

const T = 60_000;

test.serial('getContext binds Pool and Process to one context; the shared classes are the package\'s own', async (t) => {
  t.timeout(T);
  const ctx = getContext('process');
  assert.equal(ctx.kind, 'process');
  assert.equal(getContext('process'), ctx);
  assert.equal(getContext().kind, 'thread');
  assert.equal(ctx.Queue, Queue);
  const pool = new ctx.Pool(1);
  try {
    assert.ok(pool instanceof Pool);
    assert.equal(pool.context, 'process');
    assert.notEqual(await pool.apply(() => process.pid), process.pid);
  } finally {
    await pool.terminate();
  }
  assert.ok(new (getContext('thread').Process)({ target: () => {} }) instanceof Process);
  assert.throws(() => new ctx.Pool({ context: 'thread' }), /contradicts getContext\("process"\)/);
  assert.throws(() => getContext('fork'), /context must be 'thread' or 'process', got "fork"/);
});

test.serial('a process pool started from `node -e` code runs its tasks (the children do not run the -e code again)', (t) => {
  t.timeout(T);
  const code = `const { Pool } = require(${JSON.stringify(PKG)});
    const pool = new Pool({ processes: 2, context: 'process' });
    pool.map((x) => x * 2, [1, 2, 3]).then((r) => { console.log(JSON.stringify(r)); return pool.terminate(); });`;
  const result = spawnSync(process.execPath, ['-e', code], { timeout: 30_000, killSignal: 'SIGKILL', encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), '[2,4,6]');
});
