// Synchronization (contract: "Synchronization", "Conventions", "Shared objects
// travel"): Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition and
// Barrier on the main thread and inside pool workers, where an object passed as
// a task argument (nested in plain objects/arrays too) is a live handle to the
// same object. Waits end by what the user observes (a promise settling, a
// count), never by how long they took; sleeps only let things settle.
import test from 'ava'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import v8 from 'node:v8'
import vm from 'node:vm'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  Pool, Process, Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier,
  BrokenBarrierError, TimeoutError, Value, RawValue, SharedArray,
} from '../index.mjs'
import { assertExited, childScripts, settled, withPool } from './helpers.mjs'
import { liveSharedObjects } from '../binding.js'

// Set before any worker starts (see memory.test.mjs).
v8.setFlagsFromString('--expose-gc')
const gc = globalThis.gc ?? vm.runInNewContext('gc')

const T = 60000

/** Polls until `predicate()` holds; a generous guard, not a measurement. */
async function until(predicate, what, limitMs = 30000) {
  const end = Date.now() + limitMs
  while (!predicate()) {
    if (Date.now() > end) assert.fail(`gave up waiting for ${what}`)
    await sleep(5)
  }
}


const isBroken = (error) => error instanceof BrokenBarrierError && error.name === 'BrokenBarrierError'

// ====================================================================== Lock

test.serial('Lock: acquire/release/locked on the main thread; not reentrant; releasing an unlocked Lock is an Error', async (t) => {
  t.timeout(T)
  const lock = new Lock()
  assert.equal(lock.locked(), false)
  assert.equal(await lock.acquire(), true)
  assert.equal(lock.locked(), true)
  assert.equal(lock.acquireSync({ block: false }), false, 'not reentrant')
  assert.equal(lock.acquireSync({ timeout: 0 }), false)
  assert.equal(await lock.acquire({ timeout: 0 }), false, 'timeout 0 does not wait')
  assert.equal(await lock.acquire(0), false)
  lock.release()
  assert.equal(lock.locked(), false)
  assert.throws(() => lock.release(), (error) => error instanceof Error && /unlocked|not locked|acquire/i.test(error.message))
  assert.equal(lock.acquireSync(), true)
  assert.equal(lock.locked(), true)
  lock.release()
  assert.equal(lock.acquireSync({ block: false }), true)
  lock.release()
  assert.equal(lock.acquireSync({ timeout: 0 }), true, 'timeout 0 takes a free lock')
  lock.release()
  assert.equal(await lock.acquire({ timeout: 0 }), true)
  lock.release()
})

test.serial('Lock: a timed acquire on a held lock gives false, in every form', async (t) => {
  t.timeout(T)
  const lock = new Lock()
  lock.acquireSync()
  assert.equal(await lock.acquire({ timeout: 50 }), false)
  assert.equal(await lock.acquire(50), false)
  assert.equal(lock.acquireSync({ timeout: 50 }), false)
  assert.equal(lock.acquireSync(50), false)
  assert.equal(lock.locked(), true, 'still held by its owner')
  lock.release()
  assert.equal(lock.locked(), false, 'no timed-out waiter was left to take it')
})

test.serial('Lock: a pending acquire resolves when the holder releases; waiters take turns', async (t) => {
  t.timeout(T)
  const lock = new Lock()
  await lock.acquire()
  let inside = 0
  let most = 0
  const order = []
  const flows = Array.from({ length: 8 }, async (_, i) => {
    assert.equal(await lock.acquire(), true)
    inside++
    most = Math.max(most, inside)
    order.push(i)
    await sleep(1)
    inside--
    lock.release()
  })
  assert.equal(await settled(Promise.race(flows)), false, 'nobody gets a held lock')
  lock.release()
  await Promise.all(flows)
  assert.equal(most, 1)
  assert.deepEqual([...order].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7])
  assert.equal(lock.locked(), false)
})

test.serial('Lock: AbortSignal rejects with its reason and leaves no waiter behind', async (t) => {
  t.timeout(T)
  const lock = new Lock()
  lock.acquireSync()
  const controller = new AbortController()
  const reason = new Error('stop waiting')
  const pending = lock.acquire({ signal: controller.signal })
  controller.abort(reason)
  await assert.rejects(pending, (error) => error === reason)
  // A signal aborted before the call rejects too, with its reason.
  await assert.rejects(lock.acquire({ signal: AbortSignal.abort('already') }), (error) => error === 'already')
  // With a timeout as well: the abort wins.
  const both = new AbortController()
  const timed = lock.acquire({ timeout: 10000, signal: both.signal })
  both.abort(reason)
  await assert.rejects(timed, (error) => error === reason)

  lock.release()
  assert.equal(lock.locked(), false, 'the aborted waiters did not take the lock')
  assert.equal(await lock.acquire(), true, 'acquire still works')
  const later = lock.acquire()
  lock.release()
  assert.equal(await later, true, 'a later waiter gets the lock')
  assert.equal(lock.locked(), true)
  lock.release()
})

test.serial('Lock: a signal aborted after the acquire succeeded changes nothing', async (t) => {
  t.timeout(T)
  const lock = new Lock()
  const controller = new AbortController()
  assert.equal(await lock.acquire({ signal: controller.signal }), true)
  controller.abort()
  assert.equal(lock.locked(), true)
  lock.release()
})

test.serial('Lock: withLock / withLockSync hold the lock around fn, return its result, release on throw', async (t) => {
  t.timeout(T)
  const lock = new Lock()
  assert.equal(await lock.withLock(async () => { assert.equal(lock.locked(), true); await sleep(1); return 7 }), 7)
  assert.equal(lock.locked(), false)
  assert.equal(lock.withLockSync(() => { assert.equal(lock.locked(), true); return 'x' }), 'x')
  assert.equal(lock.locked(), false)
  const boom = new Error('boom')
  await assert.rejects(lock.withLock(() => { throw boom }), (error) => error === boom)
  assert.equal(lock.locked(), false, 'released after fn threw')
  assert.throws(() => lock.withLockSync(() => { throw boom }), (error) => error === boom)
  assert.equal(lock.locked(), false)
  // Concurrent withLock calls are serialized.
  let inside = 0
  let most = 0
  await Promise.all(Array.from({ length: 5 }, () => lock.withLock(async () => {
    most = Math.max(most, ++inside)
    await sleep(2)
    inside--
  })))
  assert.equal(most, 1)
})

