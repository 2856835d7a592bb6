// Queues (contract: "Queues", "Conventions", "Shared objects travel", "Values
// travel by structured clone"): Queue, JoinableQueue and SimpleQueue on the main
// thread and inside pool workers, where a queue passed as a task argument
// (nested in plain objects/arrays too) is a live handle to the same queue.
// Waits end by what the user observes (an item, an Empty/Full, a promise
// settling), never by how long they took; a test that needs another thread to
// be waiting first waits until the queue counts that waiter.
import test from 'ava'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  Pool, Process, Queue, JoinableQueue, SimpleQueue, Empty, Full, ShutDown, Lock, Event, Value, Pipe, Manager,
} from '../index.mjs'
import { PKG, assertExited, childScripts, settled, withPool } from './helpers.mjs'

const binding = createRequire(import.meta.url)('../binding.js')

const T = 60000
const LONG = 120000


const isEmpty = (error) => error instanceof Empty && error.name === 'Empty'
const isFull = (error) => error instanceof Full && error.name === 'Full'
const isClosed = (error) => error instanceof Error && !(error instanceof Empty) && /closed/i.test(error.message)
const isShutDown = (error) => error instanceof ShutDown && error.name === 'ShutDown'

/**
 * How many getters, putters and joiners wait on queue `q` (any kind), in any
 * thread, sync or async: the counts its wait queues keep in its shared words
 * (crates/core/src/queue/ring.rs: GETTERS, PUTTERS, JOINERS).
 */
function waiters(q) {
  const words = new Int32Array(binding.NativeQueue.attach(q[Symbol.for('multiproc.share')]().ids[0]).view())
  return { getters: words[35], putters: words[36], joiners: words[37] }
}

/** Polls until `predicate()` holds; a generous guard, not a measurement. */
async function until(predicate, what, limitMs = 30000) {
  const end = Date.now() + limitMs
  while (!predicate()) {
    if (Date.now() > end) assert.fail(`gave up waiting for ${what}`)
    await sleep(2)
  }
}

/** Until `count` threads (or async calls) wait on `q` to get (or put, join). */
const waiting = (q, count = 1, what = 'getters') => until(() => waiters(q)[what] >= count, `${count} ${what} on the queue`)

/** Every structured-clone kind (and the number/string fast paths). */
function cloneKinds() {
  const circular = { name: 'c' }
  circular.self = circular
  return [
    0, -0, NaN, Infinity, -Infinity, 1.5, 2 ** 53, -7, 0xffffffff, 123n, -(2n ** 100n), true, false, null, undefined,
    '', 'héllo 🌍', 'x'.repeat(100000), [], [1, [2, [3]]], [1, , 3], {}, { a: { b: [1, { c: 'd' }] } },
    new Date(0), /ab+c/gi, new Map([[1, 'a'], ['k', { v: 2 }]]), new Set([1, 'a', 3n]), new ArrayBuffer(4),
    new Uint8Array([1, 2, 255]), new Int32Array([-1, 2]), new Float32Array([0.5]), new Float64Array([-0, NaN, 1e300]),
    new BigInt64Array([-5n]), new Uint16Array(new ArrayBuffer(16), 4, 2), new DataView(new ArrayBuffer(3)),
    new Error('boom'), new TypeError('bad type'), new RangeError('range'), circular,
    new Boolean(false), new String('s'), new Number(3),
  ]
}

function assertSameItems(got, want) {
  assert.equal(got.length, want.length)
  for (let i = 0; i < want.length; i++) {
    assert.deepStrictEqual(got[i], want[i], `item ${i}`)
    if (typeof want[i] === 'number') assert.ok(Object.is(got[i], want[i]), `item ${i}: ${got[i]} is ${want[i]}`)
  }
}

// ============================================================ Queue: main

test.serial('Queue: unbounded put/putSync/putNowait and get/getSync/getNowait keep FIFO order; qsize/empty/full', async (t) => {
  t.timeout(T)
  const q = new Queue()
  assert.equal(q.qsize(), 0)
  assert.equal(q.empty(), true)
  assert.equal(q.full(), false)
  assert.equal(await q.put('a'), undefined)
  q.putSync('b')
  q.putNowait('c')
  q.putSync('d', { block: false })
  q.putSync('e', { timeout: 0 })
  await q.put('f', { timeout: 0 })
  for (let i = 0; i < 1000; i++) q.putNowait(i)
  assert.equal(q.qsize(), 1006)
  assert.equal(q.empty(), false)
  assert.equal(q.full(), false, 'an unbounded queue is never full')
  assert.equal(await q.get(), 'a')
  assert.equal(q.getSync(), 'b')
  assert.equal(q.getNowait(), 'c')
  assert.equal(q.getSync({ block: false }), 'd')
  assert.equal(q.getSync({ timeout: 0 }), 'e')
  assert.equal(await q.get({ timeout: 0 }), 'f')
  for (let i = 0; i < 1000; i++) assert.equal(i % 2 ? q.getSync() : await q.get(), i)
  assert.equal(q.qsize(), 0)
  assert.equal(q.empty(), true)
})

test.serial('Queue: thousands of numbers mixed with other items keep FIFO order and the count (past the number ring)', async (t) => {
  t.timeout(T)
  const q = new Queue()
  const items = []
  for (let i = 0; i < 5000; i++) items.push(i % 700 === 0 ? { i } : i % 900 === 0 ? `s${i}` : i * 0.5)
  for (const [i, item] of items.entries()) {
    if (i % 2) q.putSync(item)
    else await q.put(item)
  }
  assert.equal(q.qsize(), items.length)
  const got = []
  // Half taken, more put behind them, then the rest.
  for (let i = 0; i < 2500; i++) got.push(i % 2 ? q.getSync() : await q.get())
  for (let i = 0; i < 3000; i++) {
    items.push(-i)
    q.putSync(-i)
  }
  assert.equal(q.qsize(), items.length - got.length)
  while (!q.empty()) got.push(q.getNowait())
  assertSameItems(got, items)
  assert.throws(() => q.getNowait(), isEmpty)
})

