import test from 'ava';
import assert from 'node:assert/strict';
import { AsyncResult, TimeoutError, Value, cpuCount } from '../index.mjs';
import { CONTEXTS, PKG, withPool } from './helpers.mjs';

const T = 30_000;
const square = (x) => x * x;

// Thread only: the gate is a shared Value (the process context's progress is in pool-process.test.mjs).
test.serial('map reports progress per item, not per chunk, ending at done === total [thread]', (t) => withPool(2, async (pool) => {
  t.timeout(T);
  // ceil(10000 / (4 * 2)) = 1250 items per chunk. Item i waits until the gate
  // passes it, so the test decides how far the workers get.
  const gate = new Value('i', 0);
  const calls = [];
  let waiter;
  const reached = (n) => new Promise((resolve) => { waiter = { n, resolve }; if (calls.at(-1)?.[0] >= n) resolve(); });
  const items = Array.from({ length: 10_000 }, (_, i) => ({ i, gate }));
  const mapped = pool.map(({ i, gate }) => {
    const nap = new Int32Array(new SharedArrayBuffer(4));
    while (gate.value <= i) Atomics.wait(nap, 0, 0, 1);
    return i;
  }, items, { onProgress: (done, total) => {
    calls.push([done, total]);
    if (waiter && done >= waiter.n) waiter.resolve();
  } });
  for (const n of [100, 700]) {
    gate.value = n;
    await reached(n);
    // Items 0..n-1 of the first chunk are done; the other worker waits at item 1250.
    assert.deepEqual(calls.at(-1), [n, 10_000]);
  }
  gate.value = 10_000;
  assert.equal((await mapped).length, 10_000);
  assert.deepEqual(calls.at(-1), [10_000, 10_000]);
  assert.ok(calls.every(([done], i) => i === 0 || done > calls[i - 1][0]), 'each call moves forward');
  const explicit = [];
  await pool.map(square, [1, 2, 3, 4, 5], { chunksize: 2, onProgress: (done) => explicit.push(done) });
  assert.equal(explicit.at(-1), 5);
}));

