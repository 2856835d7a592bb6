// Memory stays flat under sustained load: a million tiny apply() calls, an
// imap over an endless generator, repeated large maps. The bound is generous
// (64 MiB of RSS growth between an early and a late measurement, each taken
// after forced GCs) so that a leak proportional to the number of tasks breaks
// it, and the garbage collector's moods do not.
import test from 'ava'
import assert from 'node:assert/strict'
import v8 from 'node:v8'
import vm from 'node:vm'
import { Pool } from '../index.mjs'

const MiB = 1024 * 1024
const GROWTH_LIMIT = 64 * MiB
const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`

// RSS right after a full collection of every heap (this thread's and, through
// a few tasks, the workers'), taken after every batch: garbage V8 has not
// collected yet, and the high-water mark a heap reaches when it is left to
// grow, are not mistaken for a leak. The flag is set before any worker
// starts, so workers can reach gc() too.
v8.setFlagsFromString('--expose-gc')
const gc = globalThis.gc ?? vm.runInNewContext('gc')
const collectInWorker = () => require('node:vm').runInNewContext('gc')()

async function settledRss(pool) {
  await pool.map(collectInWorker, Array.from({ length: 4 * pool.processes }, (_, i) => i), { chunksize: 1 })
  gc()
  const value = process.memoryUsage().rss
  if (process.env.MEMORY_TEST_VERBOSE) console.log(`rss ${mib(value)} heap ${mib(process.memoryUsage().heapUsed)}`)
  return value
}

/** RSS samples jump between a few levels as heaps resize, so each end of the
 *  comparison is the lower of two neighbouring samples: a leak lifts both. */
function assertFlat(samples, first, last, what) {
  const early = Math.min(samples[first], samples[first + 1])
  const late = Math.min(samples[last - 1], samples[last])
  const growth = late - early
  assert.ok(
    growth < GROWTH_LIMIT,
    `RSS grew by ${mib(growth)} from ${mib(early)} to ${mib(late)} over ${what}; samples: ${samples.map(mib).join(', ')}`,
  )
}

test.serial('RSS stays flat across 1M tiny apply() calls', async (t) => {
  t.timeout(300000)
  const pool = new Pool(2)
  const BATCH = 100_000
  const BATCHES = 10
  const samples = []
  for (let b = 0; b < BATCHES; b++) {
    const base = b * BATCH
    const calls = new Array(BATCH)
    for (let j = 0; j < BATCH; j++) calls[j] = pool.apply((x) => x + 1, [base + j])
    const results = await Promise.all(calls)
    assert.equal(results.length, BATCH)
    for (let j = 0; j < BATCH; j++) {
      if (results[j] !== base + j + 1) assert.fail(`batch ${b}: apply(x => x + 1, [${base + j}]) gave ${results[j]}`)
    }
    samples.push(await settledRss(pool))
  }
  // After batches 2-3, and after batches 9-10.
  assertFlat(samples, 1, BATCHES - 1, `${BATCHES * BATCH} apply() calls`)
  pool.close()
  await pool.join()
})

test.serial('RSS stays flat while imap consumes 2M items of an endless generator', async (t) => {
  t.timeout(300000)
  const pool = new Pool(2)
  let produced = 0
  function* naturals() {
    for (let i = 0; ; i++) {
      produced = i + 1
      yield i
    }
  }
  const TOTAL = 2_000_000
  let expected = 0
  const samples = []
  for await (const value of pool.imap((x) => x * 2, naturals(), { chunksize: 1000 })) {
    if (value !== expected * 2) assert.fail(`item ${expected}: expected ${expected * 2}, got ${value}`)
    expected++
    if (expected % 200_000 === 0) samples.push(await settledRss(pool))
    if (expected === TOTAL) break
  }
  assert.equal(expected, TOTAL)
  // The input is pulled lazily: only a bounded window beyond what was consumed.
  assert.ok(produced - TOTAL <= (2 * pool.processes + 1) * 1000, `imap pulled ${produced - TOTAL} items ahead of the consumer`)
  // After items 400k-600k, and after items 1.8M-2M.
  assertFlat(samples, 1, samples.length - 1, `${TOTAL} imap items`)
  // The pool is still fine after the iterator was abandoned with break.
  assert.deepEqual(await pool.map((x) => x - 1, [1, 2, 3]), [0, 1, 2])
  pool.close()
  await pool.join()
})

test.serial('RSS stays flat across repeated map() calls over large arrays', async (t) => {
  t.timeout(300000)
  const pool = new Pool(2)
  const N = 200_000
  const input = Array.from({ length: N }, (_, i) => i)
  const samples = []
  for (let round = 0; round < 10; round++) {
    const out = await pool.map((x) => ({ n: x, s: String(x) }), input)
    assert.equal(out.length, N)
    assert.deepEqual(out[N - 1], { n: N - 1, s: String(N - 1) })
    assert.deepEqual(out[round], { n: round, s: String(round) })
    samples.push(await settledRss(pool))
  }
  // After rounds 2-3, and after rounds 9-10.
  assertFlat(samples, 1, 9, `10 maps of ${N} items`)
  pool.close()
  await pool.join()
})