test.serial('Queue: get on an empty queue gives Empty when it must not wait or its timeout passes, in every form', async (t) => {
  t.timeout(T)
  const q = new Queue()
  assert.throws(() => q.getNowait(), isEmpty)
  assert.throws(() => q.getSync({ block: false }), isEmpty)
  assert.throws(() => q.getSync({ timeout: 0 }), isEmpty)
  assert.throws(() => q.getSync({ timeout: 30 }), isEmpty)
  assert.throws(() => q.getSync(30), isEmpty)
  await assert.rejects(q.get({ timeout: 0 }), isEmpty)
  await assert.rejects(q.get({ timeout: 30 }), isEmpty)
  await assert.rejects(q.get(30), isEmpty)
  assert.equal(q.qsize(), 0)
  // A timed-out get left no waiter behind: the next item goes to the next getter.
  q.putSync('next')
  assert.equal(q.getNowait(), 'next')
})

test.serial('Queue: a timed get/getSync that gets an item before its timeout returns it', async (t) => {
  t.timeout(T)
  const q = new Queue()
  const pending = q.get({ timeout: 30000 })
  await waiting(q)
  q.putSync('late')
  assert.equal(await pending, 'late')
  await withPool(1, async (pool) => {
    const blocked = pool.apply((q) => q.getSync({ timeout: 30000 }), [q])
    await waiting(q)
    q.putSync('later')
    assert.equal(await blocked, 'later')
  })
})

test.serial('Queue: pending gets resolve with the next puts, one item each', async (t) => {
  t.timeout(T)
  const q = new Queue()
  const first = q.get({ timeout: 30000 })
  const second = q.get()
  assert.equal(await settled(first), false)
  q.putSync(1)
  q.putSync(2)
  assert.deepEqual(await Promise.all([first, second]).then((xs) => xs.sort()), [1, 2])
  assert.equal(q.qsize(), 0)
})

test.serial('Queue: bounded (maxsize): full() and Full when it cannot wait; a pending put completes once there is room', async (t) => {
  t.timeout(T)
  const q = new Queue(2)
  q.putSync(1)
  await q.put(2)
  assert.equal(q.full(), true)
  assert.equal(q.qsize(), 2)
  assert.throws(() => q.putNowait(3), isFull)
  assert.throws(() => q.putSync(3, { block: false }), isFull)
  assert.throws(() => q.putSync(3, { timeout: 0 }), isFull)
  assert.throws(() => q.putSync(3, { timeout: 30 }), isFull)
  await assert.rejects(q.put(3, { timeout: 0 }), isFull)
  await assert.rejects(q.put(3, { timeout: 30 }), isFull)
  await assert.rejects(q.put(3, 30), isFull)
  assert.equal(q.qsize(), 2, 'nothing refused was added')
  const pending = q.put(3)
  assert.equal(await settled(pending), false, 'put waits while the queue is full')
  assert.equal(await q.get(), 1)
  await pending
  assert.equal(q.qsize(), 2)
  assert.deepEqual([q.getSync(), q.getSync()], [2, 3])
  assert.equal(q.full(), false)
  assert.equal(q.empty(), true)
})

test.serial('Queue: maxsize must be an integer >= 0', (t) => {
  t.timeout(T)
  for (const bad of [-1, 1.5, NaN, '3', Infinity]) assert.throws(() => new Queue(bad), RangeError, String(bad))
  assert.equal(new Queue(0).full(), false)
})

test.serial('Queue: abort (signal) rejects a pending get/put with the reason and leaves no waiter behind', async (t) => {
  t.timeout(T)
  const q = new Queue(1)
  const controller = new AbortController()
  const reason = new Error('stop waiting')
  const getting = q.get({ signal: controller.signal })
  assert.equal(await settled(getting), false)
  controller.abort(reason)
  await assert.rejects(getting, (error) => error === reason)
  await assert.rejects(q.get({ signal: AbortSignal.abort('already') }), (error) => error === 'already')
  q.putSync('kept')
  assert.equal(q.qsize(), 1, 'the aborted getter took nothing')

  const putController = new AbortController()
  const putting = q.put('dropped', { signal: putController.signal, timeout: 30000 })
  assert.equal(await settled(putting), false)
  putController.abort(reason)
  await assert.rejects(putting, (error) => error === reason)
  assert.equal(q.getNowait(), 'kept')
  assert.equal(q.qsize(), 0, 'the aborted put added nothing')
  q.putSync('after')
  assert.equal(q.getNowait(), 'after')
})

test.serial('Queue: a get or put aborted just as it was woken passes the wake on to the next waiter', async (t) => {
  t.timeout(T)
  const within = (promise) => Promise.race([promise, sleep(2000).then(() => 'still pending')])
  const q = new Queue()
  let controller = new AbortController()
  const firstGet = q.get({ signal: controller.signal })
  const secondGet = q.get()
  q.putSync(5) // wakes the first getter, which gives up before its wake arrives
  controller.abort()
  await assert.rejects(firstGet, (error) => error.name === 'AbortError')
  assert.equal(await within(secondGet), 5)

  const bounded = new Queue(1)
  bounded.putSync(0)
  controller = new AbortController()
  const firstPut = bounded.put(1, { signal: controller.signal })
  const secondPut = bounded.put(2)
  assert.equal(bounded.getSync(), 0) // room: wakes the first putter
  controller.abort()
  await assert.rejects(firstPut, (error) => error.name === 'AbortError')
  assert.equal(await within(secondPut), undefined)
  assert.equal(bounded.getSync(), 2)
})

test.serial('Queue: close(): later put -> Error; get drains what is left, then Error; pending waiters are released', async (t) => {
  t.timeout(T)
  const q = new Queue(2)
  q.putSync('a')
  q.putSync('b')
  const pendingPut = q.put('c')
  pendingPut.catch(() => {})
  const empty = new Queue()
  const pendingGet = empty.get()
  pendingGet.catch(() => {})
  assert.equal(await settled(pendingPut), false)
  q.close()
  empty.close()
  await assert.rejects(pendingPut, isClosed)
  await assert.rejects(pendingGet, isClosed)
  await assert.rejects(q.put('d'), isClosed)
  assert.throws(() => q.putSync('d'), isClosed)
  assert.throws(() => q.putNowait('d'), isClosed)
  assert.equal(q.qsize(), 2)
  assert.equal(await q.get(), 'a')
  assert.equal(q.getSync(), 'b')
  await assert.rejects(q.get(), isClosed)
  assert.throws(() => q.getSync(), isClosed)
  assert.throws(() => q.getNowait(), isClosed)
  await assert.rejects(q.get({ timeout: 10 }), isClosed)
  assert.equal(q.empty(), true)
})

