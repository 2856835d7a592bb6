import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as mp from '../index.mjs';
import { Pool } from '../index.mjs';

const PACKAGE_URL = new URL('../index.mjs', import.meta.url).href;

/** The package's CommonJS entry, for `require()` inside inline tasks. */
export const PKG = fileURLToPath(new URL('../index.js', import.meta.url));

/**
 * How an inline task names `url` (a file) in a relative `require()` or
 * `import()`: from the folder of the entry script, where the package resolves
 * them. Under ava that is its worker's (`process.argv[1]`), not the test file's.
 */
export function fromEntry(url) {
  const relative = path.relative(path.dirname(process.argv[1]), fileURLToPath(url)).split(path.sep).join('/');
  return relative.startsWith('../') ? relative : `./${relative}`;
}

/** Whether `promise` has settled (after letting pending callbacks run). */
export async function settled(promise, settleMs = 50) {
  let done = false;
  promise.then(() => { done = true; }, () => { done = true; });
  await sleep(settleMs);
  return done;
}

/** Where pool tests run when the behaviour is the same in both (the context
 *  goes in the test's name and its Pool options). */
export const CONTEXTS = ['thread', 'process'];

/** Runs `body` with a fresh pool (`options`: a number of processes, or Pool
 *  options, with their `context`) and always terminates it, as `await using`
 *  would (Node 20 cannot parse `await using` in plain JavaScript). */
export async function withPool(options, body) {
  const pool = new Pool(options);
  try {
    return await body(pool);
  } finally {
    await pool.terminate();
  }
}

/** Longest a child script may run before it counts as hung (it is killed), unless it says otherwise. */
export const CHILD_DEADLINE_MS = 30_000;

/**
 * Runs `body` as an ES module in a fresh `node`, with every export of the
 * package in scope, and reports how it ended. `cleanup` is given the removal
 * of the scripts: `test.after.always` for a whole file, `t.teardown` in a test.
 */
export function childScripts(cleanup) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multiproc-child-'));
  cleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  let count = 0;
  return function runChild(body, { deadlineMs = CHILD_DEADLINE_MS } = {}) {
    const file = path.join(dir, `case-${++count}.mjs`);
    fs.writeFileSync(file, `import * as mp from ${JSON.stringify(PACKAGE_URL)}\nconst { ${Object.keys(mp).filter((n) => n !== 'default').join(', ')} } = mp\n${body}`);
    return new Promise((resolve) => {
      execFile(process.execPath, [file], { timeout: deadlineMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
        resolve({ code: error ? error.code : 0, killed: Boolean(error?.killed), stdout: stdout.trim(), stderr, deadlineMs });
      });
    });
  };
}

/** The child exited by itself, with code 0, printing exactly `stdout`. */
export function assertExited(result, stdout) {
  assert.equal(result.killed, false, `the child did not exit by itself within ${result.deadlineMs} ms\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.equal(result.code, 0, `exit code ${result.code}\nstderr: ${result.stderr}`);
  assert.equal(result.stdout, stdout);
}