test.serial('Lock in workers: any thread may release; a worker waits for the main thread and vice versa', async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const lock = new Lock()
    // Acquired on main, released in a worker.
    lock.acquireSync()
    assert.equal(await pool.apply((box) => { box.lock.release(); return box.lock.locked() }, [{ lock }]), false)
    assert.equal(lock.locked(), false)
    // Acquired in a worker, released on main.
    assert.equal(await pool.apply(([lock]) => lock.acquireSync(), [[lock]]), true)
    assert.equal(lock.locked(), true)
    assert.deepEqual(await pool.apply((lock) => [lock.acquireSync({ block: false }), lock.acquireSync({ timeout: 50 }), lock.acquireSync(50)], [lock]), [false, false, false])
    assert.deepEqual(await pool.apply(async (lock) => [await lock.acquire(50), await lock.acquire({ timeout: 0 })], [lock]), [false, false])
    lock.release()

    // A worker blocked in acquireSync() gets the lock when main releases it.
    const started = new Event()
    lock.acquireSync()
    const blocked = pool.apply((lock, started) => { started.set(); const got = lock.acquireSync(); lock.release(); return got }, [lock, started])
    assert.equal(await started.wait(30000), true)
    assert.equal(await settled(blocked), false, 'the worker waits while main holds the lock')
    lock.release()
    assert.equal(await blocked, true)

    // A worker awaiting acquire() (async form in a worker) gets it too.
    lock.acquireSync()
    started.clear()
    const awaiting = pool.apply(async (lock, started) => { started.set(); const got = await lock.acquire(); lock.release(); return got }, [lock, started])
    await started.wait(30000)
    lock.release()
    assert.equal(await awaiting, true)

    // Main awaits a lock a worker holds.
    const hold = new Event()
    const held = new Event()
    const holder = pool.apply((lock, hold, held) => { lock.acquireSync(); held.set(); hold.waitSync(); lock.release() }, [lock, hold, held])
    await held.wait()
    const mine = lock.acquire()
    assert.equal(await settled(mine), false)
    hold.set()
    assert.equal(await mine, true)
    await holder
    lock.release()

    // Abort in a worker leaves no waiter behind there either.
    lock.acquireSync()
    const aborted = await pool.apply(async (lock) => {
      const controller = new AbortController()
      const pending = lock.acquire({ signal: controller.signal })
      controller.abort(new RangeError('enough'))
      try { await pending; return 'acquired' } catch (error) { return `${error.name}: ${error.message}` }
    }, [lock])
    assert.equal(aborted, 'RangeError: enough')
    lock.release()
    assert.equal(lock.locked(), false, "the worker's aborted waiter did not take the lock")
    // Releasing an unlocked lock in a worker: an Error reaches the caller.
    await assert.rejects(pool.apply((lock) => lock.release(), [lock]), (error) => error.name === 'Error' && /unlocked|acquire/i.test(error.message))
  })
})

test.serial('Lock: main (withLock, async) and 2 workers (acquireSync) keep a plain counter exact', async (t) => {
  t.timeout(120000)
  await withPool(2, async (pool) => {
    const lock = new Lock()
    const counter = new RawValue('i', 0)
    const work = (lock, counter, n) => {
      for (let i = 0; i < n; i++) {
        lock.acquireSync()
        counter.value = counter.value + 1
        lock.release()
      }
    }
    const workers = Promise.all([pool.apply(work, [lock, counter, 10000]), pool.apply(work, [lock, counter, 10000])])
    for (let i = 0; i < 3000; i++) await lock.withLock(() => { counter.value = counter.value + 1 })
    await workers
    assert.equal(counter.value, 23000)
    assert.equal(lock.locked(), false)
  })
})

// ===================================================================== RLock

test.serial('RLock: reentrant on one thread; release too often is an Error', async (t) => {
  t.timeout(T)
  const rlock = new RLock()
  assert.equal(rlock.acquireSync(), true)
  assert.equal(rlock.acquireSync(), true)
  assert.equal(rlock.acquireSync({ block: false }), true)
  assert.equal(await rlock.acquire(), true)
  assert.equal(await rlock.acquire({ timeout: 0 }), true, 'all async flows of the main thread are the same owner')
  assert.equal(rlock.locked(), true)
  for (let i = 0; i < 4; i++) {
    rlock.release()
    assert.equal(rlock.locked(), true, `still held after ${i + 1} of 5 releases`)
  }
  rlock.release()
  assert.equal(rlock.locked(), false)
  assert.throws(() => rlock.release(), Error)
  assert.equal(await rlock.withLock(() => rlock.withLockSync(() => 'nested')), 'nested')
  assert.equal(rlock.locked(), false)
})

test.serial('RLock across threads: others wait; a non-owner (worker or main) cannot release', async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const rlock = new RLock()
    rlock.acquireSync()
    const seen = await pool.apply(({ rlock }) => {
      const out = { tryAcquire: rlock.acquireSync({ block: false }), timed: rlock.acquireSync({ timeout: 50 }) }
      try { rlock.release(); out.release = 'released' } catch (error) { out.release = error.name }
      out.locked = rlock.locked()
      return out
    }, [{ rlock }])
    assert.deepEqual(seen, { tryAcquire: false, timed: false, release: 'Error', locked: true })
    assert.equal(rlock.locked(), true, "a worker's failed release left main's hold alone")
    // The worker's error message says why.
    await assert.rejects(pool.apply((r) => r.release(), [rlock]), (error) => error.name === 'Error' && /own/i.test(error.message))
    rlock.release()
    assert.equal(rlock.locked(), false)

    // A worker holds it twice; main cannot release it, nor take it; then the worker lets go.
    const held = new Event()
    const go = new Event()
    const worker = pool.apply((rlock, held, go) => {
      rlock.acquireSync()
      rlock.acquireSync()
      held.set()
      go.waitSync()
      rlock.release()
      const stillHeld = rlock.locked()
      rlock.release()
      let extra = 'none'
      try { rlock.release() } catch (error) { extra = error.name }
      return { stillHeld, extra }
    }, [rlock, held, go])
    await held.wait()
    assert.throws(() => rlock.release(), Error)
    assert.equal(rlock.acquireSync({ block: false }), false)
    assert.equal(await rlock.acquire(50), false)
    const mine = rlock.acquire()
    go.set()
    assert.deepEqual(await worker, { stillHeld: true, extra: 'Error' })
    assert.equal(await mine, true, 'main gets it once the worker released every level')
    rlock.release()
    assert.equal(rlock.locked(), false)
  })
})

// ================================================================ Semaphore

test.serial('Semaphore: counts, getValue, release(n), timeouts; unbounded release is fine', async (t) => {
  t.timeout(T)
  assert.equal(new Semaphore().getValue(), 1, 'default value 1')
  assert.equal(new Semaphore(0).getValue(), 0)
  const sem = new Semaphore(3)
  assert.equal(sem.getValue(), 3)
  assert.equal(sem.acquireSync(), true)
  assert.equal(await sem.acquire(), true)
  assert.equal(sem.acquireSync({ block: false }), true)
  assert.equal(sem.getValue(), 0)
  assert.equal(sem.acquireSync({ block: false }), false)
  assert.equal(sem.acquireSync({ timeout: 50 }), false)
  assert.equal(sem.acquireSync(50), false)
  assert.equal(await sem.acquire({ timeout: 50 }), false)
  assert.equal(await sem.acquire(0), false)
  sem.release(2)
  assert.equal(sem.getValue(), 2)
  sem.release()
  sem.release(5)
  assert.equal(sem.getValue(), 8, 'a Semaphore may go above its initial value')
})

test.serial('Semaphore: pending acquires are served by release(n), n at a time', async (t) => {
  t.timeout(T)
  const sem = new Semaphore(0)
  let got = 0
  const waiters = Array.from({ length: 4 }, () => sem.acquire().then((ok) => { assert.equal(ok, true); got++ }))
  await sleep(20)
  assert.equal(got, 0)
  sem.release(3)
  await until(() => got === 3, '3 waiters to be served')
  await sleep(50)
  assert.equal(got, 3, 'release(3) serves exactly 3')
  assert.equal(sem.getValue(), 0, 'the units went to the waiters')
  sem.release()
  await Promise.all(waiters)
  assert.equal(sem.getValue(), 0)
})

