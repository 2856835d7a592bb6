// Bulk operations on SharedArray/RawArray (sort, sum, min, max, fill,
// indexOf and their *Sync forms): the same results as the JS operation on
// `a.view` for every typecode, below and above the size from which they run
// on the native thread pool; edge cases and bad arguments; the array's lock
// held around them; the Promise forms leave the event loop free; the memory
// outlives its JS handles while an operation runs.
import test from 'ava'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'
import v8 from 'node:v8'
import vm from 'node:vm'
import { Lock, RLock, RawArray, RawValue, SharedArray } from '../index.mjs'
import { settled, withPool } from './helpers.mjs'

const T = 120_000

v8.setFlagsFromString('--expose-gc')
const gc = globalThis.gc ?? vm.runInNewContext('gc')
const binding = createRequire(import.meta.url)('../binding.js')

/** Below every threshold (the lowest is 2^16 elements), and above every one (the highest 2^20). */
const SIZES = [1000, (1 << 20) + 3]

const int = (bits, signed) => () => Math.floor(Math.random() * 2 ** bits) - (signed ? 2 ** (bits - 1) : 0)
const big = (signed) => () => {
  const bits = (BigInt(Math.floor(Math.random() * 2 ** 32)) << 32n) | BigInt(Math.floor(Math.random() * 2 ** 32))
  return signed ? BigInt.asIntN(64, bits) : bits
}
// Floats with zeros of both signs among them (NaN and infinities: see the edge cases).
const float = (round) => () => {
  const r = Math.random()
  return r < 0.01 ? -0 : r < 0.02 ? 0 : round((Math.random() - 0.5) * 2e6)
}

/** Every typecode: how to draw a stored value, and the value type the API takes. */
const CODES = {
  b: int(8, true), B: int(8, false), h: int(16, true), H: int(16, false), i: int(32, true), I: int(32, false),
  l: big(true), L: big(false), q: big(true), Q: big(false),
  f: float(Math.fround), d: float((x) => x), c: int(8, false),
}
const BIG_SUM = ['i', 'I', 'l', 'L', 'q', 'Q']
const FLOATS = ['f', 'd']
/** The API's value for a stored one ('c' takes and gives one-character strings). */
const item = (code, stored) => (code === 'c' ? String.fromCharCode(stored) : stored)

function randomArray(code, n, Class = SharedArray) {
  const a = new Class(code, n)
  const draw = CODES[code]
  for (let i = 0; i < n; i++) a.view[i] = draw()
  return a
}

/** Elementwise with Object.is, reporting the first difference (so -0 and NaN count). */
function assertSameItems(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`)
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: item ${i} is ${String(actual[i])}, expected ${String(expected[i])}`)
  }
}

/** The JS reference of sum(): exact for integers, a left-to-right loop for floats. */
function referenceSum(code, view) {
  if (FLOATS.includes(code)) {
    let sum = 0
    for (const x of view) sum += x
    return sum
  }
  let sum = 0n
  for (const x of view) sum += BigInt(x)
  return BIG_SUM.includes(code) ? sum : Number(sum)
}

/** Math.min/Math.max over the items (NaN wins, -0 below +0); a loop for bigints. */
function referenceExtreme(code, view, which) {
  let best = view[0]
  for (const x of view) {
    if (typeof x === 'bigint') best = (which === 'min' ? x < best : x > best) ? x : best
    else best = Math[which](best, x)
  }
  return item(code, best)
}

/** Runs an operation in its Promise or its *Sync form. */
const call = (form, a, name, ...args) => (form === 'async' ? a[name](...args) : a[`${name}Sync`](...args))

async function checkAgainstView(code, n, form, Class) {
  const what = `${Class.name}('${code}', ${n}) ${form}`
  const a = randomArray(code, n, Class)
  const ref = a.view.slice()

  const sum = await call(form, a, 'sum')
  const expectedSum = referenceSum(code, ref)
  assert.equal(typeof sum, typeof expectedSum, `${what}: sum() type`)
  if (FLOATS.includes(code)) {
    // The one inexact result: blocks of elements add in their own order (docs/sync.md).
    const scale = ref.reduce((s, x) => s + Math.abs(x), 0)
    assert.ok(Math.abs(sum - expectedSum) <= 1e-9 * scale, `${what}: sum() ${sum}, a loop gives ${expectedSum}`)
  } else {
    assert.equal(sum, expectedSum, `${what}: sum()`)
  }
  for (const which of ['min', 'max']) {
    const got = await call(form, a, which)
    assert.ok(Object.is(got, referenceExtreme(code, ref, which)), `${what}: ${which}() gave ${String(got)}`)
  }

  const k = Math.floor(Math.random() * n)
  for (const from of [undefined, 0, k + 1, -Math.floor(n / 3), n + 5]) {
    const got = await call(form, a, 'indexOf', item(code, ref[k]), from)
    assert.equal(got, ref.indexOf(ref[k], from), `${what}: indexOf(view[${k}], ${from})`)
  }

  if (FLOATS.includes(code)) {
    for (let i = 0; i < 20; i++) {
      const at = Math.floor(Math.random() * n)
      a.view[at] = ref[at] = NaN
    }
  }
  assertSameItems(a.view, ref, `${what}: before sort`)
  assert.equal(await call(form, a, 'sort'), a, `${what}: sort() gives the array`)
  assertSameItems(a.view, ref.sort(), `${what}: sort()`)

  const value = CODES[code]()
  const [start, end] = [Math.floor(Math.random() * 2.2 * n) - 1.1 * n, Math.floor(Math.random() * 2.2 * n) - 1.1 * n].map(Math.trunc)
  assert.equal(await call(form, a, 'fill', item(code, value), start, end), a, `${what}: fill() gives the array`)
  assertSameItems(a.view, ref.fill(value, start, end), `${what}: fill(${String(value)}, ${start}, ${end})`)
}