test.serial('Queue: async iteration yields every item until the queue is closed and drained', async (t) => {
  t.timeout(T)
  const q = new Queue()
  for (let i = 0; i < 5; i++) q.putSync(i)
  const seen = []
  const done = (async () => { for await (const item of q) seen.push(item) })()
  await waiting(q)
  q.putSync(5)
  await until(() => seen.length === 6, 'the iteration to take 5')
  await waiting(q)
  assert.equal(await settled(done), false, 'iteration waits for more while the queue is open')
  q.putSync(6)
  q.close()
  await done
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6])

  const closedWithItems = new Queue()
  closedWithItems.putSync('x')
  closedWithItems.putSync('y')
  closedWithItems.close()
  const rest = []
  for await (const item of closedWithItems) rest.push(item)
  assert.deepEqual(rest, ['x', 'y'], 'items left at close() are still yielded')
})

test.serial('Queue: items of every structured-clone kind arrive intact (incl. -0, NaN, typed arrays, Errors, cycles)', async (t) => {
  t.timeout(T)
  const q = new Queue()
  const items = cloneKinds()
  for (const item of items) q.putSync(item)
  const got = []
  for (let i = 0; i < items.length; i++) got.push(i % 2 ? q.getSync() : await q.get())
  assertSameItems(got, items)
  assert.ok(got.at(-4).self === got.at(-4), 'the cycle is kept')
  assert.ok(got.find((x) => x instanceof TypeError)?.message === 'bad type')
  const error = new RangeError('with cause', { cause: 'why' })
  q.putSync(error)
  const back = q.getSync()
  assert.ok(back instanceof RangeError)
  assert.equal(back.message, 'with cause')
  assert.equal(back.cause, 'why')
})

test.serial('Queue: a put item is a copy (mutating it after put changes nothing)', (t) => {
  t.timeout(T)
  const q = new Queue()
  const item = { list: [1] }
  q.putSync(item)
  item.list.push(2)
  assert.deepEqual(q.getSync(), { list: [1] })
})

test.serial('Queue: a 64 MiB Float64Array travels through the queue intact', async (t) => {
  t.timeout(T)
  const q = new Queue()
  const big = new Float64Array(8 * 1024 * 1024)
  for (let i = 0; i < big.length; i += 4096) big[i] = i
  big[big.length - 1] = -1.25
  await q.put(big)
  const got = await q.get()
  assert.ok(got instanceof Float64Array)
  assert.equal(got.byteLength, 64 * 1024 * 1024)
  assert.equal(got[got.length - 1], -1.25)
  for (let i = 0; i < big.length; i += 4096) assert.equal(got[i], i)
})

test.serial('Queue: a non-cloneable item is refused at put with a TypeError naming its path; the queue is unchanged', async (t) => {
  t.timeout(T)
  const q = new Queue(5)
  q.putSync('before')
  class Point { constructor() { this.x = 1 } norm() { return 1 } }
  const cases = [
    [() => 1, /^item\b/],
    [{ a: { cb() {} } }, /item\.a\.cb/],
    [[1, Symbol('s')], /item\[1\]/],
    [{ p: new Point() }, /item\.p\b.*Point/],
    [{ deep: [{ fn: () => 0 }] }, /item\.deep\[0\]\.fn/],
  ]
  for (const [item, path] of cases) {
    assert.throws(() => q.putSync(item), (error) => error instanceof TypeError && path.test(error.message), String(path))
    assert.throws(() => q.putNowait(item), (error) => error instanceof TypeError && path.test(error.message))
    await assert.rejects(q.put(item), (error) => error instanceof TypeError && path.test(error.message))
    assert.equal(q.qsize(), 1, `nothing was added for ${path}`)
  }
  assert.equal(q.getNowait(), 'before')
  assert.equal(q.empty(), true)
})

test.serial('Queue: shared objects (a queue, lock, value, pipe end, proxy) put on a queue are refused with a TypeError; the queue is unchanged', async (t) => {
  t.timeout(T)
  const q = new Queue()
  const manager = new Manager()
  try {
    const [end] = Pipe()
    const shared = [new Queue(), new Lock(), new Event(), new Value('i', 1), end, manager.dict(), manager.list(), new SimpleQueue(), new JoinableQueue()]
    for (const object of shared) {
      const kind = object.constructor.name
      assert.throws(() => q.putSync(object), TypeError, kind)
      await assert.rejects(q.put(object), TypeError, kind)
      assert.throws(() => q.putSync({ nested: [object] }), TypeError, `${kind} nested in a plain object/array`)
      assert.throws(() => q.putSync([1, object]), TypeError, `${kind} nested in an array`)
      await assert.rejects(q.put({ inner: { object } }), TypeError, `${kind} nested (async put)`)
      assert.equal(q.qsize(), 0, `nothing was added for ${kind}`)
    }
  } finally {
    await manager.shutdown()
  }
})

test.serial('Queue: timeouts and options are validated', async (t) => {
  t.timeout(T)
  const q = new Queue()
  assert.throws(() => q.getSync({ timeout: -1 }), RangeError)
  await assert.rejects(q.get({ timeout: -1 }), RangeError)
  await assert.rejects(q.get({ signal: 'nope' }), TypeError)
  assert.equal(q.qsize(), 0)
})

// ========================================================= Queue: workers