test.serial('Semaphore: abort rejects with the reason and leaves no waiter behind', async (t) => {
  t.timeout(T)
  const sem = new Semaphore(0)
  const controller = new AbortController()
  const pending = sem.acquire({ signal: controller.signal })
  controller.abort('gone')
  await assert.rejects(pending, (error) => error === 'gone')
  sem.release()
  assert.equal(sem.getValue(), 1, 'the aborted waiter did not take the unit')
  assert.equal(await sem.acquire(), true)
  const later = sem.acquire()
  sem.release()
  assert.equal(await later, true)
  assert.equal(sem.getValue(), 0)
})

test.serial('BoundedSemaphore: release above the initial value is an Error and changes nothing', async (t) => {
  t.timeout(T)
  const sem = new BoundedSemaphore(2)
  assert.throws(() => sem.release(), Error)
  assert.equal(sem.getValue(), 2)
  await sem.acquire()
  assert.throws(() => sem.release(2), Error, 'release(2) from 1 would pass 2')
  assert.equal(sem.getValue(), 1)
  sem.release()
  assert.equal(sem.getValue(), 2)
  assert.equal(new BoundedSemaphore().getValue(), 1)
  assert.throws(() => new BoundedSemaphore().release(), Error)
  const zero = new BoundedSemaphore(0)
  assert.equal(zero.acquireSync({ block: false }), false)
  assert.throws(() => zero.release(), Error)
})

test.serial('Semaphore in workers: limits concurrency across workers and main; a blocked worker is released by main', async (t) => {
  t.timeout(120000)
  await withPool(3, async (pool) => {
    const sem = new BoundedSemaphore(1)
    const inside = new Value('i', 0)
    const most = new Value('i', 0)
    const work = (sem, inside, most, n) => {
      for (let i = 0; i < n; i++) {
        sem.acquireSync()
        const now = inside.add(1) + 1
        for (let seen = most.value; now > seen; seen = most.value) if (most.compareExchange(seen, now) === seen) break
        for (let spin = 0; spin < 200; spin++);
        inside.sub(1)
        sem.release()
      }
      return n
    }
    const all = Promise.all([0, 1, 2].map(() => pool.apply(work, [sem, inside, most, 2000])))
    for (let i = 0; i < 500; i++) {
      await sem.acquire()
      const now = inside.add(1) + 1
      if (now > most.value) most.value = now
      inside.sub(1)
      sem.release()
    }
    await all
    assert.equal(most.value, 1, 'never two holders of a one-unit semaphore')
    assert.equal(sem.getValue(), 1)

    // A worker blocked in acquireSync() is released by main's release().
    const gate = new Semaphore(0)
    const started = new Event()
    const blocked = pool.apply((gate, started) => { started.set(); return gate.acquireSync() }, [gate, started])
    await started.wait()
    assert.equal(await settled(blocked), false)
    gate.release()
    assert.equal(await blocked, true)
    assert.equal(gate.getValue(), 0)

    // A worker's over-release of a BoundedSemaphore is an Error at the caller.
    await assert.rejects(pool.apply((s) => s.release(), [sem]), (error) => error.name === 'Error')
    assert.equal(sem.getValue(), 1)
    // Worker timeouts.
    assert.deepEqual(await pool.apply(async (gate) => [gate.acquireSync(50), await gate.acquire(50)], [gate]), [false, false])
  })
})

// ===================================================================== Event

test.serial('Event: set/clear/isSet/wait/waitSync on the main thread', async (t) => {
  t.timeout(T)
  const ev = new Event()
  assert.equal(ev.isSet(), false)
  assert.equal(await ev.wait(50), false)
  assert.equal(await ev.wait({ timeout: 50 }), false)
  assert.equal(await ev.wait(0), false)
  assert.equal(ev.waitSync(50), false)
  assert.equal(ev.waitSync(0), false)
  ev.set()
  assert.equal(ev.isSet(), true)
  assert.equal(await ev.wait(), true)
  assert.equal(await ev.wait(0), true)
  assert.equal(ev.waitSync(), true)
  assert.equal(ev.waitSync(0), true)
  ev.set()
  assert.equal(ev.isSet(), true, 'set twice is still set')
  ev.clear()
  assert.equal(ev.isSet(), false)
  assert.equal(await ev.wait(20), false)
})

test.serial('Event: every pending wait resolves true on set(); abort rejects with its reason', async (t) => {
  t.timeout(T)
  const ev = new Event()
  const waits = [ev.wait(), ev.wait(), ev.wait({ timeout: 30000 })]
  const controller = new AbortController()
  const aborted = ev.wait({ signal: controller.signal })
  assert.equal(await settled(Promise.race(waits)), false)
  controller.abort(new TypeError('no more'))
  await assert.rejects(aborted, (error) => error instanceof TypeError && error.message === 'no more')
  await assert.rejects(ev.wait({ signal: AbortSignal.abort('x') }), (error) => error === 'x')
  ev.set()
  assert.deepEqual(await Promise.all(waits), [true, true, true])
})

test.serial('Event in workers: a worker blocked in waitSync is released by set() on main, and main sees a worker set()', async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const ev = new Event()
    const started = new Event()
    const blocked = pool.apply(({ ev, started }) => { started.set(); return ev.waitSync() }, [{ ev, started }])
    const awaiting = pool.apply(async ([ev]) => await ev.wait(), [[ev]])
    assert.equal(await started.wait(30000), true, "main sees the worker's set()")
    assert.equal(await settled(Promise.race([blocked, awaiting])), false)
    ev.set()
    assert.deepEqual(await Promise.all([blocked, awaiting]), [true, true])
    ev.clear()
    assert.deepEqual(await pool.apply(async (ev) => [ev.isSet(), ev.waitSync(50), await ev.wait(50), await ev.wait({ timeout: 0 })], [ev]), [false, false, false, false])
    // Set and cleared by a worker.
    await pool.apply((ev) => ev.set(), [ev])
    assert.equal(ev.isSet(), true)
    await pool.apply((ev) => ev.clear(), [ev])
    assert.equal(ev.isSet(), false)
    const mainWaits = ev.wait()
    await pool.apply((ev) => ev.set(), [ev])
    assert.equal(await mainWaits, true)
  })
})

// ================================================================= Condition

test.serial('Condition: waiting or notifying without holding the lock is an Error', async (t) => {
  t.timeout(T)
  for (const cond of [new Condition(), new Condition(new Lock()), new Condition(new RLock())]) {
    await assert.rejects(cond.wait(10), Error)
    await assert.rejects(cond.waitFor(() => false, 10), Error)
    assert.throws(() => cond.waitSync(10), Error)
    assert.throws(() => cond.waitForSync(() => false, 10), Error)
    assert.throws(() => cond.notify(), Error)
    assert.throws(() => cond.notifyAll(), Error)
  }
})

test.serial('Condition: the default lock is an RLock; an explicit lock is the one acquired', async (t) => {
  t.timeout(T)
  const cond = new Condition()
  assert.equal(cond.acquireSync(), true)
  assert.equal(await cond.acquire(), true, 'reentrant: an RLock')
  cond.notify()
  cond.release()
  cond.notifyAll() // still held once
  cond.release()
  assert.throws(() => cond.release(), Error)
  assert.throws(() => cond.notify(), Error)

  const lock = new Lock()
  const withLock = new Condition(lock)
  await withLock.acquire()
  assert.equal(lock.locked(), true)
  assert.equal(withLock.acquireSync({ block: false }), false, 'a Lock is not reentrant')
  withLock.release()
  assert.equal(lock.locked(), false)
  const rlock = new RLock()
  const withRLock = new Condition(rlock)
  withRLock.acquireSync()
  assert.equal(rlock.locked(), true)
  withRLock.release()
})