for (const code of Object.keys(CODES)) {
  test.serial(`'${code}': sort, sum, min, max, indexOf and fill give what the same operation on the view gives, both forms, below and above the thresholds`, async (t) => {
    t.timeout(T)
    for (const n of SIZES) {
      await checkAgainstView(code, n, 'async', SharedArray)
      await checkAgainstView(code, n, 'sync', RawArray)
    }
  })
}

// ------------------------------------------------------------ edge cases

test.serial('an empty array: sort and fill do nothing, sum is 0 (0n for big sums), indexOf -1, min and max refuse with a RangeError', async (t) => {
  t.timeout(T)
  for (const code of Object.keys(CODES)) {
    const a = new SharedArray(code, 0)
    assert.equal(await a.sort(), a)
    assert.equal(a.fillSync(item(code, CODES[code]())), a)
    const zero = BIG_SUM.includes(code) ? 0n : 0
    assert.equal(await a.sum(), zero, `'${code}' sum()`)
    assert.equal(a.sumSync(), zero)
    assert.equal(await a.indexOf(item(code, CODES[code]())), -1)
    for (const which of ['min', 'max']) {
      const empty = { name: 'RangeError', message: new RegExp(`SharedArray\\.${which}(Sync)?\\(\\): the array is empty.*ValueError`) }
      await assert.rejects(a[which](), empty)
      assert.throws(() => a[`${which}Sync`](), empty)
    }
  }
})

test.serial('floats: NaN sorts last and -0 before +0; min and max are NaN when a NaN is there and tell -0 from +0; indexOf never finds NaN and finds -0 for 0', async (t) => {
  t.timeout(T)
  for (const code of FLOATS) {
    for (const n of SIZES) {
      const a = new SharedArray(code, n)
      a.view.fill(1)
      const specials = [NaN, -0, 0, -Infinity, Infinity, -0, NaN]
      specials.forEach((x, i) => (a.view[Math.floor((i + 1) * n / 9)] = x))
      const expected = a.view.slice().sort()
      await a.sort()
      assertSameItems(a.view, expected, `'${code}' ${n} sort()`)
      assert.ok(Object.is(a.view[0], -Infinity) && Number.isNaN(a.view[n - 1]) && Number.isNaN(a.view[n - 2]))
      assert.ok(Number.isNaN(await a.min()) && Number.isNaN(a.maxSync()), 'min/max with a NaN')
      assert.equal(await a.indexOf(NaN), -1)
      assert.equal(await a.indexOf(0), a.view.indexOf(0))
      assert.ok(Object.is(a.view[a.indexOfSync(0)], -0), 'the first zero found is a -0, as 0 === -0')
      a.view.fill(0)
      a.view[n >> 1] = -0
      assert.ok(Object.is(await a.min(), -0) && Object.is(a.maxSync(), 0), 'min is -0, max +0')
      assert.equal(await a.max(), 0)
    }
  }
  const f = new SharedArray('f', [0.5, 0.1, 0.25])
  assert.equal(await f.indexOf(0.1), -1, "0.1 is no float32: view.indexOf(0.1) is -1 too")
  assert.equal(await f.indexOf(Math.fround(0.1)), 1)
  await f.fill(0.1)
  assert.deepEqual(f.toArray(), [Math.fround(0.1), Math.fround(0.1), Math.fround(0.1)])
})

