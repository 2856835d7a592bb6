// Shared values and arrays across processes (contract: "Process context":
// every shared object passed to a process-context task or Process arrives as
// a live handle to the same object, and one object may be used by threads and
// processes at once; increments are never lost; a process that dies holding a
// lock does not leave the others hanging). So far Value, RawValue,
// SharedArray, RawArray, Lock, RLock, Event, Semaphore and BoundedSemaphore cross.
import test from 'ava'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { Pool, Process, RawValue, RawArray, Value, SharedArray, Lock, RLock, Event, Queue, Semaphore, BoundedSemaphore, Condition, WorkerCrashedError } from '../index.mjs'
import { PKG, childScripts, withPool } from './helpers.mjs'

const runChild = childScripts(test.after.always)

const T = 60_000
const inProcesses = (processes = 2) => ({ processes, context: 'process' })

// Atomic increments from several processes: none may be lost.
const addMany = (v, n) => {
  for (let i = 0; i < n; i++) v.add(1)
  return process.pid
}

test.serial('2 processes × 100k atomic adds on one RawValue: exactly 200k, seen by the parent', async (t) => {
  t.timeout(T)
  const v = new RawValue('i', 0)
  await withPool(inProcesses(2), async (pool) => {
    const pids = await Promise.all([pool.apply(addMany, [v, 100_000]), pool.apply(addMany, [v, 100_000])])
    assert.ok(pids.every((pid) => pid !== process.pid), 'ran in child processes')
    assert.equal(v.value, 200_000)
    // The same object again: still attached to the same memory.
    await pool.apply(addMany, [v, 5])
    assert.equal(v.value, 200_005)
  })
})

test.serial('one RawValue used at once by worker threads and child processes loses no increment', async (t) => {
  t.timeout(T)
  const v = new RawValue('i', 0)
  await withPool({ processes: 2 }, (threads) => withPool(inProcesses(2), async (processes) => {
    await Promise.all([
      threads.apply(addMany, [v, 50_000]), threads.apply(addMany, [v, 50_000]),
      processes.apply(addMany, [v, 50_000]), processes.apply(addMany, [v, 50_000]),
    ])
  }))
  assert.equal(v.value, 200_000)
})

test.serial('every typecode of a lock-free Value and SharedArray reads and writes across processes', async (t) => {
  t.timeout(T)
  const values = {
    b: [-5, 7], B: [200, 3], h: [-300, 301], H: [60_000, 2], i: [-70_000, 70_001], I: [4_000_000_000, 9],
    l: [-(2n ** 40n), 3n], L: [2n ** 63n, 4n], q: [-(2n ** 62n), 5n], Q: [2n ** 64n - 1n, 6n], f: [1.5, -2.25], d: [Math.PI, -1e300], c: ['x', 'y'],
  }
  const made = Object.entries(values).map(([code, [first, second]]) => ({
    code, second, value: new Value(code, first, { lock: false }), array: new SharedArray(code, [first, first, first], { lock: false }),
  }))
  // The child reports what it read and writes the second values.
  const swap = (items) => items.map(({ value, array, second }) => {
    const seen = [value.value, array.get(0), array.get(2)]
    value.value = second
    array.set(1, second)
    return seen
  })
  await withPool(inProcesses(1), async (pool) => {
    const seen = await pool.apply(swap, [made.map(({ value, array, second }) => ({ value, array, second }))])
    for (const [i, { code }] of made.entries()) {
      const first = values[code][0]
      assert.deepEqual(seen[i], [first, first, first], `child read '${code}'`)
      assert.equal(made[i].value.value, values[code][1], `parent sees the child's Value write ('${code}')`)
      assert.equal(made[i].array.get(1), values[code][1], `parent sees the child's array write ('${code}')`)
    }
  })
})

test.serial('a big RawArray (its own segment) crosses both ways, nested in args', async (t) => {
  t.timeout(T)
  const n = 100_000
  const a = new RawArray('d', n)
  for (let i = 0; i < n; i++) a.view[i] = i * 0.5
  const sumAndDouble = ({ deep: [arr] }) => {
    let sum = 0
    for (let i = 0; i < arr.length; i++) {
      sum += arr.view[i]
      arr.view[i] *= 2
    }
    return sum
  }
  await withPool(inProcesses(1), async (pool) => {
    assert.equal(await pool.apply(sumAndDouble, [{ deep: [a] }]), (n * (n - 1)) / 4)
  })
  assert.equal(a.view[n - 1], n - 1)
  assert.equal(a.view[3], 3)
})

test.serial('map over items holding lock-free shared objects: each chunk attaches the same memory', async (t) => {
  t.timeout(T)
  const counters = new RawArray('i', 4)
  const items = Array.from({ length: 40 }, (_, i) => ({ counters, slot: i % 4 }))
  await withPool(inProcesses(2), async (pool) => {
    const pids = await pool.map(({ counters, slot }) => {
      Atomics.add(counters.view, slot, 1)
      return process.pid
    }, items, { chunksize: 3 })
    assert.ok(pids.every((pid) => pid !== process.pid))
  })
  assert.deepEqual([...counters.view], [10, 10, 10, 10])
})