test.serial('Condition: wait(timeout) gives false and re-acquires; RLock levels are restored', async (t) => {
  t.timeout(T)
  const cond = new Condition()
  await cond.acquire()
  await cond.acquire()
  assert.equal(await cond.wait(30), false)
  assert.equal(await cond.wait({ timeout: 0 }), false)
  assert.equal(cond.waitSync(30), false)
  cond.release()
  cond.release()
  assert.throws(() => cond.release(), Error, 'both levels were restored, and no more')

  const lock = new Lock()
  const plain = new Condition(lock)
  plain.acquireSync()
  assert.equal(await plain.wait(20), false)
  assert.equal(lock.locked(), true, 're-acquired after the timeout')
  plain.release()
})

test.serial('Condition: notify wakes a waiter, which returns true holding the lock; waitFor returns the predicate value', async (t) => {
  t.timeout(T)
  const cond = new Condition()
  let ready = false
  await cond.acquire()
  const woken = cond.wait().then((result) => { cond.notify(); cond.release(); return result }) // holds the lock on return
  await cond.acquire()
  ready = true
  cond.notify()
  cond.release()
  assert.equal(await woken, true)

  // waitFor: checks first, then waits until the predicate holds.
  ready = 0
  await cond.acquire()
  assert.equal(await cond.waitFor(() => 'now'), 'now', 'no wait when the predicate already holds')
  const waited = cond.waitFor(() => ready) // releases the lock while it waits
  for (let i = 1; i <= 3; i++) {
    await cond.acquire()
    ready = i === 3 ? 'done' : 0
    cond.notifyAll()
    cond.release()
  }
  assert.equal(await waited, 'done')
  cond.release()
  // waitFor with a timeout returns the predicate's last (falsy) value.
  await cond.acquire()
  assert.equal(await cond.waitFor(() => 0, 30), 0)
  assert.equal(cond.waitForSync(() => null, 30), null)
  assert.equal(cond.waitForSync(() => 5), 5)
  cond.release()
})

test.serial('Condition: notify(1) wakes one of two waiters, notify(n) n, notifyAll the rest (main thread)', async (t) => {
  t.timeout(T)
  const cond = new Condition()
  let woken = 0
  const waiter = async () => {
    await cond.acquire()
    const result = await cond.wait()
    woken++
    cond.release()
    return result
  }
  const waiters = [waiter(), waiter(), waiter(), waiter()]
  await sleep(20)
  await cond.acquire()
  cond.notify(1)
  cond.release()
  await sleep(50)
  assert.equal(woken, 1)
  await cond.acquire()
  cond.notify(2)
  cond.release()
  await sleep(50)
  assert.equal(woken, 3)
  await cond.acquire()
  cond.notifyAll()
  cond.release()
  assert.deepEqual(await Promise.all(waiters), [true, true, true, true])
  assert.equal(woken, 4)
  await cond.acquire()
  cond.notify(0)
  cond.notifyAll() // nobody waiting: nothing happens
  cond.release()
})

test.serial('Condition: abort rejects with its reason, re-acquires, and leaves no waiter behind', async (t) => {
  t.timeout(T)
  const cond = new Condition(new Lock())
  await cond.acquire()
  const controller = new AbortController()
  const aborted = cond.wait({ signal: controller.signal })
  // wait() released the lock: another flow can take it.
  await cond.acquire()
  controller.abort('stop')
  cond.release()
  await assert.rejects(aborted, (error) => error === 'stop')
  // The aborted wait re-acquired the lock before rejecting.
  assert.equal(cond.acquireSync({ block: false }), false)
  // A new waiter is the only one: notify(1) reaches it.
  const next = cond.wait(30000)
  await cond.acquire()
  cond.notify(1)
  cond.release()
  assert.equal(await next, true)
  cond.release()
})

test.serial('Condition (default RLock) on the main thread: a waiter resuming while another flow holds the lock keeps both levels', async (t) => {
  t.timeout(T)
  // On the main thread every async flow is the same RLock owner, so the
  // waiter's re-acquire succeeds while the notifying flow still holds it:
  // the lock is then held twice, and takes two releases.
  const cond = new Condition()
  await cond.acquire()
  const waiting = cond.wait()
  await cond.acquire() // the notifying flow
  cond.notify()
  assert.equal(await waiting, true) // resumed holding the lock
  cond.release() // the waiter's level
  assert.doesNotThrow(() => cond.release(), "the notifying flow's level was lost")
  assert.throws(() => cond.release(), Error)
  assert.equal(cond.acquireSync({ block: false }), true)
  cond.release()
})

test.serial('Condition: producer/consumer between main and workers, both directions', async (t) => {
  t.timeout(120000)
  await withPool(2, async (pool) => {
    const N = 300
    // Main produces, a worker consumes (waitSync), another worker consumes (await wait).
    const cond = new Condition()
    const slot = new SharedArray('i', 1, { lock: false })
    const full = new Value('i', 0, { lock: false })
    const consumed = new SharedArray('i', N, { lock: false })
    const consume = async ({ cond, slot, full, consumed }, sync, count) => {
      let taken = 0
      for (let i = 0; i < count; i++) {
        if (sync) {
          cond.acquireSync()
          cond.waitForSync(() => full.value === 1)
        } else {
          await cond.acquire()
          await cond.waitFor(() => full.value === 1)
        }
        Atomics.add(consumed.view, slot.get(0), 1)
        full.value = 0
        taken++
        cond.notifyAll()
        cond.release()
      }
      return taken
    }
    const shared = { cond, slot, full, consumed }
    const consumers = Promise.all([pool.apply(consume, [shared, true, N / 2]), pool.apply(consume, [shared, false, N / 2])])
    for (let i = 0; i < N; i++) {
      await cond.acquire()
      await cond.waitFor(() => full.value === 0)
      slot.set(0, i)
      full.value = 1
      cond.notifyAll()
      cond.release()
    }
    assert.deepEqual(await consumers, [N / 2, N / 2])
    assert.deepEqual(consumed.toArray(), new Array(N).fill(1), 'each item consumed exactly once')

    // A worker produces, main consumes.
    const cond2 = new Condition(new Lock())
    const box = new Value('i', -1, { lock: false })
    const producer = pool.apply((cond, box, n) => {
      for (let i = 0; i < n; i++) {
        cond.acquireSync()
        while (box.value !== -1) cond.waitSync()
        box.value = i
        cond.notify()
        cond.release()
      }
    }, [cond2, box, 100])
    const received = []
    for (let i = 0; i < 100; i++) {
      await cond2.acquire()
      while (box.value === -1) await cond2.wait()
      received.push(box.value)
      box.value = -1
      cond2.notify()
      cond2.release()
    }
    await producer
    assert.deepEqual(received, Array.from({ length: 100 }, (_, i) => i))
  })
})

