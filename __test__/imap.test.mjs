import test, { after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { assertExited, childScripts, withPool } from './helpers.mjs';

const T = { timeout: 30_000 };

async function collect(iterator) {
  const out = [];
  for await (const value of iterator) out.push(value);
  return out;
}

test('imap yields in input order, imapUnordered in completion order', T, () => withPool(2, async (pool) => {
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

test('imap consumes an endless generator lazily', T, () => withPool(2, async (pool) => {
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
  assert.ok(pulled < 200, `pulled ${pulled} items for 100 results`);
}));

test('imap over an async generator', T, () => withPool(2, async (pool) => {
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

test('an item error rejects next() at its position and iteration continues', T, () => withPool(2, async (pool) => {
  const it = pool.imap((x) => { if (x === 2) throw new RangeError('two'); return x; }, [0, 1, 2, 3, 4]);
  assert.deepEqual(await it.next(), { done: false, value: 0 });
  assert.deepEqual(await it.next(), { done: false, value: 1 });
  await assert.rejects(it.next(), { name: 'RangeError', message: 'two' });
  assert.deepEqual(await it.next(), { done: false, value: 3 });
  assert.deepEqual(await it.next(), { done: false, value: 4 });
  assert.deepEqual(await it.next(), { done: true, value: undefined });
}));

test('imap stops at once on abort', T, () => withPool(2, async (pool) => {
  const controller = new AbortController();
  const it = pool.imap(async (x) => { await new Promise((r) => setTimeout(r, 50)); return x; }, [1, 2, 3, 4, 5, 6, 7, 8], { signal: controller.signal });
  assert.deepEqual(await it.next(), { done: false, value: 1 });
  const reason = new Error('stop please');
  controller.abort(reason);
  await assert.rejects(it.next(), (e) => e === reason);
  assert.deepEqual(await it.next(), { done: true, value: undefined });
  assert.deepEqual(await pool.map((x) => x, [1]), [1], 'the pool keeps working');
}));

test('imap refuses an item that cannot be cloned, naming it', T, () => withPool(1, async (pool) => {
  const it = pool.imap((x) => x, [1, { cb() {} }]);
  await assert.rejects(collect(it), { name: 'TypeError', message: /iterable\[1\]\.cb is a function/ });
}));

// A chunk could be finished by a busy worker before submit() returned its id;
// the lazy map then kept it "in flight" for ever, its window filled with such
// ghosts, and the event loop ran dry with results still due (exit 13, results
// silently lost, or a hang beside a keep-alive timer).
describe('imap over a lazy input delivers every result once and ends', { timeout: 300_000 }, () => {
  const runChild = childScripts(after);
  // Each result marked once: a loss and a duplicate cannot cancel out.
  const consume = (method, n) => `
    function* naturals(n) { for (let i = 0; i < n; i++) yield i }
    const seen = new Uint8Array(${n})
    let count = 0, sum = 0, twice = 0, ordered = true
    for await (const r of pool.${method}((x) => x * 2, naturals(${n}))) {
      const i = r / 2
      if (seen[i]++) twice++
      if (${method === 'imap'} && i !== count) ordered = false
      count++; sum += r
    }
    console.log(count, sum, twice, ordered)`;
  const shapes = {
    'at top level': (loop) => `const pool = new Pool(2)\n${loop}`,
    'inside async main()': (loop) => `async function main() {\n const pool = new Pool(2)\n${loop}\n}\nvoid main()`,
    'beside a setInterval keep-alive': (loop) => `const keepAlive = setInterval(() => {}, 1000)\nconst pool = new Pool(2)\n${loop}\nclearInterval(keepAlive)`,
  };
  // imapUnordered lost results past 200k-600k; imap's end never came from 30k on.
  for (const [method, n] of [['imapUnordered', 1_000_000], ['imap', 100_000]]) {
    for (const [shape, wrap] of Object.entries(shapes)) {
      test(`${method} over ${n} items ${shape}`, async () => {
        for (let run = 0; run < 2; run++) {
          assertExited(await runChild(wrap(consume(method, n)), { deadlineMs: 120_000 }), `${n} ${n * (n - 1)} 0 true`);
        }
      });
    }
  }
});