test.serial('a Process child gets lock-free shared objects in args and in its fields, and passes them to its own child', async (t) => {
  t.timeout(T)
  const flag = new RawValue('i', 0)
  const cells = new RawArray('i', 3)
  class Writer extends Process {
    constructor() {
      super({ context: 'process', args: [flag, PKG] })
      this.cells = cells
    }

    // Runs in the child: writes a cell, then starts a grandchild process
    // that sets the flag it was given (forwarded from this child).
    async run(v, pkg) {
      this.cells.set(0, process.pid)
      const { Process } = require(pkg)
      const grandchild = new Process({ target: (w, c) => { c.set(1, process.pid); w.value = 1 }, args: [v, this.cells], context: 'process' })
      grandchild.start()
      await grandchild.join()
      this.cells.set(2, grandchild.exitCode)
    }
  }
  const p = new Writer()
  p.start()
  await p.join()
  assert.equal(p.exitCode, 0)
  assert.equal(cells.get(0), p.pid)
  assert.ok(cells.get(1) > 0 && cells.get(1) !== p.pid && cells.get(1) !== process.pid, 'set by the grandchild')
  assert.equal(flag.value, 1)
  assert.equal(cells.get(2), 0)
})

// A plain read, then a write: only the lock keeps increments from being lost.
const lockedAdds = (v, n) => {
  const lock = v.getLock()
  for (let i = 0; i < n; i++) {
    lock.acquireSync()
    v.value = v.value + 1
    lock.release()
  }
}

test.serial("2 processes × 20k increments of a Value under its default RLock: exactly 40k", async (t) => {
  t.timeout(T)
  const v = new Value('i', 0)
  await withPool(inProcesses(2), async (pool) => {
    await Promise.all([pool.apply(lockedAdds, [v, 20_000]), pool.apply(lockedAdds, [v, 20_000])])
  })
  assert.equal(v.value, 40_000)
})

test.serial('one Value under one Lock, incremented by threads, processes and the main thread at once', async (t) => {
  t.timeout(T)
  const v = new Value('d', 0, { lock: new Lock() })
  await withPool({ processes: 2 }, (threads) => withPool(inProcesses(2), async (processes) => {
    const main = (async () => {
      for (let i = 0; i < 2_000; i++) {
        await v.getLock().acquire()
        v.value = v.value + 1
        v.getLock().release()
      }
    })()
    await Promise.all([threads.apply(lockedAdds, [v, 10_000]), processes.apply(lockedAdds, [v, 10_000]), processes.apply(lockedAdds, [v, 10_000]), main])
  }))
  assert.equal(v.value, 32_000)
})

test.serial('a Lock held here blocks a child process until released; an async acquire here waits for a child', async (t) => {
  t.timeout(T)
  const lock = new Lock()
  const state = new RawValue('i', 0)
  await withPool(inProcesses(1), async (pool) => {
    assert.equal(await lock.acquire(), true)
    const got = pool.apply((lock, state) => {
      state.value = 1
      const taken = lock.acquireSync({ timeout: 20_000 })
      state.value = 2
      lock.release()
      return taken
    }, [lock, state])
    while (state.value !== 1) await new Promise((resolve) => setTimeout(resolve, 5))
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(state.value, 1, 'the child waits while the lock is held here')
    lock.release()
    assert.equal(await got, true)
    assert.equal(state.value, 2)

    // Now a child holds it and this (main) thread waits asynchronously.
    state.value = 0
    const held = pool.apply((lock, state) => {
      lock.acquireSync()
      state.value = 1
      const until = Date.now() + 200
      while (Date.now() < until);
      lock.release()
    }, [lock, state])
    while (state.value !== 1) await new Promise((resolve) => setTimeout(resolve, 1))
    assert.equal(lock.locked(), true)
    assert.equal(await lock.acquire({ timeout: 20_000 }), true, 'handed over once the child released it')
    lock.release()
    await held
  })
})

test.serial('an RLock is owned per thread across processes: a child cannot release what the parent holds', async (t) => {
  t.timeout(T)
  const lock = new RLock()
  lock.acquireSync()
  lock.acquireSync()
  await withPool(inProcesses(1), async (pool) => {
    const seen = await pool.apply((lock) => {
      let refused = false
      try {
        lock.release()
      } catch (error) {
        refused = /does not own/.test(error.message)
      }
      return { refused, free: lock.acquireSync({ block: false }) }
    }, [lock])
    assert.deepEqual(seen, { refused: true, free: false })
  })
  lock.release()
  lock.release()
  assert.equal(lock.locked(), false)
})

