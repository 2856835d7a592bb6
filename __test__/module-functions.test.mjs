import test from 'ava';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as esm from '../index.mjs';
import { CONTEXTS, withPool } from './helpers.mjs';

const T = 30_000;
const cjs = createRequire(import.meta.url)('..');

test.serial('import and require load one and the same package', (t) => {
  t.timeout(T);
  for (const name of ['Pool', 'AsyncResult', 'task', 'cpuCount', 'currentProcess', 'parentProcess', 'activeChildren', 'TimeoutError', 'WorkerCrashedError']) {
    assert.equal(typeof esm[name], 'function', `${name} is exported`);
    assert.equal(esm[name], cjs[name], `${name} is the same object from import and require`);
  }
  assert.equal(esm.default, cjs);
});

test.serial('cpuCount is os.availableParallelism()', (t) => {
  t.timeout(T);
  assert.equal(esm.cpuCount(), availableParallelism());
});

test.serial('currentProcess and parentProcess on the main thread', (t) => {
  t.timeout(T);
  assert.deepEqual(esm.currentProcess(), { name: 'MainProcess', pid: process.pid, ident: 0, daemon: false });
  assert.equal(esm.parentProcess(), null);
  assert.deepEqual(esm.activeChildren(), []);
});

for (const context of CONTEXTS) {
  test.serial(`currentProcess and parentProcess inside a pool worker [${context}]`, (t) => withPool({ processes: 2, context }, async (pool) => {
    t.timeout(T);
    const infos = await pool.map(() => {
      const { currentProcess, parentProcess } = require(process.env.MULTIPROC_UNDER_TEST);
      return { self: currentProcess(), parent: parentProcess(), pid: process.pid, thread: require('node:worker_threads').threadId };
    }, [1, 2], { chunksize: 1 });
    for (const { self, parent, pid, thread } of infos) {
      assert.match(self.name, /^PoolWorker-\d+$/);
      assert.equal(self.pid, pid);
      // As in Python: a thread is told apart by its thread id, a process by its pid.
      if (context === 'thread') {
        assert.equal(pid, process.pid);
        assert.equal(self.ident, thread);
      } else {
        assert.notEqual(pid, process.pid);
        assert.equal(self.ident, pid);
      }
      assert.equal(self.daemon, true);
      assert.deepEqual(parent, { name: 'MainProcess', pid: process.pid, ident: 0 });
    }
  }));
}

process.env.MULTIPROC_UNDER_TEST = new URL('../index.js', import.meta.url).pathname;