test.serial('Queue in workers: a queue passed as an argument (bare, in an object, in an array) is the same queue', async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const q = new Queue(3)
    const kinds = await pool.apply((q, { box }, [inArray], pkg) => {
      const mp = require(pkg)
      return [q instanceof mp.Queue, box instanceof mp.Queue, inArray instanceof mp.Queue]
    }, [q, { box: q }, [q], PKG])
    assert.deepEqual(kinds, [true, true, true])
    await pool.apply(async (q, { box }, [inArray]) => {
      q.putSync('sync')
      await box.put('async')
      inArray.putNowait('nowait')
    }, [q, { box: q }, [q]])
    assert.deepEqual([q.qsize(), q.full()], [3, true])
    const seen = await pool.apply((q) => [q.qsize(), q.full(), q.empty()], [q])
    assert.deepEqual(seen, [3, true, false])
    const fullErrors = await pool.apply(async (q) => {
      const names = []
      for (const attempt of [() => q.putNowait(4), () => q.putSync(4, { timeout: 20 }), () => q.put(4, 20), () => q.putSync(4, { block: false })]) {
        try { await attempt() } catch (error) { names.push(error.name) }
      }
      return names
    }, [q])
    assert.deepEqual(fullErrors, ['Full', 'Full', 'Full', 'Full'])
    assert.deepEqual([q.getSync(), await q.get(), q.getNowait()], ['sync', 'async', 'nowait'])
    const emptyErrors = await pool.apply(async (q) => {
      const names = []
      for (const attempt of [() => q.getNowait(), () => q.getSync({ timeout: 20 }), () => q.get(20), () => q.getSync({ block: false }), () => q.get({ timeout: 0 })]) {
        try { await attempt() } catch (error) { names.push(error.name) }
      }
      return names
    }, [q])
    assert.deepEqual(emptyErrors, ['Empty', 'Empty', 'Empty', 'Empty', 'Empty'])
    // Errors thrown by the queue inside a task cross with their name.
    await assert.rejects(pool.apply((q) => q.getNowait(), [q]), (error) => error.name === 'Empty')
    q.putSync(1); q.putSync(2); q.putSync(3)
    await assert.rejects(pool.apply((q) => q.putNowait(4), [q]), (error) => error.name === 'Full')
    assert.deepEqual(await pool.apply((q) => [q.getSync(), q.getSync(), q.getSync()], [q]), [1, 2, 3])
  })
})

test.serial('Queue in workers: a worker blocked in getSync is released by a put on the main thread', async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const q = new Queue()
    const blocked = pool.apply((q) => q.getSync(), [q])
    const awaiting = pool.apply(async ([q]) => await q.get(), [[q]])
    await waiting(q, 2)
    assert.equal(await settled(blocked), false)
    assert.equal(await settled(awaiting), false)
    q.putSync({ hello: 'worker' })
    await q.put({ hello: 'worker' })
    assert.deepEqual(await blocked, { hello: 'worker' })
    assert.deepEqual(await awaiting, { hello: 'worker' })
    assert.equal(q.qsize(), 0)
  })
})

test.serial('Queue in workers: a main-thread getter is released by a worker put; a worker putter on a full queue by a main get', async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const q = new Queue(1)
    const pending = q.get()
    assert.equal(await settled(pending), false)
    await pool.apply((q) => q.putSync('from worker'), [q])
    assert.equal(await pending, 'from worker')

    q.putSync('fills it')
    const putting = pool.apply((q) => { q.putSync('waited'); return q.qsize() }, [q])
    await waiting(q, 1, 'putters')
    assert.equal(await settled(putting), false, 'the worker waits while the queue is full')
    assert.equal(await q.get(), 'fills it')
    assert.equal(await putting, 1)
    assert.equal(q.getSync(), 'waited')
  })
})

test.serial('Queue in workers: close() seen from a worker; a worker blocked in getSync is released with an Error by close()', async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const q = new Queue()
    const blocked = pool.apply((q) => {
      try { return q.getSync() } catch (error) { return `${error.name}: ${error.message}` }
    }, [q])
    await waiting(q)
    q.close()
    assert.match(await blocked, /^Error: .*closed/i)

    const r = new Queue()
    r.putSync('left')
    await pool.apply((r) => r.close(), [r])
    assert.throws(() => r.putSync('x'), isClosed)
    assert.equal(await r.get(), 'left')
    await assert.rejects(r.get(), isClosed)
    const inWorker = await pool.apply(async (r) => {
      const out = []
      try { r.putSync(1) } catch (error) { out.push(error.name) }
      try { await r.get() } catch (error) { out.push(error.name) }
      return out
    }, [r])
    assert.deepEqual(inWorker, ['Error', 'Error'])
  })
})

test.serial('Queue in workers: async iteration in a worker ends once main closes the queue and it is drained', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const q = new Queue()
    const started = new Event()
    const collected = pool.apply(async (q, started) => {
      started.set()
      const items = []
      for await (const item of q) items.push(item)
      return items
    }, [q, started])
    await started.wait()
    for (let i = 0; i < 100; i++) await q.put(i)
    q.close()
    assert.deepEqual(await collected, Array.from({ length: 100 }, (_, i) => i))
  })
})

test.serial('Queue in workers: items of every structured-clone kind cross both ways intact', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const toWorker = new Queue()
    const fromWorker = new Queue()
    const items = cloneKinds()
    for (const item of items) toWorker.putSync(item)
    // The worker takes each item and puts it back (decoded and re-encoded there).
    const count = await pool.apply((input, output, n) => {
      for (let i = 0; i < n; i++) output.putSync(input.getSync())
      return n
    }, [toWorker, fromWorker, items.length])
    assert.equal(count, items.length)
    const got = []
    for (let i = 0; i < items.length; i++) got.push(await fromWorker.get())
    assertSameItems(got, items)
    // Items built in the worker.
    await pool.apply((out) => {
      out.putSync(-0); out.putSync(NaN); out.putSync(2n ** 64n); out.putSync(new Map([['k', new Set([1])]]))
      out.putSync(new Uint8Array([9, 8])); out.putSync(new TypeError('from worker')); out.putSync(undefined)
    }, [fromWorker])
    const built = []
    for (let i = 0; i < 7; i++) built.push(fromWorker.getSync())
    assert.ok(Object.is(built[0], -0))
    assert.ok(Number.isNaN(built[1]))
    assert.equal(built[2], 2n ** 64n)
    assert.deepEqual(built[3], new Map([['k', new Set([1])]]))
    assert.deepEqual(built[4], new Uint8Array([9, 8]))
    assert.ok(built[5] instanceof TypeError && built[5].message === 'from worker')
    assert.equal(built[6], undefined)
    assert.equal(fromWorker.qsize(), 0)
  })
})