test.serial('a child process killed while holding a Lock does not leave waiters hanging', async (t) => {
  t.timeout(T)
  const lock = new Lock()
  const state = new RawValue('i', 0)
  await withPool(inProcesses(1), async (pool) => {
    const dying = pool.apply((lock, state) => {
      lock.acquireSync()
      state.value = 1
      process.kill(process.pid, 'SIGKILL')
    }, [lock, state])
    await assert.rejects(dying, WorkerCrashedError)
    assert.equal(state.value, 1)
    // Both wait forms take it over from the dead holder.
    assert.equal(lock.acquireSync({ timeout: 5_000 }), true, 'sync')
    lock.release()
  })
  const lock2 = new Lock()
  await withPool(inProcesses(1), async (pool) => {
    await assert.rejects(pool.apply((lock) => {
      lock.acquireSync()
      process.kill(process.pid, 'SIGKILL')
    }, [lock2]), WorkerCrashedError)
    assert.equal(await lock2.acquire({ timeout: 5_000 }), true, 'async')
    lock2.release()
  })
})

test.serial('an Event set in one process wakes waiters in others: blocking in children, async here', async (t) => {
  t.timeout(T)
  const go = new Event()
  const done = new Event()
  const ready = new RawValue('i', 0)
  await withPool(inProcesses(2), async (pool) => {
    const waiters = [0, 1].map(() => pool.apply((go, done, ready) => {
      ready.add(1)
      const seen = go.waitSync(20_000)
      if (ready.add(1) === 3) done.set()
      return seen
    }, [go, done, ready]))
    while (ready.value < 2) await new Promise((resolve) => setTimeout(resolve, 2))
    assert.equal(go.isSet(), false)
    const waitedHere = done.wait(20_000)
    go.set()
    assert.deepEqual(await Promise.all(waiters), [true, true])
    assert.equal(await waitedHere, true, 'the last child set done, which woke the wait here')
    // clear() is seen across processes too.
    go.clear()
    assert.equal(await pool.apply((go) => go.waitSync(30), [go]), false)
  })
})

test.serial('a Semaphore bounds how many processes are inside at once; its bound and value travel', async (t) => {
  t.timeout(T)
  const slots = new BoundedSemaphore(2)
  const inside = new RawValue('i', 0)
  const most = new RawValue('i', 0)
  const enter = (slots, inside, most) => {
    for (let i = 0; i < 200; i++) {
      slots.acquireSync()
      const now = inside.add(1) + 1
      if (now > most.value) most.value = now
      inside.sub(1)
      slots.release()
    }
    let refused = false
    try {
      slots.release()
    } catch {
      refused = true
    }
    return refused
  }
  await withPool(inProcesses(2), (processes) => withPool({ processes: 1 }, async (threads) => {
    const refusals = await Promise.all([processes.apply(enter, [slots, inside, most]), processes.apply(enter, [slots, inside, most]), threads.apply(enter, [slots, inside, most])])
    assert.deepEqual(refusals, [true, true, true], 'a release above the bound is refused in every process')
  }))
  assert.ok(most.value >= 1 && most.value <= 2, `at most 2 inside at once, saw ${most.value}`)
  assert.equal(slots.getValue(), 2)
  // An async acquire here waits for a unit a child releases.
  const gate = new Semaphore(0)
  await withPool(inProcesses(1), async (pool) => {
    const waited = gate.acquire({ timeout: 20_000 })
    await pool.apply((gate) => gate.release(), [gate])
    assert.equal(await waited, true)
  })
})

test.serial('kinds that cannot cross processes yet are refused, naming the path', async (t) => {
  t.timeout(T)
  await withPool(inProcesses(1), async (pool) => {
    await assert.rejects(pool.apply((x) => x, [{ c: new Condition() }]), /args\[0\]\.c is a shared object: .*not supported yet.*Semaphore and BoundedSemaphore are/)
    await assert.rejects(pool.apply((x) => x, [[new Queue()]]), /args\[0\]\[0\] is a shared object/)
    assert.equal(await pool.apply((v) => v.value, [new Value('i', 7)]), 7, 'a Value with its lock crosses')
  })
})

// Linux only: /dev/shm.
const linuxTest = process.platform === 'linux' ? test.serial : test.serial.skip
linuxTest('a program SIGKILLed while its children use shared values and locks leaves nothing in /dev/shm', async (t) => {
  t.timeout(T)
  const before = new Set(fs.readdirSync('/dev/shm'))
  const result = await runChild(`
    const v = new Value('i', 0)
    const big = new RawArray('d', 100_000)
    const pool = new Pool({ processes: 2, context: 'process' })
    await Promise.all([0, 1].map(() => pool.apply((v, big) => { v.getLock().acquireSync(); v.value += 1; v.getLock().release(); big.view[0] = 1 }, [v, big])))
    console.log(v.value)
    process.kill(process.pid, 'SIGKILL')
  `)
  assert.equal(result.stdout, '2')
  assert.equal(result.code, null, 'killed by SIGKILL')
  const left = fs.readdirSync('/dev/shm').filter((name) => !before.has(name))
  assert.deepEqual(left, [])
})
