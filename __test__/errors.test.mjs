import test from 'ava';
import assert from 'node:assert/strict';
import fs, { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool, Queue, Barrier, Pipe, Empty, Full, EOFError, BrokenBarrierError, TimeoutError } from '../index.mjs';
import { CONTEXTS, PKG, withPool } from './helpers.mjs';

const T = 30_000;

// Thread only: the errors come from shared objects.
test.serial("multiproc's own errors thrown by shared objects in a worker are instances of their class [thread]", (t) => withPool(1, async (pool) => {
  t.timeout(T);
  const cases = [
    [Empty, (q) => q.getNowait(), () => [new Queue()]],
    [Full, (q) => { q.putNowait(1); q.putNowait(2); }, () => [new Queue(1)]],
    [EOFError, (end) => end.recvSync(), () => { const [a, b] = Pipe(); b.close(); return [a]; }],
    [BrokenBarrierError, (b) => b.waitSync(10), () => [new Barrier(2)]],
  ];
  for (const [Class, task, args] of cases) {
    await assert.rejects(pool.apply(task, args()), (e) => {
      assert.ok(e instanceof Class, `${e.name} is an instance of ${Class.name}`);
      assert.equal(e.name, Class.name);
      return true;
    });
  }
}));

test.serial('bad pool options are refused with a clear error', (t) => {
  t.timeout(T);
  assert.throws(() => new Pool(0), { name: 'RangeError', message: /processes must be a positive integer, got number 0/ });
  assert.throws(() => new Pool(1.5), { name: 'RangeError', message: /processes/ });
  assert.throws(() => new Pool({ processes: -1 }), RangeError);
  assert.throws(() => new Pool({ maxTasksPerChild: 0 }), { name: 'RangeError', message: /maxTasksPerChild/ });
  assert.throws(() => new Pool({ maxTasksPerChild: 2.5 }), RangeError);
  assert.throws(() => new Pool({ execArgv: [] }), { name: 'TypeError', message: /option execArgv has no meaning in the 'thread' context/ });
  assert.throws(() => new Pool({ context: 'process', cwd: '/no/such/dir' }), /cwd "\/no\/such\/dir" is not a directory/);
  assert.throws(() => new Pool({ context: 'process', resourceLimits: { codeRangeSizeMb: 8 } }), /codeRangeSizeMb has no meaning in the 'process' context/);
  assert.throws(() => new Pool({ context: 'process', initializer: () => {}, initargs: [{ barrier: new Barrier(2) }] }), /initargs\[0\]\.barrier is a shared object: .*not supported yet/);
  assert.throws(() => new Pool({ context: 'fork' }), TypeError);
  assert.throws(() => new Pool({ initializer: Math.max }), /native or bound/);
  assert.throws(() => new Pool({ initializer: () => {}, initargs: [() => {}] }), { name: 'TypeError', message: /^initargs\[0\] is a function/ });
  assert.throws(() => new Pool('2'), TypeError);
});