test.serial("Condition in a worker shares the main thread's lock", async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const lock = new Lock()
    const cond = new Condition(lock)
    await cond.acquire()
    const seen = await pool.apply((cond, lock) => {
      const out = [cond.acquireSync({ block: false }), lock.locked()]
      try { cond.notify(); out.push('notified') } catch (error) { out.push(error.name) }
      return out
    }, [cond, lock])
    // A Lock-based condition cannot tell which thread holds it; what matters is
    // that the worker sees the main thread's hold on the same lock.
    assert.equal(seen[0], false)
    assert.equal(seen[1], true)
    cond.release()
    assert.deepEqual(await pool.apply((cond) => { cond.acquireSync(); try { return cond.waitSync(20) } finally { cond.release() } }, [cond]), false)
    assert.equal(lock.locked(), false)
    // The default RLock travels too: a worker cannot notify a condition held by main.
    const rcond = new Condition()
    rcond.acquireSync()
    assert.deepEqual(await pool.apply((c) => {
      const out = [c.acquireSync({ block: false })]
      try { c.notify(); out.push('notified') } catch (error) { out.push(error.name) }
      return out
    }, [rcond]), [false, 'Error'])
    rcond.release()
  })
})

// =================================================================== Barrier

test.serial('Barrier: parties, nWaiting, indexes 0..parties-1 once per round (main thread)', async (t) => {
  t.timeout(T)
  const barrier = new Barrier(3)
  assert.equal(barrier.parties, 3)
  assert.equal(barrier.nWaiting, 0)
  assert.equal(barrier.broken, false)
  for (let round = 0; round < 5; round++) {
    const first = barrier.wait()
    const second = barrier.wait()
    await sleep(5)
    assert.equal(barrier.nWaiting, 2)
    const indexes = await Promise.all([first, second, barrier.wait()])
    assert.deepEqual([...indexes].sort(), [0, 1, 2], `round ${round}`)
    assert.equal(barrier.nWaiting, 0)
  }
  assert.equal(new Barrier(1).waitSync(), 0, 'a one-party barrier never waits')
  assert.equal(await new Barrier(1).wait(), 0)
})

test.serial('Barrier: the action runs once per round, before anyone is released', async (t) => {
  t.timeout(T)
  let runs = 0
  let releasedBeforeAction = false
  const results = []
  const barrier = new Barrier(2, { action: () => { runs++ } })
  for (let round = 1; round <= 4; round++) {
    const waits = [barrier.wait(), barrier.wait()].map((p) => p.then((index) => { if (runs < round) releasedBeforeAction = true; return index }))
    results.push(await Promise.all(waits))
    assert.equal(runs, round)
  }
  assert.equal(releasedBeforeAction, false)
  assert.deepEqual(results.map((r) => [...r].sort()), [[0, 1], [0, 1], [0, 1], [0, 1]])
})

test.serial('Barrier: abort() breaks it for waiters and later waits; reset() mends it', async (t) => {
  t.timeout(T)
  const barrier = new Barrier(3)
  const waiting = [barrier.wait(), barrier.wait()]
  await sleep(5)
  assert.equal(barrier.nWaiting, 2)
  barrier.abort()
  for (const w of waiting) await assert.rejects(w, isBroken)
  assert.equal(barrier.broken, true)
  await assert.rejects(barrier.wait(), isBroken)
  assert.throws(() => barrier.waitSync(), isBroken)
  barrier.reset()
  assert.equal(barrier.broken, false)
  assert.equal(barrier.nWaiting, 0)
  const indexes = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()])
  assert.deepEqual([...indexes].sort(), [0, 1, 2])
})

test.serial('Barrier: reset() while threads wait gives them BrokenBarrierError and leaves it usable', async (t) => {
  t.timeout(T)
  const barrier = new Barrier(2)
  const waiting = barrier.wait()
  await sleep(5)
  barrier.reset()
  await assert.rejects(waiting, isBroken)
  assert.equal(barrier.broken, false)
  assert.equal(barrier.nWaiting, 0)
  assert.deepEqual((await Promise.all([barrier.wait(), barrier.wait()])).sort(), [0, 1])
})

test.serial('Barrier: reset() while a worker waits in waitSync gives it BrokenBarrierError', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const barrier = new Barrier(2)
    const blocked = pool.apply((b) => {
      try { return `passed with index ${b.waitSync()}` } catch (error) { return error.name }
    }, [barrier])
    await until(() => barrier.nWaiting === 1, 'the worker to arrive')
    barrier.reset()
    assert.equal(await blocked, 'BrokenBarrierError')
    assert.equal(barrier.broken, false)
    assert.equal(barrier.nWaiting, 0)
  })
})

test.serial('Barrier: nWaiting counts threads waiting, so it is 0 once abort() has sent them away (as Python)', async (t) => {
  t.timeout(T)
  const barrier = new Barrier(3)
  const waiting = [barrier.wait(), barrier.wait()]
  await sleep(5)
  barrier.abort()
  await Promise.allSettled(waiting)
  assert.equal(barrier.nWaiting, 0)
})

test.serial('Barrier: a wait timeout breaks the barrier (wait, waitSync and the default timeout)', async (t) => {
  t.timeout(T)
  const a = new Barrier(2)
  await assert.rejects(a.wait(30), isBroken)
  assert.equal(a.broken, true)
  await assert.rejects(a.wait(), isBroken, 'and it stays broken')

  const b = new Barrier(2)
  assert.throws(() => b.waitSync(30), isBroken)
  assert.equal(b.broken, true)

  const c = new Barrier(2, { timeout: 30 })
  await assert.rejects(c.wait(), isBroken)
  assert.equal(c.broken, true)
  c.reset()
  assert.throws(() => c.waitSync(), isBroken)

  // A timed-out wait also breaks it for the others waiting.
  const d = new Barrier(3)
  const other = d.wait()
  other.catch(() => {}) // checked below
  await assert.rejects(d.wait(30), isBroken)
  await assert.rejects(other, isBroken)
})

test.serial('Barrier: an action that throws breaks the barrier; its thread gets the error, the others BrokenBarrierError', async (t) => {
  t.timeout(T)
  const boom = new Error('action failed')
  const barrier = new Barrier(2, { action: () => { throw boom } })
  const first = barrier.wait()
  first.catch(() => {}) // checked below
  await assert.rejects(barrier.wait(), (error) => error === boom)
  await assert.rejects(first, isBroken)
  assert.equal(barrier.broken, true)
})

test.serial('Barrier: an aborted wait (signal) rejects with its reason and does not count as an arrival', async (t) => {
  t.timeout(T)
  const barrier = new Barrier(2)
  const controller = new AbortController()
  const aborted = barrier.wait({ signal: controller.signal })
  controller.abort('left')
  await assert.rejects(aborted, (error) => error === 'left')
  // The party that left is not waiting, so a lone later party must not complete a round:
  // either the barrier is broken (as a timeout breaks it) or the arrival was withdrawn.
  const lone = barrier.wait(200)
  await assert.rejects(lone, isBroken, 'a lone party passed a 2-party barrier: the aborted wait was left behind')
})

test.serial('Barrier with 2 workers + main over several rounds: indexes 0..2 once per round, action once per round', async (t) => {
  t.timeout(120000)
  await withPool(2, async (pool) => {
    const ROUNDS = 25
    const actions = new Value('i', 0)
    // The action travels by source; it reaches the counter through a global each thread sets.
    const barrier = new Barrier(3, { action: () => { globalThis.__barrierActions.add(1) }, timeout: 30000 })
    globalThis.__barrierActions = actions
    const party = async ({ barrier, actions }, rounds, sync) => {
      globalThis.__barrierActions = actions
      const indexes = []
      for (let round = 0; round < rounds; round++) {
        const index = sync || round % 2 === 0 ? barrier.waitSync() : await barrier.wait()
        // The action ran before this round released anyone.
        if (actions.value < round + 1) throw new Error(`round ${round}: released before the action ran`)
        indexes.push(index)
      }
      return indexes
    }
    const workers = [pool.apply(party, [{ barrier, actions }, ROUNDS, true]), pool.apply(party, [{ barrier, actions }, ROUNDS, false])]
    const mine = []
    for (let round = 0; round < ROUNDS; round++) mine.push(await barrier.wait())
    const [w1, w2] = await Promise.all(workers)
    for (let round = 0; round < ROUNDS; round++) {
      assert.deepEqual([mine[round], w1[round], w2[round]].sort(), [0, 1, 2], `round ${round}`)
    }
    assert.equal(actions.value, ROUNDS, 'the action ran once per round')
    assert.equal(barrier.broken, false)
    delete globalThis.__barrierActions
  })
})

