import test from 'ava';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { task } from '../index.mjs';
import { CONTEXTS, fromEntry, withPool } from './helpers.mjs';

const T = 30_000;
const fixture = (name) => new URL(`./fixtures/${name}`, import.meta.url);

for (const context of CONTEXTS) {
  test.serial(`a module task keeps its imports and module state [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    assert.deepEqual(await pool.map(task(fixture('tasks.mjs'), 'fib'), [10, 20]), [55, 6765]);
    assert.equal((await pool.apply(task(fixture('tasks.mjs'), 'sha1'), ['abc'])).length, 40);
    const counts = [];
    for (let i = 0; i < 3; i++) counts.push(await pool.apply(task(fixture('tasks.mjs'), 'countCalls')));
    assert.deepEqual(counts, [1, 2, 3], 'module state persists in the worker');
    assert.equal(await pool.apply(task(fixture('tasks.mjs')), [5]), 15, 'exportName defaults to default');
  }));

  test.serial(`module tasks accept paths and CommonJS modules [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    assert.equal(await pool.apply(task(fileURLToPath(fixture('tasks.cjs')), 'upper'), ['abc']), 'ABC');
    assert.equal(await pool.apply(task(fixture('tasks.cjs'), 'version')), 'from helper.cjs');
  }));

  test.serial(`a missing module or export rejects clearly, and the pool keeps working [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    await assert.rejects(pool.apply(task(fixture('tasks.mjs'), 'nope')), { name: 'TypeError', message: /no export "nope"/ });
    await assert.rejects(pool.apply(task(fixture('missing.mjs'), 'x')), /Cannot find module|ERR_MODULE_NOT_FOUND/);
    assert.throws(() => task(42), { name: 'TypeError', message: /module must be a URL or a path/ });
    assert.throws(() => task(fixture('tasks.mjs'), ''), { name: 'TypeError', message: /exportName/ });
    assert.equal(await pool.apply(task(fixture('tasks.mjs'), 'fib'), [7]), 13);
  }));

  test.serial(`inline functions can require relative to the entry script, and use import() [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    assert.equal(await pool.apply((helper) => require(helper).value, [fromEntry(fixture('helper.cjs'))]), 'from helper.cjs');
    assert.equal(await pool.apply(async () => (await import('node:path')).posix.join('a', 'b')), 'a/b');
    // A relative import() resolves as require does: from the entry script's folder.
    assert.equal(await pool.apply(async (tasks) => (await import(tasks)).fib(7), [fromEntry(fixture('tasks.mjs'))]), 13);
    assert.equal(await pool.apply(() => typeof process.pid + typeof Buffer.from), 'numberfunction');
  }));

  test.serial(`.ts module tasks work when the parent runs under a TypeScript loader [${context}]`, async (t) => {
    t.timeout(T);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(fixture('ts-main.mts')), context], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      timeout: 25_000,
    });
    assert.equal(stdout.trim(), '[[5,10],[6]]');
  });

  test.serial(`.ts module tasks work when the parent runs under the tsx command (npx tsx main.mts) [${context}]`, async (t) => {
    t.timeout(T);
    // The command imports its loader by file URL; run it from a folder where `tsx` does not resolve.
    const tsxPackage = new URL('../node_modules/tsx/', import.meta.url);
    const tsxCommand = fileURLToPath(new URL(JSON.parse(readFileSync(new URL('package.json', tsxPackage), 'utf8')).bin, tsxPackage));
    const { stdout } = await promisify(execFile)(process.execPath, [tsxCommand, fileURLToPath(fixture('ts-main.mts')), context], {
      cwd: tmpdir(),
      timeout: 25_000,
    });
    assert.equal(stdout.trim(), '[[5,10],[6]]');
  });
}