for (const context of CONTEXTS) {
  test.serial(`errors cross with name, class, message, own properties, cause and the worker stack [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    await assert.rejects(pool.apply(() => { throw new TypeError('wrong type'); }), (e) => {
      assert.ok(e instanceof TypeError);
      assert.equal(e.message, 'wrong type');
      return true;
    });
    for (const Builtin of [RangeError, SyntaxError, ReferenceError, EvalError, URIError]) {
      await assert.rejects(pool.apply((name) => { throw new globalThis[name]('x'); }, [Builtin.name]), Builtin);
    }
    const error = await pool.apply(() => {
      class ValidationError extends Error {
        constructor(message, options) {
          super(message, options);
          this.name = 'ValidationError';
          this.field = 'email';
          this.details = { codes: [1, 2] };
        }
      }
      function throwIt() {
        throw new ValidationError('invalid email', { cause: new RangeError('too long') });
      }
      throwIt();
    }).catch((e) => e);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ValidationError');
    assert.equal(error.message, 'invalid email');
    assert.equal(error.field, 'email');
    assert.deepEqual(error.details, { codes: [1, 2] });
    assert.ok(error.cause instanceof RangeError);
    assert.equal(error.cause.message, 'too long');
    assert.match(error.remoteStack, /throwIt/);
    assert.match(error.stack, /throwIt/);

    assert.equal(await pool.apply(() => { throw 'a string'; }).catch((e) => e), 'a string');
    assert.deepEqual(await pool.apply(() => { throw { code: 7 }; }).catch((e) => e), { code: 7 });
  }));

  test.serial(`multiproc's own errors thrown in a worker are instances of their class on the caller's side [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    const thrown = (pkg, name) => { throw new (require(pkg)[name])('from the task'); };
    for (const Class of [Empty, Full, EOFError, BrokenBarrierError, TimeoutError]) {
      await assert.rejects(pool.apply(thrown, [PKG, Class.name]), (e) => {
        assert.ok(e instanceof Class, `${e.name} is an instance of ${Class.name}`);
        assert.equal(e.message, 'from the task');
        return true;
      });
    }
    // A user's class of the same name stays a plain Error with that name.
    const own = await pool.apply(() => { class TimeoutError extends Error { name = 'TimeoutError'; } throw new TimeoutError('mine'); }).catch((e) => e);
    assert.equal(own.name, 'TimeoutError');
    assert.ok(!(own instanceof TimeoutError));
  }));

  test.serial(`a closure over an outer variable is refused with the variable named and the fix [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    const factor = 3;
    await assert.rejects(pool.apply((x) => x * factor, [2]), (e) => {
      assert.equal(e.name, 'ReferenceError');
      assert.match(e.message, /"factor"/);
      assert.match(e.message, /enclosing scope/);
      assert.match(e.message, /argument/);
      assert.match(e.message, /task\(/);
      return true;
    });
    assert.equal(await pool.apply((x, f) => x * f, [2, factor]), 6, 'passing it as an argument works');
  }));

  test.serial(`native and bound functions and classes are refused at the call site [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    await assert.rejects(pool.map(Math.sqrt, [4]), { name: 'TypeError', message: /native or bound function.*sqrt/ });
    await assert.rejects(pool.apply(function f(x) { return x; }.bind(null), [1]), { name: 'TypeError', message: /native or bound/ });
    await assert.rejects(pool.apply(class A {}, []), { name: 'TypeError', message: /class/ });
    await assert.rejects(pool.apply('x => x', []), { name: 'TypeError', message: /must be a function or task/ });
    assert.equal(await pool.apply((x) => Math.sqrt(x), [9]), 3);
  }));

  test.serial(`arguments that cannot be cloned are refused with their path; nothing is sent [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    // Every refused call's task would count itself in the file `ran`: none may
    // run, not even the items of a map before the one refused.
    const ran = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'multiproc-errors-')), 'ran');
    fs.writeFileSync(ran, '');
    const count = (file) => require('node:fs').appendFileSync(file, 'x');
    await assert.rejects(pool.apply(count, [ran, { cb: () => 1 }]), { name: 'TypeError', message: /^args\[1\]\.cb is a function/ });
    await assert.rejects(pool.apply(count, [ran, { list: [0, Symbol('s')] }]), { name: 'TypeError', message: /^args\[1\]\.list\[1\] is a Symbol/ });
    class Point { constructor() { this.x = 1; } norm() { return this.x; } }
    await assert.rejects(pool.apply(count, [ran, new Point()]), { name: 'TypeError', message: /^args\[1\] is an instance of Point/ });
    await assert.rejects(pool.map(count, [ran, ran, { f() {} }]), { name: 'TypeError', message: /^iterable\[2\]\.f is a function/ });
    await assert.rejects(pool.starmap(count, [[ran], ran]), { name: 'TypeError', message: /iterable\[1\] must be an array/ });
    await assert.rejects(pool.apply(count, 5), { name: 'TypeError', message: /args must be an array/ });
    // The pool still works, and what ran after the refusals is all that ran.
    assert.deepEqual(await pool.map((x) => x + 1, [1, 2]), [2, 3]);
    await pool.apply(count, [ran]);
    assert.equal(readFileSync(ran, 'utf8'), 'x');
    fs.rmSync(path.dirname(ran), { recursive: true });
  }));

  test.serial(`a task's stack names the caller's file and line where the function was found [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    const error = await pool.apply(function lineMarker() {
      throw new RangeError('from a known line');
    }).catch((e) => e);
    const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
    const line = lines.findIndex((text) => text.includes("throw new RangeError('from a known line')")) + 1;
    const column = lines[line - 1].indexOf('new RangeError') + 1;
    assert.match(error.stack, new RegExp(`at lineMarker \\(${fileURLToPath(import.meta.url).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:${column}\\)`));
    assert.doesNotMatch(error.stack, /multiproc-task-\d+\.js/);
    // A function whose source is not in a calling file keeps the stand-in name.
    const built = new Function('return () => { throw new Error(' + '"built") }')();
    assert.match((await pool.apply(built).catch((e) => e)).stack, /multiproc-task-\d+\.js/);
  }));

  test.serial(`a result that cannot be cloned rejects that item only [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    await assert.rejects(pool.apply(() => () => 1), { name: 'TypeError', message: /cannot be sent back/ });
    const it = pool.imap((x) => (x === 1 ? Symbol('s') : x), [0, 1, 2]);
    assert.deepEqual(await it.next(), { done: false, value: 0 });
    await assert.rejects(it.next(), /cannot be sent back/);
    assert.deepEqual(await it.next(), { done: false, value: 2 });
  }));

  test.serial(`bad call options are refused, and the pool keeps working [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    await assert.rejects(pool.map((x) => x, [1], { chunksize: 0 }), { name: 'RangeError', message: /chunksize/ });
    assert.throws(() => pool.imap((x) => x, [1], { chunksize: -2 }), RangeError);
    await assert.rejects(pool.apply((x) => x, [1], { timeout: -1 }), { name: 'RangeError', message: /timeout/ });
    await assert.rejects(pool.apply((x) => x, [1], { signal: {} }), { name: 'TypeError', message: /AbortSignal/ });
    await assert.rejects(pool.map((x) => x, 42), { name: 'TypeError', message: /iterable/ });
    assert.throws(() => pool.applyAsync((x) => x, [1]).get(-5), RangeError);
    assert.deepEqual(await pool.map((x) => x, [1]), [1]);
  }));
}