test.serial('Queue in workers: a 64 MiB Float64Array goes to a worker and back intact', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const there = new Queue()
    const back = new Queue()
    const big = new Float64Array(8 * 1024 * 1024)
    for (let i = 0; i < big.length; i += 1024) big[i] = i / 2
    await there.put(big)
    const checked = await pool.apply((there, back) => {
      const got = there.getSync()
      let ok = got instanceof Float64Array && got.length === 8 * 1024 * 1024
      for (let i = 0; ok && i < got.length; i += 1024) ok = got[i] === i / 2
      got[1] = 42
      back.putSync(got)
      return ok
    }, [there, back])
    assert.equal(checked, true)
    const returned = await back.get()
    assert.equal(returned.length, big.length)
    assert.equal(returned[1], 42)
    assert.equal(returned[big.length - 1024], (big.length - 1024) / 2)
  })
})

test.serial('Queue in workers: refusals happen in the worker too (non-cloneable item, shared object) and leave the queue unchanged', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const q = new Queue()
    const lock = new Lock()
    const seen = await pool.apply(async (q, lock) => {
      const out = []
      try { q.putSync({ a: [() => 1] }) } catch (error) { out.push([error.name, error.message.includes('item.a[0]')]) }
      try { await q.put(Symbol('s')) } catch (error) { out.push([error.name]) }
      try { q.putSync(lock) } catch (error) { out.push([error.name]) }
      try { q.putSync({ lock }) } catch (error) { out.push([error.name]) }
      try { q.putSync(q) } catch (error) { out.push([error.name]) }
      out.push(q.qsize())
      return out
    }, [q, lock])
    assert.deepEqual(seen, [['TypeError', true], ['TypeError'], ['TypeError'], ['TypeError'], ['TypeError'], 0])
    assert.equal(q.qsize(), 0)
  })
})

// ===================================================== exactly once, at scale

test.serial('Queue exactly once: 2 producer tasks x 500k ints, consumers on main + 2 workers (bounded queue) -> each item once', async (t) => {
  t.timeout(LONG)
  const PER = 500_000
  const TOTAL = 2 * PER
  await withPool(4, async (pool) => {
    const q = new Queue(10_000)
    const consume = (q, total) => {
      const seen = new Uint8Array(total + 1)
      let count = 0
      for (;;) {
        const x = q.getSync()
        if (x === 0) return { seen, count }
        seen[x]++
        count++
      }
    }
    const consumeAsync = async (q, total) => {
      const seen = new Uint8Array(total + 1)
      let count = 0
      for (;;) {
        const x = await q.get()
        if (x === 0) return { seen, count }
        seen[x]++
        count++
      }
    }
    const consumers = [
      pool.apply(consume, [q, TOTAL]),
      pool.apply(consumeAsync, [q, TOTAL]),
      consumeAsync(q, TOTAL),
    ]
    const producers = [
      pool.apply((q, base, n) => { for (let i = 1; i <= n; i++) q.putSync(base + i) }, [q, 0, PER]),
      pool.apply(async (q, base, n) => { for (let i = 1; i <= n; i++) await q.put(base + i) }, [q, PER, PER]),
    ]
    await Promise.all(producers)
    for (let i = 0; i < consumers.length; i++) await q.put(0) // one stop marker per consumer
    const results = await Promise.all(consumers)
    assert.equal(results.reduce((sum, r) => sum + r.count, 0), TOTAL, 'count')
    const times = new Uint8Array(TOTAL + 1)
    let checksum = 0
    for (const { seen } of results) {
      for (let x = 1; x <= TOTAL; x++) {
        times[x] += seen[x]
        checksum += seen[x] * x
      }
    }
    assert.equal(checksum, (TOTAL * (TOTAL + 1)) / 2, 'checksum')
    let wrong = 0
    for (let x = 1; x <= TOTAL; x++) if (times[x] !== 1) wrong++
    assert.equal(wrong, 0, 'items not delivered exactly once')
    assert.equal(q.qsize(), 0)
  })
})

test.serial('Queue exactly once, unbounded: 2 producer tasks x 300k ints (some as strings), consumers on main + 2 workers -> each once, each producer in order', async (t) => {
  t.timeout(LONG)
  const PER = 300_000
  await withPool(4, async (pool) => {
    const q = new Queue()
    // Producer p's ids are p, p+2, p+4...; every 1000th travels as a string,
    // which cannot use the number ring and sends the next numbers to the channel.
    const produce = (q, p, n) => { for (let i = 0; i < n; i++) { const id = p + 2 * i; q.putSync(i % 1000 === 999 ? `${id}` : id) } }
    const consume = async (q, sync) => {
      const ids = []
      for (;;) {
        const item = sync ? q.getSync() : await q.get()
        if (item === -1) return ids
        ids.push(Number(item))
      }
    }
    const consumers = [pool.apply(consume, [q, true]), pool.apply(consume, [q, false]), consume(q, false)]
    await Promise.all([0, 1].map((p) => pool.apply(produce, [q, p, PER])))
    for (let i = 0; i < consumers.length; i++) q.putSync(-1)
    const results = await Promise.all(consumers)
    const times = new Uint8Array(2 * PER)
    for (const [c, ids] of results.entries()) {
      const last = [-1, -1]
      for (const id of ids) {
        assert.ok(id > last[id % 2], `consumer ${c}: producer ${id % 2}'s ${id} came after ${last[id % 2]}`)
        last[id % 2] = id
        times[id]++
      }
    }
    assert.equal(results.reduce((sum, ids) => sum + ids.length, 0), 2 * PER, 'count')
    assert.ok(times.every((n) => n === 1), 'every id exactly once')
    assert.equal(q.qsize(), 0)
  })
})