test.serial('fill and indexOf read start, end and fromIndex as TypedArray does: truncated, negative from the end, clamped, NaN as 0', async (t) => {
  t.timeout(T)
  const cases = [[], [2], [-2], [1, 3], [1, -1], [-3, -1], [3, 1], [-100, 100], [100], [1.7, 3.9], [-1.5], [NaN, 2], [2, NaN], [-Infinity, Infinity], [Infinity]]
  for (const args of cases) {
    const a = new SharedArray('i', [0, 1, 2, 3, 4])
    const ref = new Int32Array([0, 1, 2, 3, 4]).fill(9, ...args)
    await a.fill(9, ...args)
    assert.deepEqual(a.toArray(), [...ref], `fill(9, ${args.join(', ')})`)
    const b = new RawArray('i', [5, 6, 5, 6, 5])
    const view = new Int32Array([5, 6, 5, 6, 5])
    assert.equal(b.indexOfSync(5, args[0]), view.indexOf(5, args[0]), `indexOf(5, ${args[0]})`)
    assert.equal(await b.indexOf(6, args[0]), view.indexOf(6, args[0]), `indexOf(6, ${args[0]})`)
  }
})

test.serial("64-bit codes take and give bigint; sums are exact where a double is not; 'c' takes and gives characters, sums bytes", async (t) => {
  t.timeout(T)
  const q = new SharedArray('q', [2n ** 62n, 2n ** 62n, 2n ** 62n, -5n])
  assert.equal(await q.sum(), 3n * 2n ** 62n - 5n)
  assert.equal(await q.min(), -5n)
  assert.equal(q.maxSync(), 2n ** 62n)
  assert.equal(await q.indexOf(-5n), 3)
  const Q = new SharedArray('Q', [2n ** 64n - 1n, 2n ** 64n - 1n])
  assert.equal(Q.sumSync(), 2n * (2n ** 64n - 1n), 'past 64 bits')
  const i = new SharedArray('I', 3_000_000)
  i.view.fill(2 ** 32 - 1)
  assert.equal(await i.sum(), 3_000_000n * (2n ** 32n - 1n), 'a uint32 sum past 2^53 is exact')
  const h = new SharedArray('h', [-32768, 32767, 5])
  assert.equal(await h.sum(), 4)
  assert.equal(typeof h.sumSync(), 'number')
  const c = new SharedArray('c', 'hello')
  assert.equal(await c.min(), 'e')
  assert.equal(c.maxSync(), 'o')
  assert.equal(await c.sum(), [...'hello'].reduce((s, ch) => s + ch.charCodeAt(0), 0))
  assert.equal(await c.indexOf('l'), 2)
  assert.equal((await c.sort()).toArray().join(''), 'ehllo')
  assert.equal(c.fillSync('z', 3).toArray().join(''), 'ehlzz')
})

test.serial('a value the array cannot hold is refused as set() refuses it, naming the method and the typecode; bad indexes name the argument', async (t) => {
  t.timeout(T)
  const cases = [
    ['d', 'x', TypeError, /holds numbers/],
    ['i', 1.5, TypeError, /'i' holds integers/],
    ['B', 256, RangeError, /out of range for typecode 'B'/],
    ['q', 1, TypeError, /'q' holds 64-bit integers as bigint/],
    ['Q', -1n, RangeError, /out of range for typecode 'Q'/],
    ['c', 'ab', TypeError, /'c' holds one byte/],
  ]
  for (const [code, value, name, message] of cases) {
    const a = new SharedArray(code, 3)
    for (const method of ['fill', 'indexOf']) {
      const expected = { name: name.name, message: new RegExp(`SharedArray\\.${method}(Sync)?\\(value\\): .*${message.source}`) }
      await assert.rejects(a[method](value), expected, `${method}(${String(value)}) on '${code}'`)
      assert.throws(() => a[`${method}Sync`](value), expected)
    }
  }
  const a = new SharedArray('d', 3)
  await assert.rejects(a.fill(1, '1'), { name: 'TypeError', message: /SharedArray\.fill: start must be a number .*got "1"/ })
  assert.throws(() => a.fillSync(1, 0, 2n), { name: 'TypeError', message: /SharedArray\.fillSync: end must be a number/ })
  assert.throws(() => new RawArray('d', 3).indexOfSync(1, null), { name: 'TypeError', message: /RawArray\.indexOfSync: fromIndex must be a number/ })
  assert.equal(a.getLock().locked(), false, 'a refused call leaves the lock free')
})

// ------------------------------------------------------------ the lock

test.serial('the async forms wait for the lock another holder has, and release it after, on error too', async (t) => {
  t.timeout(T)
  const lock = new Lock()
  const a = new SharedArray('d', [3, 1, 2], { lock })
  await lock.acquire()
  const sorted = a.sort()
  const summed = a.sum()
  assert.equal(await settled(sorted, 100), false, 'sort() waits while the lock is held')
  assert.deepEqual(a.toArray(), [3, 1, 2])
  lock.release()
  assert.equal(await sorted, a)
  assert.equal(await summed, 6)
  assert.deepEqual(a.toArray(), [1, 2, 3])
  assert.equal(lock.locked(), false)

  const empty = new SharedArray('d', 0, { lock })
  await assert.rejects(empty.min(), RangeError)
  assert.equal(lock.locked(), false)
})