test.serial('Barrier across threads: a worker abort() breaks main waiters; broken/parties/nWaiting seen by workers', async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const barrier = new Barrier(3)
    const mine = barrier.wait()
    mine.catch(() => {}) // checked below
    await sleep(5)
    assert.deepEqual(await pool.apply((b) => [b.parties, b.nWaiting, b.broken], [barrier]), [3, 1, false])
    // A worker blocked in waitSync, then main aborts: both fail.
    const blocked = pool.apply((b) => b.waitSync(), [barrier])
    blocked.catch(() => {}) // checked below
    await until(() => barrier.nWaiting === 2, 'the worker to arrive')
    await pool.apply((b) => b.abort(), [barrier])
    await assert.rejects(mine, isBroken)
    await assert.rejects(blocked, (error) => error.name === 'BrokenBarrierError')
    assert.equal(barrier.broken, true)
    await pool.apply((b) => b.reset(), [barrier])
    assert.equal(barrier.broken, false)
    // A worker's wait timeout breaks it for main.
    const mainWait = barrier.wait()
    mainWait.catch(() => {}) // checked below
    await assert.rejects(pool.apply((b) => b.waitSync(50), [barrier]), (error) => error.name === 'BrokenBarrierError')
    await assert.rejects(mainWait, isBroken)
  })
})

// ============================================== exact wakes, atomic reset

test.serial('Condition: notify(1) right after two waiters entered wakes exactly one, for every mix of waiters (24 rounds)', async (t) => {
  t.timeout(120000)
  await withPool(2, async (pool) => {
    const blocking = (cond, ready, woken) => {
      cond.acquireSync()
      ready.add(1)
      const result = cond.waitSync(30000)
      woken.add(1)
      cond.release()
      return result
    }
    const async = async (cond, ready, woken) => {
      await cond.acquire()
      ready.add(1)
      const result = await cond.wait(30000)
      woken.add(1)
      cond.release()
      return result
    }
    const mixes = [['worker', 'worker'], ['worker', 'main'], ['main', 'main']]
    for (let round = 0; round < 24; round++) {
      const mix = mixes[round % mixes.length]
      const what = `round ${round} (${mix.join(' + ')})`
      // A Lock, so that two async flows on the main thread are two holders.
      const cond = new Condition(new Lock())
      const ready = new Value('i', 0)
      const woken = new Value('i', 0)
      const waiters = mix.map((where) => where === 'worker' ? pool.apply(blocking, [cond, ready, woken]) : async(cond, ready, woken))
      // Each waiter is queued before it lets the lock go: notify at once.
      await until(() => ready.value === 2, `${what}: both waiters to enter`)
      await cond.acquire()
      cond.notify(1)
      assert.equal(cond._waiters, 1, `${what}: notify(1) took exactly one waiter`)
      cond.release()
      await until(() => woken.value === 1, `${what}: the chosen waiter to return`)
      await cond.acquire()
      assert.equal(woken.value, 1, `${what}: the other one did not return`)
      assert.equal(cond._waiters, 1, `${what}: the other one is still waiting`)
      cond.notify(1)
      cond.release()
      assert.deepEqual(await Promise.all(waiters), [true, true], what)
      assert.equal(woken.value, 2)
      assert.equal(cond._waiters, 0)
    }
  })
})

test.serial('Barrier: parties woken by reset() that wait again meet in a new round together (24 rounds)', async (t) => {
  t.timeout(120000)
  await withPool(2, async (pool) => {
    // Sent away by reset: wait again at once.
    const again = (b) => { try { return `passed ${b.waitSync(30000)}` } catch (error) { if (error.name !== 'BrokenBarrierError') throw error; return b.waitSync(30000) } }
    for (let round = 0; round < 24; round++) {
      const barrier = new Barrier(4)
      const parties = [
        pool.apply(again, [barrier]),
        pool.apply(again, [barrier]),
        barrier.wait(30000).catch((error) => { if (!isBroken(error)) throw error; return barrier.wait(30000) }),
      ]
      await until(() => barrier.nWaiting === 3, `round ${round}: three parties to wait`)
      barrier.reset()
      assert.equal(barrier.broken, false, `round ${round}: whole once reset() returned`)
      await until(() => barrier.nWaiting === 3, `round ${round}: the three to wait again`)
      const indexes = await Promise.all([...parties, barrier.wait(30000)])
      assert.deepEqual([...indexes].sort(), [0, 1, 2, 3], `round ${round}: one new round, each index once`)
    }
  })
})

// ============================================= a thread that dies is no hang

/** Starts a Process that calls `target(...args, reached)` and returns it once
 *  `reached` is set (the target sets it when it holds or waits). */
async function startedUntilReached(target, args) {
  const reached = new Event()
  const child = new Process({ target, args: [...args, reached] })
  child.start()
  assert.equal(await reached.wait(30000), true, 'the child got there')
  return child
}

/** Holds `lock` (twice if `times` is 2), says so, then blocks or crashes as `end` says. */
const holdThen = (lock, times, end, never, reached) => {
  for (let i = 0; i < times; i++) lock.acquireSync()
  reached.set()
  if (end === 'crash') throw new Error('crashed holding the lock')
  never.waitSync()
}

for (const [Kind, times] of [[Lock, 1], [RLock, 2]]) {
  for (const end of ['terminate', 'crash']) {
    test.serial(`${Kind.name}: held by a thread that is ${end === 'crash' ? 'crashed' : 'terminated'}, it passes to the waiters (async and blocked)`, async (t) => {
      t.timeout(T)
      const lock = new Kind()
      const never = new Event()
      await withPool(1, async (pool) => {
        const child = await startedUntilReached(holdThen, [lock, times, end === 'crash' ? 'crash' : 'block', never])
        // One waiter blocked in a worker, one async on the main thread, both before the death.
        const entered = new Value('i', 0)
        const blocked = pool.apply((lock, entered) => {
          entered.value = 1
          const got = lock.acquireSync(10000)
          if (got) lock.release()
          return got
        }, [lock, entered])
        await until(() => entered.value === 1, 'the worker to block')
        const waiting = lock.acquire(10000)
        if (end === 'terminate') child.terminate()
        await child.join()
        assert.equal(await waiting, true, 'the main waiter got the lock of the dead holder')
        assert.equal(lock.locked(), true)
        lock.release()
        assert.equal(await blocked, true, 'the blocked worker got it next')
        assert.equal(lock.locked(), false)
        assert.equal(await lock.acquire(1000), true)
        lock.release()
      })
    })
  }
}