test.serial('Queue exactly once: 3 producers x 3 consumers of small objects through an unbounded queue and a maxsize-1 queue', async (t) => {
  t.timeout(LONG)
  for (const maxsize of [0, 1]) {
    const PER = maxsize === 0 ? 40_000 : 10_000
    await withPool(4, async (pool) => {
      const q = new Queue(maxsize)
      const produce = (q, p, n) => { for (let i = 0; i < n; i++) q.putSync({ p, i, s: `${p}:${i}` }) }
      const consume = async (q, sync) => {
        const got = []
        for (;;) {
          const item = sync ? q.getSync() : await q.get()
          if (item === null) return got
          got.push(item.s)
        }
      }
      const consumers = [pool.apply(consume, [q, true]), pool.apply(consume, [q, false]), consume(q, false)]
      const producers = [0, 1].map((p) => pool.apply(produce, [q, p, PER]))
      for (let i = 0; i < PER; i++) await q.put({ p: 2, i, s: `2:${i}` })
      await Promise.all(producers)
      for (let i = 0; i < 3; i++) await q.put(null)
      const all = (await Promise.all(consumers)).flat()
      assert.equal(all.length, 3 * PER, `maxsize ${maxsize}: count`)
      assert.equal(new Set(all).size, 3 * PER, `maxsize ${maxsize}: no duplicates`)
      for (const p of [0, 1, 2]) assert.ok(all.includes(`${p}:${PER - 1}`))
    })
  }
})

// =============================================================== shutdown

test.serial('Queue.shutdown(): later puts throw ShutDown; gets drain what is left, then ShutDown; waiting getters and putters are woken with it', async (t) => {
  t.timeout(T)
  for (const maxsize of [0, 2]) {
    const q = new Queue(maxsize)
    q.putSync(1)
    q.putSync({ two: 2 })
    const empty = new Queue(maxsize)
    const getting = empty.get()
    getting.catch(() => {})
    const blockedSync = new Queue(1)
    blockedSync.putSync('full')
    const putting = blockedSync.put('waits')
    putting.catch(() => {})
    await waiting(empty)
    await waiting(blockedSync, 1, 'putters')
    q.shutdown()
    empty.shutdown()
    blockedSync.shutdown()
    await assert.rejects(getting, isShutDown, 'a getter waiting on the empty queue')
    await assert.rejects(putting, isShutDown, 'a putter waiting on the full queue')
    assert.equal(blockedSync.getSync(), 'full', 'not immediate: what was there stays gettable')
    await assert.rejects(q.put(3), isShutDown)
    assert.throws(() => q.putSync(3), isShutDown)
    assert.throws(() => q.putNowait(3), isShutDown)
    assert.equal(q.qsize(), 2)
    assert.equal(await q.get(), 1)
    assert.deepEqual(q.getSync(), { two: 2 })
    await assert.rejects(q.get(), isShutDown)
    await assert.rejects(q.get({ timeout: 10 }), isShutDown)
    assert.throws(() => q.getSync(), isShutDown)
    assert.throws(() => q.getNowait(), isShutDown)
    assert.throws(() => q.getSync(), { message: /^Queue is shut down/ })
    q.close()
    assert.throws(() => q.getSync(), isShutDown, 'close() after shutdown() does not turn ShutDown into a closed Error')
  }
})

test.serial('Queue.shutdown(): async iteration yields what is left, then ends', async (t) => {
  t.timeout(T)
  const q = new Queue()
  q.putSync('a')
  q.putSync('b')
  const seen = []
  const done = (async () => { for await (const item of q) seen.push(item) })()
  await waiting(q)
  q.shutdown()
  await done
  assert.deepEqual(seen, ['a', 'b'])
})

test.serial('Queue.shutdown(true): the queue is emptied at once; waiting putters and getters get ShutDown; JoinableQueue join() returns', async (t) => {
  t.timeout(T)
  const q = new Queue()
  // Numbers in the ring, then an object and numbers behind it in the channel.
  for (let i = 0; i < 3000; i++) q.putSync(i % 7 ? i : { i })
  const full = new Queue(1)
  full.putSync('full')
  const putting = full.put('waits')
  putting.catch(() => {})
  const empty = new Queue()
  const getting = empty.get()
  getting.catch(() => {})
  await waiting(full, 1, 'putters')
  await waiting(empty)
  q.shutdown(true)
  full.shutdown(true)
  empty.shutdown(true)
  assert.equal(q.qsize(), 0)
  assert.equal(q.empty(), true)
  assert.throws(() => q.getNowait(), isShutDown)
  await assert.rejects(q.get(), isShutDown)
  await assert.rejects(putting, isShutDown)
  await assert.rejects(getting, isShutDown)
  assert.throws(() => full.getSync(), isShutDown, 'the item that was there is gone')

  const jq = new JoinableQueue()
  for (let i = 0; i < 5; i++) jq.putSync(i)
  const inHand = jq.getSync()
  const joined = jq.join()
  await waiting(jq, 1, 'joiners')
  assert.equal(await settled(joined), false)
  jq.shutdown(true)
  await joined
  jq.joinSync()
  assert.equal(inHand, 0)
  jq.taskDone() // the item taken before the shutdown may still be marked done
  assert.throws(() => q.shutdown('yes'), TypeError)
})

test.serial('Queue.shutdown in workers and a Process: blocked getSync/get/putSync/joinSync are woken, ShutDown is instanceof on both sides', async (t) => {
  t.timeout(T)
  await withPool(3, async (pool) => {
    const empty = new Queue()
    const full = new Queue(1)
    full.putSync('full')
    const jq = new JoinableQueue()
    jq.putSync('unfinished')
    const calls = [
      pool.apply(async (q, pkg) => { try { await q.get() } catch (error) { return [error.name, error instanceof require(pkg).ShutDown] } }, [empty, PKG]),
      pool.apply((q, pkg) => { try { q.putSync('x') } catch (error) { return [error.name, error instanceof require(pkg).ShutDown] } }, [full, PKG]),
      pool.apply((q) => { q.joinSync(); return 'joined' }, [jq]),
    ]
    await waiting(empty)
    await waiting(full, 1, 'putters')
    await waiting(jq, 1, 'joiners')
    empty.shutdown(true)
    full.shutdown(true)
    jq.shutdown(true)
    assert.deepEqual(await Promise.all(calls), [['ShutDown', true], ['ShutDown', true], 'joined'])
    // Thrown in a worker, it is a ShutDown on main too.
    await assert.rejects(pool.apply((q) => q.putSync(1), [empty]), isShutDown)

    // A shutdown from a worker wakes a main-thread getter. (Its timeout's timer
    // keeps the loop turning: a wake sent from another thread to an otherwise
    // idle loop may come after 'beforeExit', where ava fails the test as stalled.)
    const fromWorker = new Queue()
    const pending = fromWorker.get(30000)
    pending.catch(() => {})
    await waiting(fromWorker)
    await pool.apply((q) => q.shutdown(), [fromWorker])
    await assert.rejects(pending, isShutDown)
  })
  const q = new Queue()
  const out = new Queue()
  const p = new Process({
    target: (q, out, pkg) => { try { q.getSync() } catch (error) { out.putSync([error.name, error instanceof require(pkg).ShutDown]) } },
    args: [q, out, PKG],
  })
  p.start()
  await waiting(q)
  q.shutdown()
  assert.deepEqual(await out.get(30000), ['ShutDown', true])
  await p.join()
  assert.equal(p.exitCode, 0)
})