const holdLock = (a, ready, ms) => {
  const lock = a.getLock()
  lock.acquireSync()
  ready.value = 1
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
  a.view[0] = 42
  lock.release()
}

test.serial('the sync forms block until a lock held by another thread is released, and see what it wrote', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    for (const lock of [new Lock(), new RLock()]) {
      const a = new SharedArray('d', [5, 4, 3], { lock })
      const ready = new RawValue('i', 0)
      const held = pool.apply(holdLock, [a, ready, 300])
      while (ready.value === 0) await sleep(1)
      const t0 = performance.now()
      a.sortSync()
      const waited = performance.now() - t0
      assert.ok(waited >= 200, `sortSync() returned after ${waited.toFixed(0)} ms, while the other thread held the ${lock.constructor.name} for 300 ms`)
      assert.deepEqual(a.toArray(), [3, 4, 42], 'sorted after the holder wrote')
      assert.equal(lock.locked(), false)
      await held
    }
  })
})

const sumInWorker = (a) => [a.sumSync(), a.minSync(), a.indexOfSync(7)]

test.serial('the sync forms work in a pool worker on an array passed to the task', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    for (const n of SIZES) {
      const a = new SharedArray('i', n)
      a.view.fill(2)
      a.view[n - 1] = 7
      assert.deepEqual(await pool.apply(sumInWorker, [a]), [BigInt(2 * (n - 1) + 7), 2, n - 1])
    }
  })
})

const sortInChild = (a) => {
  const sum = a.sumSync()
  a.sortSync()
  return { pid: process.pid, sum }
}

test.serial('in a process-context task the bulk operations work on the same memory, under the lock shared with the parent', async (t) => {
  t.timeout(T)
  await withPool({ processes: 1, context: 'process' }, async (pool) => {
    for (const n of SIZES) {
      const lock = new Lock()
      const shared = new SharedArray('i', n, { lock })
      for (let i = 0; i < n; i++) shared.view[i] = CODES.i()
      const expected = shared.view.slice().sort()
      const total = referenceSum('i', shared.view)
      await lock.acquire()
      const running = pool.apply(sortInChild, [shared])
      assert.equal(await settled(running, 300), false, 'the child waits for the lock the parent holds')
      lock.release()
      const { pid, sum } = await running
      assert.notEqual(pid, process.pid)
      assert.equal(sum, total)
      assertSameItems(shared.view, expected, `sorted by a child process (${n})`)
    }
  })
})

// ------------------------------------------------------------ threads and lifetime

test.serial('the Promise forms leave the event loop free while a large operation runs on the pool', async (t) => {
  t.timeout(T)
  const a = randomArray('d', 4_000_000)
  let ticks = 0
  const timer = setInterval(() => ticks++, 1)
  const t0 = performance.now()
  await a.sort()
  const ms = performance.now() - t0
  clearInterval(timer)
  assert.ok(ticks >= 5, `only ${ticks} timer ticks during a ${ms.toFixed(0)} ms sort()`)
  for (let i = 1; i < a.length; i++) if (a.view[i - 1] > a.view[i]) assert.fail(`not sorted at ${i}`)

  ticks = 0
  const blocking = setInterval(() => ticks++, 1)
  a.view.reverse()
  a.sortSync()
  clearInterval(blocking)
  assert.equal(ticks, 0, 'sortSync() holds the thread (the check above can fail)')
})

/** Whether native memory with this id still lives. */
function alive(id) {
  try {
    binding.NativeSharedMemory.attach(id)
    return true
  } catch (error) {
    if (!/no live/.test(error.message)) throw error
    return false
  }
}

test.serial('the memory outlives every JS handle while an async operation runs on it, and is freed after', async (t) => {
  t.timeout(T)
  const n = 16_000_000
  let memory = new binding.NativeSharedMemory(n * 8)
  let view = new Float64Array(memory.view())
  for (let i = 0; i < n; i++) view[i] = Math.random()
  const id = memory.id
  let running = true
  const sorting = memory.bulkAsync('f64', 'sort').finally(() => (running = false))
  assert.ok(sorting instanceof Promise, 'this large a sort runs on the pool')
  memory = view = null
  // Collect the handle and its view, and let their finalizers run.
  for (let i = 0; i < 3; i++) {
    gc()
    await sleep(1)
  }
  assert.ok(running, 'the sort ended before the handles were collected: make it longer')
  assert.equal(alive(id), true, 'with every handle collected, the running sort keeps the memory')
  await sorting
  for (let round = 0; round < 50 && alive(id); round++) {
    gc()
    await sleep(10)
  }
  assert.equal(alive(id), false, 'the memory is freed once the operation is done and the handles collected')
})