for (const context of CONTEXTS) {
  test.serial(`map returns results in input order for every kind of iterable [${context}]`, (t) => withPool({ processes: 2, context }, async (pool) => {
    t.timeout(T);
    assert.deepEqual(await pool.map(square, [1, 2, 3, 4, 5]), [1, 4, 9, 16, 25]);
    assert.deepEqual(await pool.map(square, new Set([3, 1, 2])), [9, 1, 4]);
    assert.deepEqual(await pool.map((e) => e[0] + e[1], new Map([['a', 'b'], ['c', 'd']])), ['ab', 'cd']);
    assert.deepEqual(await pool.map(square, new Int32Array([1, 2, 3])), [1, 4, 9]);
    assert.deepEqual(await pool.map(square, (function* () { yield 7; yield 8; })()), [49, 64]);
    assert.deepEqual(await pool.map(square, (async function* () { yield 9; })()), [81]);
    assert.deepEqual(await pool.map(square, []), []);
    const big = Array.from({ length: 10_001 }, (_, i) => i);
    assert.deepEqual(await pool.map((x) => x + 1, big), big.map((x) => x + 1));
  }));

  test.serial(`values of every structured-clone kind cross both ways [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    const value = {
      n: -0, nan: NaN, big: 2n ** 70n, s: 'é', u: undefined, nul: null, date: new Date(5),
      re: /a+/gi, map: new Map([[1, { x: [1] }]]), set: new Set(['a']), bytes: new Uint8Array([1, 2]),
      floats: new Float64Array([0.5]), buf: new ArrayBuffer(3), nested: [[[{ deep: true }]]],
    };
    const back = await pool.apply((v) => v, [value]);
    assert.deepEqual(back, value);
    assert.ok(Object.is(back.n, -0));
    assert.deepEqual(await pool.map((x) => x, [1.5, -0, NaN, Infinity]), [1.5, -0, NaN, Infinity]);
    assert.deepEqual(await pool.map((x) => String(x), [1, 2]), ['1', '2']);
  }));

  test.serial(`starmap spreads argument arrays [${context}]`, (t) => withPool({ processes: 2, context }, async (pool) => {
    t.timeout(T);
    assert.deepEqual(await pool.starmap((a, b) => a * b, [[1, 2], [3, 4], [5, 6]]), [2, 12, 30]);
    assert.deepEqual(await pool.starmap((...xs) => xs.length, [[], [1], [1, 2]]), [0, 1, 2]);
  }));

  test.serial(`async task functions are awaited [${context}]`, (t) => withPool({ processes: 2, context }, async (pool) => {
    t.timeout(T);
    const slowDouble = async (x) => {
      await new Promise((r) => setTimeout(r, 5));
      return 2 * x;
    };
    assert.deepEqual(await pool.map(slowDouble, [1, 2, 3]), [2, 4, 6]);
    assert.equal(await pool.apply(slowDouble, [21]), 42);
  }));

  test.serial(`apply and applyAsync [${context}]`, (t) => withPool({ processes: 2, context }, async (pool) => {
    t.timeout(T);
    assert.equal(await pool.apply(() => 'no args'), 'no args');
    assert.equal(await pool.apply((a, b, c) => a + b + c, [1, 2, 3]), 6);
    const many = await Promise.all(Array.from({ length: 1000 }, (_, i) => pool.apply((x) => x * 3, [i])));
    assert.deepEqual(many, Array.from({ length: 1000 }, (_, i) => i * 3));

    const seen = [];
    const result = pool.applyAsync((x) => x + 1, [1], { callback: (v) => seen.push(v) });
    assert.ok(result instanceof AsyncResult);
    assert.equal(await result.get(), 2);
    assert.equal(result.ready(), true);
    assert.equal(result.successful(), true);
    assert.deepEqual(seen, [2]);
    assert.equal(await result, 2, 'AsyncResult is thenable');
  }));

  test.serial(`AsyncResult get(timeout), wait, ready, successful and errorCallback [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    const slow = pool.applyAsync(() => new Promise((r) => setTimeout(() => r('late'), 300)));
    assert.equal(slow.ready(), false);
    assert.throws(() => slow.successful(), /not ready/);
    await assert.rejects(slow.get(10), TimeoutError);
    await slow.wait(10);
    assert.equal(slow.ready(), false);
    await slow.wait();
    assert.equal(slow.ready(), true);
    assert.equal(await slow.get(0), 'late');

    const errors = [];
    const failing = pool.applyAsync(() => { throw new RangeError('nope'); }, [], { errorCallback: (e) => errors.push(e) });
    await failing.wait();
    assert.equal(failing.successful(), false);
    await assert.rejects(failing.get(), { name: 'RangeError', message: 'nope' });
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof RangeError);
  }));

  test.serial(`mapAsync and starmapAsync [${context}]`, (t) => withPool({ processes: 2, context }, async (pool) => {
    t.timeout(T);
    let called;
    const r = pool.mapAsync(square, [1, 2, 3], { callback: (v) => { called = v; } });
    assert.deepEqual(await r.get(5000), [1, 4, 9]);
    assert.deepEqual(called, [1, 4, 9]);
    assert.deepEqual(await pool.starmapAsync((a, b) => a - b, [[5, 1], [9, 3]]), [4, 6]);
    const failed = pool.mapAsync((x) => { if (x === 2) throw new Error('two'); return x; }, [1, 2, 3]);
    await failed.wait();
    assert.equal(failed.successful(), false);
    await assert.rejects(failed.get(), /two/);
  }));

  test.serial(`map rejects with the error of the failing item [${context}]`, (t) => withPool({ processes: 2, context }, async (pool) => {
    t.timeout(T);
    await assert.rejects(
      pool.map((x) => { if (x === 37) throw new TypeError(`bad item ${x}`); return x; }, Array.from({ length: 100 }, (_, i) => i)),
      { name: 'TypeError', message: 'bad item 37' },
    );
    assert.deepEqual(await pool.map(square, [2]), [4], 'the pool keeps working');
  }));

  test.serial(`processes defaults to cpuCount and is readable [${context}]`, async (t) => {
    t.timeout(T);
    await withPool({ context }, async (pool) => assert.equal(pool.processes, cpuCount()));
    await withPool({ processes: 3, context }, async (pool) => {
      assert.equal(pool.processes, 3);
      const ids = new Set(await pool.map(async (pkg) => {
        await new Promise((r) => setTimeout(r, 50));
        return require(pkg).currentProcess().ident;
      }, new Array(6).fill(PKG), { chunksize: 1 }));
      assert.ok(ids.size >= 2, 'work is spread over several workers');
    });
  });
}