test.serial('Queue.shutdown racing puts and gets (x20): every put that returned is got exactly once; puts after it throw ShutDown', async (t) => {
  t.timeout(LONG)
  await withPool(2, async (pool) => {
    for (let round = 0; round < 20; round++) {
      const maxsize = round % 2 ? 0 : 64
      const q = new Queue(maxsize)
      const accepted = new Queue()
      // Each producer puts numbers and objects until the shutdown refuses one,
      // and reports which it put.
      const producers = [0, 1].map((p) => pool.apply(async (q, p, pkg) => {
        const put = []
        for (let i = 0; ; i++) {
          const n = p * 1e7 + i
          try { await q.put(i % 5 ? n : { n }) } catch (error) {
            if (!(error instanceof require(pkg).ShutDown)) throw error
            return put
          }
          put.push(n)
        }
      }, [q, p, PKG]))
      const got = []
      let shut = false
      for (;;) {
        let item
        try { item = await q.get() } catch (error) { assert.ok(isShutDown(error), String(error)); break }
        got.push(typeof item === 'number' ? item : item.n)
        if (!shut && got.length >= 500) {
          q.shutdown()
          shut = true
        }
      }
      const put = (await Promise.all(producers)).flat()
      // A put racing the shutdown may land after this getter saw it drained.
      for (;;) {
        try { const item = q.getNowait(); got.push(typeof item === 'number' ? item : item.n) } catch (error) { assert.ok(isShutDown(error)); break }
      }
      const marks = new Map()
      for (const n of got) marks.set(n, (marks.get(n) ?? 0) + 1)
      for (const n of put) assert.equal(marks.get(n), 1, `round ${round}: item ${n} got ${marks.get(n) ?? 0} times`)
      assert.equal(got.length, put.length, `round ${round}: nothing got that was not put`)
    }
  })
})

// ============================================ terminate and exit by itself

test.serial('pool.terminate() stops workers blocked in getSync / putSync on a full queue / joinSync; the queues stay usable', async (t) => {
  t.timeout(T)
  const empty = new Queue()
  const full = new Queue(1)
  full.putSync('full')
  const joinable = new JoinableQueue()
  joinable.putSync('unfinished')
  const pool = new Pool(3)
  const calls = [
    pool.apply((q) => q.getSync(), [empty]),
    pool.apply((q) => { q.putSync('never') }, [full]),
    pool.apply((q) => { q.joinSync() }, [joinable]),
  ]
  const outcomes = Promise.allSettled(calls)
  await waiting(empty)
  await waiting(full, 1, 'putters')
  await waiting(joinable, 1, 'joiners')
  await pool.terminate()
  assert.deepEqual((await outcomes).map((r) => r.status), ['rejected', 'rejected', 'rejected'])
  empty.putSync('after')
  assert.equal(empty.getNowait(), 'after', 'the terminated getter took nothing')
  assert.equal(full.qsize(), 1, 'the terminated putter added nothing')
  assert.equal(full.getNowait(), 'full')
  joinable.getSync()
  joinable.taskDone()
  await joinable.join()
})

const runChild = childScripts(test.after.always)

test.serial('exit by itself: a pending await q.get() does not keep the process alive', async (t) => {
  t.timeout(T)
  assertExited(await runChild(`
const q = new Queue()
q.get().then(() => console.log('got?!'))
console.log('pending')
`), 'pending')
})

test.serial('exit by itself: pending get/put/join/iteration on queues a pool used do not keep the process alive', async (t) => {
  t.timeout(T)
  assertExited(await runChild(`
const q = new Queue(1)
const e = new Queue()
const jq = new JoinableQueue()
const sq = new SimpleQueue()
const pool = new Pool(1)
console.log(await pool.apply((q, e, jq, sq) => { q.putSync('w'); jq.putSync(1); return q.qsize() + e.qsize() + sq.empty() }, [q, e, jq, sq]))
pool.close()
q.put('full').then(() => console.log('put?!'))
e.get().then(() => console.log('get?!'))
jq.join().then(() => console.log('join?!'))
sq.get().then(() => console.log('sq?!'))
e[Symbol.asyncIterator]().next().then(() => console.log('next?!'))
console.log('pending')
`), '2\npending')
})

test.serial('exit by itself: q.get(300) keeps the process alive for its timer, then rejects with Empty', async (t) => {
  t.timeout(T)
  assertExited(await runChild(`
const q = new Queue()
q.get(300).then(() => console.log('got?!'), (error) => console.log(error.name))
`), 'Empty')
})

test.serial('exit by itself: an item put by a worker still reaches the pending main-thread get', async (t) => {
  t.timeout(T)
  assertExited(await runChild(`
const q = new Queue()
const pool = new Pool(1)
q.get().then((item) => console.log('got', item))
await pool.apply((q) => q.putSync('hi'), [q])
pool.close()
`), 'got hi')
})

// ========================================================== JoinableQueue

test.serial('JoinableQueue: taskDone/join/joinSync; join waits for every item put to be marked done', async (t) => {
  t.timeout(T)
  const q = new JoinableQueue()
  assert.ok(q instanceof Queue)
  await q.join()
  q.joinSync()
  q.putSync('a')
  await q.put('b')
  const joined = q.join()
  assert.equal(await settled(joined), false)
  assert.equal(q.getSync(), 'a')
  q.taskDone()
  assert.equal(await settled(joined), false, 'one item is still unfinished')
  assert.equal(await q.get(), 'b')
  assert.equal(await settled(joined), false, 'taken is not done')
  q.taskDone()
  await joined
  q.joinSync()
  await q.join()
})