test.serial('Lock/RLock: a thread that ended holding it leaves it locked; the next acquirer (even block: false) takes it over', async (t) => {
  t.timeout(T)
  for (const Kind of [Lock, RLock]) {
    const lock = new Kind()
    const child = new Process({ target: (lock) => { lock.acquireSync() }, args: [lock] })
    child.start()
    await child.join()
    assert.equal(child.exitCode, 0)
    assert.equal(lock.locked(), true, `${Kind.name}: still reads as locked`)
    assert.equal(lock.acquireSync({ block: false }), true, `${Kind.name}: taken over from the dead holder`)
    lock.release()
    assert.equal(lock.locked(), false)
  }
})

test.serial('Condition: its lock passes on when the holder thread is terminated, and a terminated waiter is not counted', async (t) => {
  t.timeout(T)
  const cond = new Condition(new Lock())
  const never = new Event()
  const holder = await startedUntilReached((cond, never, reached) => { cond.acquireSync(); reached.set(); never.waitSync() }, [cond, never])
  const waiting = cond.acquire(10000)
  holder.terminate()
  await holder.join()
  assert.equal(await waiting, true, "the dead holder's lock passed on")
  cond.release()
  // A child waiting in waitSync, terminated: notify(1) must reach the live waiter.
  const waiter = await startedUntilReached((cond, reached) => { cond.acquireSync(); reached.set(); cond.waitSync() }, [cond])
  await until(() => cond._waiters === 1, 'the child to wait')
  waiter.terminate()
  await waiter.join()
  await cond.acquire()
  const woken = cond.wait(10000) // queued now
  await cond.acquire()
  cond.notify(1)
  cond.release()
  assert.equal(await woken, true, 'notify(1) was not spent on the dead waiter')
  cond.release()
  assert.equal(cond._waiters, 0)
})

test.serial('Barrier: a party whose thread is terminated breaks the barrier for the others', async (t) => {
  t.timeout(T)
  const barrier = new Barrier(3)
  await withPool(1, async (pool) => {
    const child = await startedUntilReached((b, reached) => { reached.set(); b.waitSync() }, [barrier])
    await until(() => barrier.nWaiting === 1, 'the child to wait')
    const blocked = pool.apply((b) => { try { return `passed ${b.waitSync(10000)}` } catch (error) { return error.name } }, [barrier])
    await until(() => barrier.nWaiting === 2, 'the worker to wait')
    child.terminate()
    await child.join()
    assert.equal(await blocked, 'BrokenBarrierError')
    assert.equal(barrier.broken, true)
    await assert.rejects(barrier.wait(1000), isBroken)
    barrier.reset()
    assert.equal(barrier.broken, false)
  })
})

// ================================================ wakeable blocking waits

test.serial('pool.terminate() stops workers blocked in acquireSync / waitSync / barrier.waitSync / semaphore / condition', async (t) => {
  t.timeout(T)
  const lock = new Lock()
  lock.acquireSync()
  const ev = new Event()
  const barrier = new Barrier(2)
  const sem = new Semaphore(0)
  const cond = new Condition()
  const started = new Value('i', 0)
  const pool = new Pool(5)
  const calls = [
    pool.apply((lock, started) => { started.add(1); return lock.acquireSync() }, [lock, started]),
    pool.apply((ev, started) => { started.add(1); return ev.waitSync() }, [ev, started]),
    pool.apply((barrier, started) => { started.add(1); return barrier.waitSync() }, [barrier, started]),
    pool.apply((sem, started) => { started.add(1); return sem.acquireSync() }, [sem, started]),
    pool.apply((cond, started) => { cond.acquireSync(); started.add(1); return cond.waitSync() }, [cond, started]),
  ]
  const outcomes = Promise.allSettled(calls)
  await until(() => started.value === 5, 'all five workers to block')
  await sleep(100)
  await pool.terminate()
  const results = await outcomes
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected', 'rejected', 'rejected'])
  // The objects are still usable here.
  assert.equal(lock.locked(), true)
  lock.release()
  assert.equal(await lock.acquire(1000), true, 'the terminated waiter took nothing')
  lock.release()
  sem.release()
  assert.equal(await sem.acquire(1000), true, "the terminated worker's waiter took nothing")
  // The terminated condition waiter left the queue: notify(1) reaches this one.
  await cond.acquire()
  const woken = cond.wait(5000)
  await cond.acquire()
  cond.notify(1)
  cond.release()
  assert.equal(await woken, true, "notify(1) was not spent on the terminated worker's wait")
  cond.release()
})

// ======================================================== exit by itself

const runChild = childScripts(test.after.always)

test.serial('exit by itself: a pending lock.acquire() on a held lock does not keep the process alive', async (t) => {
  t.timeout(T)
  assertExited(await runChild(`
const lock = new Lock()
lock.acquireSync()
lock.acquire().then(() => console.log('acquired?!'))
console.log('pending')
`), 'pending')
})

test.serial('exit by itself: a pending ev.wait() does not keep the process alive', async (t) => {
  t.timeout(T)
  assertExited(await runChild(`
const ev = new Event()
ev.wait().then(() => console.log('set?!'))
console.log('pending')
`), 'pending')
})

test.serial('exit by itself: ev.wait(300) keeps the process alive for its timer and prints false', async (t) => {
  t.timeout(T)
  assertExited(await runChild(`
const ev = new Event()
ev.wait(300).then((result) => console.log(result))
`), 'false')
})

test.serial('exit by itself: pending semaphore, condition and barrier waits, after a pool used them, do not keep it alive', async (t) => {
  t.timeout(T)
  assertExited(await runChild(`
const sem = new Semaphore(0)
const cond = new Condition()
const barrier = new Barrier(2)
const pool = new Pool(2)
console.log(await pool.apply((sem, cond, barrier) => [sem.getValue(), barrier.parties].join(','), [sem, cond, barrier]))
pool.close()
sem.acquire().then(() => console.log('sem?!'))
await cond.acquire()
cond.wait().then(() => console.log('cond?!'))
barrier.wait().then(() => console.log('barrier?!'))
`), '0,2')
})

test.serial('exit by itself: a lock released by a worker is still handed to the pending main-thread waiter', async (t) => {
  t.timeout(T)
  assertExited(await runChild(`
const lock = new Lock()
lock.acquireSync()
const pool = new Pool(1)
lock.acquire().then((got) => console.log('acquired', got))
await pool.apply((lock) => lock.release(), [lock])
pool.close()
`), 'acquired true')
})

// ========================================= no thread parked per async waiter

test.serial('8 pending lock.acquire() / ev.wait() on the main thread leave fs and crypto working', async (t) => {
  t.timeout(T)
  const lock = new Lock()
  lock.acquireSync()
  const ev = new Event()
  const sem = new Semaphore(0)
  const waits = [
    ...Array.from({ length: 8 }, () => lock.acquire().then(() => lock.release())),
    ...Array.from({ length: 8 }, () => ev.wait()),
    ...Array.from({ length: 8 }, () => sem.acquire()),
  ]
  const self = await fs.promises.readFile(new URL(import.meta.url))
  assert.match(self.toString(), /no thread parked/)
  const keys = await Promise.all(Array.from({ length: 8 }, (_, i) => new Promise((resolve, reject) => {
    crypto.pbkdf2(`secret${i}`, 'salt', 1000, 32, 'sha256', (error, key) => (error ? reject(error) : resolve(key)))
  })))
  assert.equal(keys.length, 8)
  assert.equal(await settled(Promise.race(waits), 1), false, 'the waits are still pending')
  lock.release()
  ev.set()
  sem.release(8)
  await Promise.all(waits)
  assert.equal(lock.locked(), false)
})

// ================================================================== lifetime

