import test from 'ava';
import assert from 'node:assert/strict';
import { CONTEXTS, withPool } from './helpers.mjs';

const T = 30_000;

async function collect(iterator) {
  const out = [];
  for await (const value of iterator) out.push(value);
  return out;
}

for (const context of CONTEXTS) {
  test.serial(`imap yields in input order, imapUnordered in completion order [${context}]`, (t) => withPool({ processes: 2, context }, async (pool) => {
    t.timeout(T);
    const sleepThenReturn = async (ms) => {
      await new Promise((r) => setTimeout(r, ms));
      return ms;
    };
    assert.deepEqual(await collect(pool.imap(sleepThenReturn, [300, 10, 20])), [300, 10, 20]);
    const unordered = await collect(pool.imapUnordered(sleepThenReturn, [300, 10, 20]));
    assert.deepEqual([...unordered].sort((a, b) => a - b), [10, 20, 300]);
    assert.equal(unordered.at(-1), 300, 'the slow item comes last');
    assert.deepEqual(await collect(pool.imap((x) => x * 2, [1, 2, 3, 4, 5], { chunksize: 2 })), [2, 4, 6, 8, 10]);
  }));

  test.serial(`imap consumes an endless generator lazily [${context}]`, (t) => withPool({ processes: 2, context }, async (pool) => {
    t.timeout(T);
    let pulled = 0;
    function* naturals() {
      for (let i = 0; ; i++) {
        pulled++;
        yield i;
      }
    }
    const out = [];
    for await (const value of pool.imap((x) => x * x, naturals())) {
      out.push(value);
      if (out.length === 100) break;
    }
    assert.deepEqual(out, Array.from({ length: 100 }, (_, i) => i * i));
    // (2 × processes + 1) × chunksize ahead of what was consumed.
    assert.ok(pulled <= 100 + 5, `pulled ${pulled} items for 100 results`);
  }));

  test.serial(`imap over an async generator [${context}]`, (t) => withPool({ processes: 2, context }, async (pool) => {
    t.timeout(T);
    async function* source() {
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setImmediate(r));
        yield i;
      }
    }
    assert.deepEqual(await collect(pool.imap((x) => x + 1, source(), { chunksize: 3 })), Array.from({ length: 20 }, (_, i) => i + 1));
    const unordered = await collect(pool.imapUnordered((x) => x + 1, source()));
    assert.deepEqual(unordered.sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
  }));

  test.serial(`an item error rejects next() at its position and iteration continues [${context}]`, (t) => withPool({ processes: 2, context }, async (pool) => {
    t.timeout(T);
    const it = pool.imap((x) => { if (x === 2) throw new RangeError('two'); return x; }, [0, 1, 2, 3, 4]);
    assert.deepEqual(await it.next(), { done: false, value: 0 });
    assert.deepEqual(await it.next(), { done: false, value: 1 });
    await assert.rejects(it.next(), { name: 'RangeError', message: 'two' });
    assert.deepEqual(await it.next(), { done: false, value: 3 });
    assert.deepEqual(await it.next(), { done: false, value: 4 });
    assert.deepEqual(await it.next(), { done: true, value: undefined });
  }));

  test.serial(`imap stops at once on abort [${context}]`, (t) => withPool({ processes: 2, context }, async (pool) => {
    t.timeout(T);
    const controller = new AbortController();
    const it = pool.imap(async (x) => { await new Promise((r) => setTimeout(r, 50)); return x; }, [1, 2, 3, 4, 5, 6, 7, 8], { signal: controller.signal });
    assert.deepEqual(await it.next(), { done: false, value: 1 });
    const reason = new Error('stop please');
    controller.abort(reason);
    await assert.rejects(it.next(), (e) => e === reason);
    assert.deepEqual(await it.next(), { done: true, value: undefined });
    assert.deepEqual(await pool.map((x) => x, [1]), [1], 'the pool keeps working');
  }));

  test.serial(`imap refuses an item that cannot be cloned, naming it [${context}]`, (t) => withPool({ processes: 1, context }, async (pool) => {
    t.timeout(T);
    const it = pool.imap((x) => x, [1, { cb() {} }]);
    await assert.rejects(collect(it), { name: 'TypeError', message: /iterable\[1\]\.cb is a function/ });
  }));
}