test.serial('JoinableQueue: taskDone() more times than items put -> Error', async (t) => {
  t.timeout(T)
  const q = new JoinableQueue()
  assert.throws(() => q.taskDone(), (error) => error instanceof Error && /taskDone|too many|more times/i.test(error.message))
  q.putSync(1)
  q.getSync()
  q.taskDone()
  assert.throws(() => q.taskDone(), Error)
  await q.join()
  await withPool(1, async (pool) => {
    await assert.rejects(pool.apply((q) => q.taskDone(), [q]), (error) => error.name === 'Error' && /taskDone|more times/i.test(error.message))
  })
})

test.serial('JoinableQueue: bounded, Full/Empty and close() as for Queue', async (t) => {
  t.timeout(T)
  const q = new JoinableQueue(1)
  q.putSync(1)
  assert.throws(() => q.putNowait(2), isFull)
  assert.equal(q.getSync(), 1)
  assert.throws(() => q.getNowait(), isEmpty)
  q.taskDone()
  q.close()
  assert.throws(() => q.putSync(3), isClosed)
})

test.serial("JoinableQueue: seeds' example: five producer tasks each put [42, i, 'x']; the parent gets all and joins", async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const q = new JoinableQueue()
    await Promise.all([0, 1, 2, 3, 4].map((i) => pool.apply(async (q, i) => { await q.put([42, i, 'x']) }, [q, i])))
    const got = []
    for (let i = 0; i < 5; i++) {
      got.push(await q.get())
      q.taskDone()
    }
    assert.deepEqual(got.sort((a, b) => a[1] - b[1]), [0, 1, 2, 3, 4].map((i) => [42, i, 'x']))
    await q.join()
    assert.equal(q.empty(), true)
  })
})

test.serial('JoinableQueue in workers: worker consumers call taskDone; main join() resolves once all are done; a worker joinSync is released', async (t) => {
  t.timeout(T)
  await withPool(3, async (pool) => {
    const q = new JoinableQueue()
    const N = 200
    for (let i = 0; i < N; i++) q.putSync(i)
    const joined = q.join()
    const started = new Event()
    const joiner = pool.apply((q, started) => { started.set(); q.joinSync(); return 'joined' }, [q, started])
    await started.wait()
    const consume = (q) => {
      let n = 0
      for (;;) {
        let item
        try { item = q.getNowait() } catch { return n }
        n++
        q.taskDone()
      }
    }
    const counts = await Promise.all([pool.apply(consume, [q]), pool.apply(consume, [q])])
    assert.equal(counts[0] + counts[1], N)
    await joined
    assert.equal(await joiner, 'joined')
  })
})

// ============================================================ SimpleQueue

test.serial('SimpleQueue: put, get, getSync, empty, close', async (t) => {
  t.timeout(T)
  const q = new SimpleQueue()
  assert.equal(q.empty(), true)
  assert.equal(q.put('a'), undefined)
  q.put({ b: [1] })
  q.put(-0)
  assert.equal(q.empty(), false)
  assert.equal(await q.get(), 'a')
  assert.deepEqual(q.getSync(), { b: [1] })
  assert.ok(Object.is(await q.get(), -0))
  assert.equal(q.empty(), true)
  assert.throws(() => q.getSync({ timeout: 20 }), isEmpty)
  await assert.rejects(q.get(20), isEmpty)
  assert.throws(() => q.put(() => 1), TypeError)
  assert.throws(() => q.put(new Lock()), TypeError)
  assert.equal(q.empty(), true)
  const pending = q.get()
  assert.equal(await settled(pending), false)
  q.put('wakes')
  assert.equal(await pending, 'wakes')
})

test.serial('SimpleQueue: once closed, put, get, getSync and empty throw (items left or not); a waiting getter is woken with the error', async (t) => {
  t.timeout(T)
  const isSimpleClosed = (error) => isClosed(error) && /SimpleQueue is closed/.test(error.message)
  const q = new SimpleQueue()
  q.put('left')
  q.close()
  assert.throws(() => q.put('x'), isSimpleClosed)
  assert.throws(() => q.getSync(), isSimpleClosed, 'not drained: a closed SimpleQueue is unusable, as in Python')
  await assert.rejects(q.get(), isSimpleClosed)
  assert.throws(() => q.empty(), isSimpleClosed)
  q.close()
  const seen = []
  for await (const item of q) seen.push(item)
  assert.deepEqual(seen, [], 'iteration ends once closed')

  const empty = new SimpleQueue()
  const pending = empty.get()
  pending.catch(() => {})
  await waiting(empty)
  empty.close()
  await assert.rejects(pending, isSimpleClosed)
})

test.serial('SimpleQueue in workers: shared as an argument; put in a worker, get on main; a blocked worker getSync is released', async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const q = new SimpleQueue()
    assert.equal(await pool.apply(({ q }, pkg) => q instanceof require(pkg).SimpleQueue, [{ q }, PKG]), true)
    await pool.apply(([q]) => { for (let i = 0; i < 100; i++) q.put(i) }, [[q]])
    const got = []
    for (let i = 0; i < 100; i++) got.push(i % 2 ? q.getSync() : await q.get())
    assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => i))
    assert.equal(q.empty(), true)
    const blocked = pool.apply((q) => [q.getSync(), q.empty()], [q])
    await waiting(q)
    q.put('hello')
    assert.deepEqual(await blocked, ['hello', true])
    assert.deepEqual(await pool.apply(async (q) => { try { await q.get(20) } catch (e) { return e.name } }, [q]), 'Empty')
    // Closed by main while a worker waits in getSync; closed everywhere after.
    const closing = pool.apply((q) => { try { return q.getSync() } catch (error) { return error.message } }, [q])
    await waiting(q)
    q.close()
    assert.equal(await closing, 'SimpleQueue is closed')
    const afterClose = await pool.apply((q) => ['empty', 'getSync', 'put'].map((op) => {
      try { q[op]('x'); return 'no error' } catch (error) { return error.message }
    }), [q])
    assert.deepEqual(afterClose, ['SimpleQueue is closed', 'SimpleQueue is closed', 'SimpleQueue is closed'])
    assert.throws(() => q.put(1), isClosed)
  })
})