test.serial('lifetime: 100k shared objects created, passed to tasks and dropped keep RSS bounded and the handle table at its size', async (t) => {
  t.timeout(300000)
  await withPool(2, async (pool) => {
    const liveAtStart = liveSharedObjects()
    const collect = () => require('node:vm').runInNewContext('gc')()
    const settle = async () => {
      await pool.map(collect, [1, 2, 3, 4, 5, 6, 7, 8], { chunksize: 1 })
      gc()
      await sleep(10)
      gc()
      return process.memoryUsage().rss
    }
    const use = (lock, value) => {
      lock.acquireSync()
      value.value += 1
      lock.release()
      return value.value
    }
    const ITERATIONS = 50000
    const BATCH = 1000
    const samples = []
    for (let done = 0; done < ITERATIONS; done += BATCH) {
      const calls = []
      for (let i = 0; i < BATCH; i++) calls.push(pool.apply(use, [new Lock(), new Value('i', i)]))
      const results = await Promise.all(calls)
      for (let i = 0; i < BATCH; i++) if (results[i] !== i + 1) assert.fail(`iteration ${done + i}: got ${results[i]}`)
      if ((done / BATCH) % 10 === 9) samples.push(await settle())
    }
    const growth = Math.min(samples.at(-1), samples.at(-2)) - Math.min(samples[0], samples[1])
    assert.ok(growth < 96 * 1024 * 1024, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB; samples ${samples.map((s) => (s / 1048576).toFixed(0)).join(', ')} MiB`)
    // Every object is released once its handles are collected, in every
    // thread (objects of earlier tests may go too, so it may end lower).
    for (let round = 0; round < 100 && liveSharedObjects() > liveAtStart; round++) await settle()
    assert.ok(liveSharedObjects() <= liveAtStart, `${liveSharedObjects()} shared objects alive after the soak, ${liveAtStart} before it`)
  })
})

test.serial('lifetime: an object whose creator dropped its only handle right after submitting still arrives', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const gate = new Event()
    const busy = pool.apply((gate) => gate.waitSync(30000), [gate])
    const calls = []
    for (let i = 0; i < 20; i++) {
      // The only handles are in the arguments of a task that has not started.
      calls.push(pool.apply((v, a, lock) => {
        lock.acquireSync()
        lock.release()
        return [v.value, a.toArray()]
      }, [new Value('i', i), new SharedArray('d', [i, i / 2]), new Lock()]))
    }
    for (let i = 0; i < 5; i++) {
      gc()
      await sleep(10)
    }
    gate.set()
    assert.equal(await busy, true)
    const results = await Promise.all(calls)
    results.forEach(([value, array], i) => {
      assert.equal(value, i)
      assert.deepEqual(array, [i, i / 2])
    })

    // A worker keeps a handle after the creator dropped its own: the object lives on.
    await pool.apply((v) => { globalThis.__keptValue = v }, [new Value('i', 42)])
    for (let i = 0; i < 5; i++) {
      gc()
      await sleep(10)
    }
    assert.equal(await pool.apply(() => { globalThis.__keptValue.value += 1; return globalThis.__keptValue.value }), 43)
    await pool.apply(() => { delete globalThis.__keptValue })
  })
})

// ================================================================= bad input

test.serial('bad input: clear errors for impossible counts, options and timeouts', async (t) => {
  t.timeout(T)
  assert.throws(() => new Barrier(0), RangeError)
  assert.throws(() => new Barrier(-2), RangeError)
  assert.throws(() => new Barrier(1.5), RangeError)
  assert.throws(() => new Barrier('3'), RangeError)
  assert.throws(() => new Barrier(2, { action: 'run' }), TypeError)
  assert.throws(() => new Barrier(2, { timeout: -1 }), RangeError)
  assert.throws(() => new Semaphore(-1), RangeError)
  assert.throws(() => new Semaphore(1.5), RangeError)
  assert.throws(() => new BoundedSemaphore(-1), RangeError)
  assert.throws(() => new Semaphore().release(0), RangeError)
  assert.throws(() => new Semaphore().release(-1), RangeError)
  assert.throws(() => new Condition('x'), TypeError)
  assert.throws(() => new Condition({}), TypeError)
  assert.throws(() => new Condition(new Event()), TypeError)

  const lock = new Lock()
  const rlock = new RLock()
  const ev = new Event()
  const sem = new Semaphore()
  const cond = new Condition()
  const barrier = new Barrier(2)
  // wait('x') and other non-timeouts: a TypeError (rejected, for the async forms).
  await assert.rejects(ev.wait('x'), TypeError)
  await assert.rejects(lock.acquire('x'), TypeError)
  await assert.rejects(sem.acquire('x'), TypeError)
  await assert.rejects(barrier.wait('x'), TypeError)
  assert.throws(() => ev.waitSync('x'), TypeError)
  assert.throws(() => lock.acquireSync('x'), TypeError)
  assert.throws(() => sem.acquireSync('x'), TypeError)
  await assert.rejects(ev.wait({ signal: 'abort' }), TypeError)
  await assert.rejects(lock.acquire({ signal: {} }), TypeError)
  // A negative (or NaN) timeout: a RangeError.
  for (const timeout of [-1, NaN]) {
    await assert.rejects(ev.wait(timeout), RangeError)
    await assert.rejects(ev.wait({ timeout }), RangeError)
    await assert.rejects(lock.acquire(timeout), RangeError)
    await assert.rejects(rlock.acquire({ timeout }), RangeError)
    await assert.rejects(sem.acquire(timeout), RangeError)
    await assert.rejects(barrier.wait(timeout), RangeError)
    assert.throws(() => ev.waitSync(timeout), RangeError)
    assert.throws(() => lock.acquireSync({ timeout }), RangeError)
    assert.throws(() => lock.acquireSync(timeout), RangeError)
    assert.throws(() => rlock.acquireSync({ timeout }), RangeError)
    assert.throws(() => sem.acquireSync({ timeout }), RangeError)
    assert.throws(() => barrier.waitSync(timeout), RangeError)
  }
  await cond.acquire()
  await assert.rejects(cond.wait(-1), RangeError)
  await assert.rejects(cond.wait('x'), TypeError)
  assert.throws(() => cond.waitSync(-1), RangeError)
  assert.throws(() => cond.notify(-1), RangeError)
  assert.throws(() => cond.notify(1.5), RangeError)
  cond.release()
  // Nothing was left half-done by the rejected calls.
  assert.equal(lock.locked(), false)
  assert.equal(rlock.locked(), false)
  assert.equal(sem.getValue(), 1)
  assert.equal(barrier.nWaiting, 0)
  assert.equal(barrier.broken, false)
})

test.serial('bad input: an RLock already held still rejects a bad timeout', async (t) => {
  t.timeout(T)
  const rlock = new RLock()
  rlock.acquireSync()
  assert.throws(() => rlock.acquireSync({ timeout: -1 }), RangeError)
  assert.throws(() => rlock.acquireSync('x'), TypeError)
  await assert.rejects(rlock.acquire(-1), RangeError)
  rlock.release()
  assert.equal(rlock.locked(), false, 'the rejected calls did not add levels')
})

test.serial('the error classes are exported and are Errors', (t) => {
  t.timeout(T)
  for (const [Class, name] of [[BrokenBarrierError, 'BrokenBarrierError'], [TimeoutError, 'TimeoutError']]) {
    const error = new Class()
    assert.ok(error instanceof Error)
    assert.equal(error.name, name)
    assert.ok(error.message.length > 0)
  }
})
