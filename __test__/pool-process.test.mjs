// What only the process context has: each worker is an OS process of its own
// (isolation, pids, exit codes and signals), options that shape it (execArgv,
// env, cwd), and its end when its parent dies. What behaves the same in both
// contexts is tested in both by the other Pool tests.
//
// Tasks that must be "running" or "stuck" coordinate through files: a task
// marks its start by writing its pid into a file in `started`, and waits for
// a gate file the test creates.
import test from 'ava';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Barrier, Pool, Queue, TimeoutError, WorkerCrashedError, task } from '../index.mjs';
import { childScripts, fromEntry, withPool } from './helpers.mjs';

const T = 60_000;
const PACKAGE_URL = new URL('../index.mjs', import.meta.url).href;
const fixture = (name) => new URL(`./fixtures/${name}`, import.meta.url);
const runChild = childScripts(test.after.always);

/** Pool options for `processes` child processes. */
const inProcesses = (processes, more = {}) => ({ processes, context: 'process', ...more });

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'multiproc-process-'));
test.after.always(() => fs.rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
function sandbox() {
  const dir = path.join(scratch, `case-${++folders}`);
  const started = path.join(dir, 'started');
  fs.mkdirSync(started, { recursive: true });
  return { dir, started, gate: path.join(dir, 'gate'), open: () => fs.writeFileSync(path.join(dir, 'gate'), '') };
}
const startedPid = (started, tag) => Number(fs.readFileSync(path.join(started, String(tag)), 'utf8'));
const startedCount = (started) => fs.readdirSync(started).length;

/** Polls `predicate` every 5 ms until it holds, failing after `ms`. */
async function until(predicate, what, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const hasProc = fs.existsSync('/proc/self/stat');
/** Whether process `pid` still runs. A dead one may linger as a zombie until
 *  init reaps it (seconds, on some systems), which still answers kill(pid, 0). */
function running(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (error.code === 'ESRCH') return false;
    throw error;
  }
  if (!hasProc) return true;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** Records how a promise settles without leaving a rejection unhandled. */
function track(promise) {
  const t = { state: 'pending', value: undefined, error: undefined };
  t.promise = promise.then(
    (value) => Object.assign(t, { state: 'fulfilled', value }),
    (error) => Object.assign(t, { state: 'rejected', error }),
  );
  return t;
}

// ---- task functions (shipped by source: no outer variables) ----

const pidTask = () => process.pid;

/** Marks its start (its pid in `started/tag`), then waits for the `gate` file. */
const gated = (gate, started, tag) => {
  const fs = require('node:fs');
  fs.writeFileSync(require('node:path').join(started, String(tag)), String(process.pid));
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (!fs.existsSync(gate)) Atomics.wait(nap, 0, 0, 5);
  return tag;
};

/** Marks its start (its pid in `started/tag`), then spins for ever. */
const spinForever = (started, tag) => {
  require('node:fs').writeFileSync(require('node:path').join(started, String(tag)), String(process.pid));
  for (;;) {}
};

/** Waits until `parties` workers have arrived in `dir`, then reports its pid
 *  and the initializer's seed. */
const rendezvous = (dir, parties) => {
  const fs = require('node:fs');
  fs.writeFileSync(require('node:path').join(dir, String(process.pid)), '');
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 20000;
  while (fs.readdirSync(dir).length < parties) {
    if (Date.now() > deadline) throw new Error(`only ${fs.readdirSync(dir).length} of ${parties} workers arrived`);
    Atomics.wait(nap, 0, 0, 5);
  }
  return { pid: process.pid, seed: globalThis.__seed };
};

/** The pids of `pool.processes` workers running at the same time. */
async function servingPids(pool) {
  const { started } = sandbox();
  const results = await Promise.all(Array.from({ length: pool.processes }, () => pool.apply(rendezvous, [started, pool.processes])));
  return results.map((r) => r.pid);
}

// ---- isolation ----

test.serial('each worker is a process of its own: its own pid, globals, module state, environment and working directory', (t) => withPool(inProcesses(2), async (pool) => {
  t.timeout(T);
  const pids = await servingPids(pool);
  assert.equal(new Set(pids).size, 2);
  assert.ok(!pids.includes(process.pid), 'tasks do not run in this process');

  globalThis.__isolation = 'parent';
  process.env.MULTIPROC_ISOLATION = 'parent';
  const cwd = process.cwd();
  const seen = await pool.apply((dir) => {
    globalThis.__isolation = 'task';
    process.env.MULTIPROC_ISOLATION = 'task';
    process.chdir(dir);
    return [globalThis.__isolation, process.env.MULTIPROC_ISOLATION, process.cwd()];
  }, [os.tmpdir()]);
  assert.deepEqual(seen, ['task', 'task', fs.realpathSync(os.tmpdir())]);
  assert.equal(globalThis.__isolation, 'parent');
  assert.equal(process.env.MULTIPROC_ISOLATION, 'parent');
  assert.equal(process.cwd(), cwd);
  delete process.env.MULTIPROC_ISOLATION;

  // A module task's state lives in the child that loaded it, not here.
  const countCalls = task(fixture('tasks.mjs'), 'countCalls');
  await pool.map(countCalls, [1, 2, 3, 4], { chunksize: 1 });
  assert.equal((await import(fixture('tasks.mjs'))).countCalls(), 1);
}));

// ---- crashes ----

test.serial('a crashed worker rejects its task with WorkerCrashedError (exit code, signal, cause) and is replaced', (t) => withPool(inProcesses(1), async (pool) => {
  t.timeout(T);
  const crashes = [
    ['process.exit(7)', () => process.exit(7), { exitCode: 7, signal: undefined }],
    ['an error thrown outside the task', () => {
      setTimeout(() => { throw new RangeError('thrown outside'); }, 1);
      return new Promise(() => {});
    }, { exitCode: 1, signal: undefined, cause: { name: 'RangeError', message: 'thrown outside' } }],
    ['a rejection nobody handles', () => {
      Promise.reject(new TypeError('not handled'));
      return new Promise(() => {});
    }, { exitCode: 1, signal: undefined, cause: { name: 'TypeError', message: 'not handled' } }],
    ['SIGSEGV', () => process.kill(process.pid, 'SIGSEGV'), { exitCode: -11, signal: 'SIGSEGV' }],
  ];
  for (const [what, crash, expected] of crashes) {
    const before = await pool.apply(pidTask);
    const error = await pool.apply(crash).then(() => assert.fail(`${what}: must reject`), (e) => e);
    assert.ok(error instanceof WorkerCrashedError, `${what}: expected WorkerCrashedError, got ${error?.stack ?? error}`);
    assert.equal(error.exitCode, expected.exitCode, what);
    assert.equal(error.signal, expected.signal, what);
    if (expected.signal) assert.match(error.message, new RegExp(`killed by ${expected.signal}`));
    if (expected.cause) {
      assert.ok(error.cause instanceof Error, `${what}: the cause is carried`);
      assert.equal(error.cause.name, expected.cause.name);
      assert.equal(error.cause.message, expected.cause.message);
      assert.match(error.message, new RegExp(expected.cause.message));
    }
    const after = await pool.apply(pidTask);
    assert.notEqual(after, before, `${what}: a new process serves`);
    await until(() => !running(before), `${what}: the crashed process is gone`);
  }
  assert.deepEqual(await pool.map((x) => x * 2, [1, 2, 3]), [2, 4, 6]);
}));

test.serial('out of memory under resourceLimits: V8 aborts the worker, its task rejects, later tasks run', (t) => withPool(inProcesses(1, { resourceLimits: { maxOldGenerationSizeMb: 32 } }), async (pool) => {
  t.timeout(T);
  const limit = await pool.apply(() => require('node:v8').getHeapStatistics().heap_size_limit);
  assert.ok(limit < 128 * 2 ** 20, `the child's heap is limited (${limit} bytes)`);
  const error = await pool.apply(() => {
    const hoard = [];
    for (let i = 0; ; i++) hoard.push({ i, pad: new Array(64).fill(i) });
  }).then(() => assert.fail('must reject'), (e) => e);
  assert.ok(error instanceof WorkerCrashedError, `expected WorkerCrashedError, got ${error?.stack ?? error}`);
  assert.ok(error.exitCode < 0 && typeof error.signal === 'string', `killed by a signal: ${error.message}`);
  assert.deepEqual(await pool.map((x) => x + 1, [1, 2, 3]), [2, 3, 4]);
}));

// ---- stopping runaway tasks ----

test.serial('abort and timeout stop a task in an endless loop: its process is killed and replaced, other tasks are not lost', (t) => withPool(inProcesses(2), async (pool) => {
  t.timeout(T);
  const box = sandbox();
  const other = track(pool.apply(gated, [box.gate, box.started, 'other']));
  await until(() => startedCount(box.started) === 1, 'the other caller\'s task started');

  const controller = new AbortController();
  const aborted = pool.apply(spinForever, [box.started, 'aborted'], { signal: controller.signal });
  await until(() => startedCount(box.started) === 2, 'the endless task started');
  const queued = pool.map((x) => x * 2, [1, 2, 3, 4, 5, 6], { chunksize: 1 });
  const reason = new Error('stop it');
  controller.abort(reason);
  await assert.rejects(aborted, (e) => e === reason);
  await until(() => !running(startedPid(box.started, 'aborted')), 'the aborted task\'s process is gone');
  assert.deepEqual(await queued, [2, 4, 6, 8, 10, 12]);

  await assert.rejects(pool.apply(spinForever, [box.started, 'timed'], { timeout: 100 }), TimeoutError);
  await until(() => !running(startedPid(box.started, 'timed')), 'the timed-out task\'s process is gone');

  assert.equal(other.state, 'pending');
  box.open();
  await other.promise;
  assert.equal(other.value, 'other', `the other caller's task: ${other.error}`);
  const pids = await servingPids(pool);
  assert.ok(!pids.includes(startedPid(box.started, 'aborted')) && !pids.includes(startedPid(box.started, 'timed')));
}));

// ---- maxTasksPerChild and initializer ----

test.serial('maxTasksPerChild: a child retires after that many tasks and a new process takes over', (t) => withPool(inProcesses(1, { maxTasksPerChild: 2 }), async (pool) => {
  t.timeout(T);
  const pids = [];
  for (let i = 0; i < 6; i++) pids.push(await pool.apply(pidTask));
  assert.equal(new Set(pids).size, 3, `expected 3 processes, got ${pids}`);
  assert.deepEqual([pids[0] === pids[1], pids[2] === pids[3], pids[4] === pids[5]], [true, true, true]);
  assert.ok(!pids.includes(process.pid));
  await until(() => !running(pids[0]) && !running(pids[2]), 'the retired children are gone');
}));

test.serial('initializer(...initargs) runs in every child, replacements included', async (t) => {
  t.timeout(T);
  const init = sandbox();
  const initializer = (dir, a, b) => {
    require('node:fs').writeFileSync(require('node:path').join(dir, String(process.pid)), '');
    globalThis.__seed = a + b;
  };
  await withPool(inProcesses(2, { initializer, initargs: [init.started, 2, 3] }), async (pool) => {
    const { started } = sandbox();
    const results = await Promise.all([1, 2].map(() => pool.apply(rendezvous, [started, 2])));
    assert.deepEqual(results.map((r) => r.seed), [5, 5]);
    for (const { pid } of results) assert.ok(fs.existsSync(path.join(init.started, String(pid))), `the initializer ran in ${pid}`);
  });
  await withPool(inProcesses(1, { maxTasksPerChild: 1, initializer, initargs: [init.started, 'seed', 'ed'] }), async (pool) => {
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await pool.apply(() => [process.pid, globalThis.__seed]));
    assert.equal(new Set(results.map(([pid]) => pid)).size, 3);
    assert.deepEqual(results.map(([, seed]) => seed), ['seeded', 'seeded', 'seeded']);
  });
});

test.serial('an initializer that fails, or a child that cannot start, terminates the pool with a clear error', async (t) => {
  t.timeout(T);
  const cases = [
    [{ initializer: () => { throw new Error('bad init'); } }, /initializer failed in a worker \(bad init\)/],
    [{ initializer: () => process.exit(3) }, /a worker process exited with code 3 before it could run tasks/],
    [{ execArgv: ['--no-such-flag'] }, /a worker process exited with code 9 before it could run tasks .*execArgv/],
  ];
  for (const [options, message] of cases) {
    const pool = new Pool(inProcesses(2, options));
    await assert.rejects(pool.apply((x) => x, [1]), message);
    await assert.rejects(pool.map((x) => x, [1, 2]), (e) => /not running/.test(e.message) && message.test(e.message));
    // No child is started again and again: the pool's children are all gone.
    await pool.join();
  }
  // The working directory went away: a replacement cannot be started.
  const cwd = sandbox().dir;
  const pool = new Pool(inProcesses(1, { cwd }));
  assert.equal(await pool.apply((x) => x + 1, [1]), 2);
  fs.rmSync(cwd, { recursive: true });
  await assert.rejects(pool.apply(() => process.exit(1)), WorkerCrashedError);
  await assert.rejects(pool.apply((x) => x, [1]), /a worker process could not be started \(.*ENOENT.*cwd/);
  await pool.join();
});

// ---- output ----

test.serial('what a task prints reaches stdout before its result is used, and nothing is lost at exit', async (t) => {
  t.timeout(T);
  for (const end of ['', 'pool.close()']) {
    const result = await runChild(`
const pool = new Pool({ processes: 2, context: 'process' })
const result = await pool.apply(() => {
  for (let i = 0; i < 2000; i++) console.log('line', i, 'x'.repeat(60))
  console.error('to stderr')
  return 'result'
})
console.log('got', result)
await pool.map((x) => { for (let i = 0; i < 200; i++) console.log('item', x, i) }, [1, 2, 3, 4], { chunksize: 1 })
${end}
console.log('done')
`);
    assert.equal(result.killed, false, `the child did not exit by itself\nstderr: ${result.stderr}`);
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout.split('\n');
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} ${'x'.repeat(60)}`);
    assert.deepEqual(out.slice(0, 2001), [...lines, 'got result'], `with ${end || 'the pool left open'}`);
    const items = [1, 2, 3, 4].flatMap((x) => Array.from({ length: 200 }, (_, i) => `item ${x} ${i}`));
    assert.deepEqual(out.slice(2001, -1).sort(), items.sort());
    assert.equal(out.at(-1), 'done');
    assert.equal(result.stderr.trim(), 'to stderr');
  }
});

// ---- the parent's end ----

test.serial('no orphans: when the parent dies, its pool\'s children die too', async (t) => {
  t.timeout(T);
  for (const death of ['SIGKILL', 'process.exit()']) {
    const file = path.join(sandbox().dir, 'parent.mjs');
    fs.writeFileSync(file, `import { Pool } from ${JSON.stringify(PACKAGE_URL)}
const pool = new Pool({ processes: 2, context: 'process' })
pool.map(() => { console.log('pid', process.pid); for (;;) {} }, [1, 2], { chunksize: 1 })
process.stdin.on('data', () => process.exit(0))
`);
    const parent = spawn(process.execPath, [file], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout.on('data', (chunk) => { out += chunk; });
    const pids = () => [...out.matchAll(/^pid (\d+)$/gm)].map((m) => Number(m[1]));
    try {
      await until(() => pids().length === 2, `both tasks started (stdout: ${out})`, 20_000);
      for (const pid of pids()) assert.ok(running(pid));
      if (death === 'SIGKILL') parent.kill('SIGKILL');
      else parent.stdin.write('exit\n');
      await until(() => pids().every((pid) => !running(pid)), `after ${death} of the parent, its children ${pids()} are gone`, 2_000);
    } finally {
      parent.kill('SIGKILL');
    }
  }
});

// ---- progress ----

test.serial('onProgress moves while a process-context map runs and ends at done === total', (t) => withPool(inProcesses(2), async (pool) => {
  t.timeout(T);
  const calls = [];
  const busy = (i) => {
    const end = performance.now() + 1;
    while (performance.now() < end);
    return i;
  };
  const results = await pool.map(busy, Array.from({ length: 600 }, (_, i) => i), {
    chunksize: 300,
    onProgress: (done, total) => calls.push([done, total]),
  });
  assert.equal(results.length, 600);
  assert.deepEqual(calls.at(-1), [600, 600]);
  assert.ok(calls.some(([done]) => done > 0 && done % 300 !== 0), `counted per item, not per chunk: ${JSON.stringify(calls)}`);
  assert.ok(calls.every(([done], i) => i === 0 || done > calls[i - 1][0]), 'each call moves forward');
}));

// ---- options ----

test.serial('options the process context refuses, or gets wrong, are refused at the call site naming them', async (t) => {
  t.timeout(T);
  assert.throws(() => new Pool({ context: 'bogus' }), { name: 'TypeError', message: /context must be 'thread' or 'process', got "bogus"/ });
  for (const [name, value] of [['execArgv', []], ['env', {}], ['cwd', os.tmpdir()]]) {
    assert.throws(() => new Pool({ [name]: value }), { name: 'TypeError', message: new RegExp(`option ${name} has no meaning in the 'thread' context`) });
    assert.throws(() => new Pool({ context: 'thread', [name]: value }), TypeError);
  }
  assert.throws(() => new Pool(inProcesses(1, { execArgv: '--no-warnings' })), { name: 'TypeError', message: /execArgv must be an array of strings/ });
  assert.throws(() => new Pool(inProcesses(1, { env: 'A=1' })), { name: 'TypeError', message: /env must be an object/ });
  const file = path.join(sandbox().dir, 'a-file');
  fs.writeFileSync(file, '');
  for (const cwd of [file, path.join(scratch, 'missing')]) {
    assert.throws(() => new Pool(inProcesses(1, { cwd })), { message: /cwd .* is not a directory/ });
  }
  assert.throws(() => new Pool(inProcesses(1, { resourceLimits: { codeRangeSizeMb: 16 } })), { name: 'TypeError', message: /codeRangeSizeMb has no meaning in the 'process' context/ });

  const notYet = (where) => ({ name: 'TypeError', message: new RegExp(`^${where.replace(/[[\].]/g, '\\$&')} is a shared object: .*not supported yet`) });
  assert.throws(() => new Pool(inProcesses(1, { initializer: () => {}, initargs: [1, { queue: new Queue() }] })), notYet('initargs[1].queue'));
  await withPool(inProcesses(1), async (pool) => {
    // A kind that cannot cross processes yet (a Lock, a Value, an Event or a Semaphore can).
    const barrier = new Barrier(2);
    await assert.rejects(pool.apply((x) => x, [{ barrier }]), notYet('args[0].barrier'));
    await assert.rejects(pool.apply((x) => x, [[1, barrier]], { timeout: 1000 }), notYet('args[0][1]'));
    await assert.rejects(pool.map((x) => x, [1, { q: new Queue() }]), notYet('iterable[1].q'));
    await assert.rejects(pool.starmap((a, b) => a, [[1, 2], [3, new Map([["k", barrier]])]]), /is a shared object/);
    const lazy = pool.imap((x) => x, [1, 2, { barrier }]);
    assert.deepEqual([(await lazy.next()).value, (await lazy.next()).value], [1, 2], 'imap refuses at the item\'s position');
    await assert.rejects(lazy.next(), notYet('iterable[2].barrier'));
    assert.deepEqual(await pool.map((x) => x + 1, [1, 2]), [2, 3], 'the pool keeps working');
  });
});

test.serial('execArgv, env and cwd take effect in the children', async (t) => {
  t.timeout(T);
  const dir = fs.realpathSync(sandbox().dir);
  const options = inProcesses(1, { execArgv: ['--expose-gc'], env: { MULTIPROC_ONLY: 'yes' }, cwd: dir });
  await withPool(options, async (pool) => {
    const seen = await pool.apply((helper) => ({
      execArgv: process.execArgv,
      gc: typeof globalThis.gc,
      env: Object.keys(process.env),
      cwd: process.cwd(),
      // Inline tasks still require relative to the entry script, wherever they run.
      helper: require(helper).value,
    }), [fromEntry(fixture('helper.cjs'))]);
    assert.deepEqual(seen, { execArgv: ['--expose-gc'], gc: 'function', env: ['MULTIPROC_ONLY'], cwd: dir, helper: 'from helper.cjs' });
  });
  assert.equal(typeof globalThis.gc, 'undefined', 'this process was started without --expose-gc');
  // By default a child gets this process's environment.
  process.env.MULTIPROC_INHERITED = 'inherited';
  try {
    assert.equal(await withPool(inProcesses(1), (pool) => pool.apply(() => process.env.MULTIPROC_INHERITED)), 'inherited');
  } finally {
    delete process.env.MULTIPROC_INHERITED;
  }
});
