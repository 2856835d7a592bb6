// Shared memory (contract: "Shared memory", "Shared objects travel"): Value,
// RawValue, SharedArray and RawArray for every typecode, on the main thread and
// inside pool workers, where an object passed as a task argument (nested in
// plain objects and arrays too) is a live handle to the same memory.
import test from 'ava'
import assert from 'node:assert/strict'
import { Lock, RLock, Value, RawValue, SharedArray, RawArray, Event } from '../index.mjs'
import { withPool } from './helpers.mjs'

const T = 60000

/** Every typecode: its typed array, its zero, and two values it holds exactly. */
const CODES = {
  b: { Array: Int8Array, zero: 0, a: -128, b: 127 },
  B: { Array: Uint8Array, zero: 0, a: 255, b: 7 },
  h: { Array: Int16Array, zero: 0, a: -32768, b: 32767 },
  H: { Array: Uint16Array, zero: 0, a: 65535, b: 12 },
  i: { Array: Int32Array, zero: 0, a: -(2 ** 31), b: 2 ** 31 - 1 },
  I: { Array: Uint32Array, zero: 0, a: 2 ** 32 - 1, b: 3 },
  l: { Array: BigInt64Array, zero: 0n, a: -(2n ** 63n), b: 2n ** 63n - 1n },
  L: { Array: BigUint64Array, zero: 0n, a: 2n ** 64n - 1n, b: 5n },
  q: { Array: BigInt64Array, zero: 0n, a: -(2n ** 62n) - 3n, b: 2n ** 53n + 1n },
  Q: { Array: BigUint64Array, zero: 0n, a: 2n ** 63n + 9n, b: 1n },
  f: { Array: Float32Array, zero: 0, a: 1.5, b: -0.25 },
  d: { Array: Float64Array, zero: 0, a: Math.PI, b: -1e300 },
  c: { Array: Uint8Array, zero: '\0', a: 'x', b: '\xff' },
}
const ALL = Object.keys(CODES)
const INTEGER = ['b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q']
const BIG = ['l', 'L', 'q', 'Q']
/** A value of the wrong JS type for each code. */
const WRONG = { b: 1n, B: '1', h: 1n, H: null, i: 1n, I: '3', l: 1, L: 1, q: 2, Q: '2', f: 1n, d: '1.5', c: 65 }
const isBig = (code) => BIG.includes(code)
const num = (code, n) => (isBig(code) ? BigInt(n) : n)

// ---------------------------------------------------------------- Value, main

test.serial('Value and RawValue: every typecode starts at zero, takes an initial value, and reads back what was set', (t) => {
  t.timeout(T)
  for (const Class of [Value, RawValue]) {
    for (const code of ALL) {
      const { zero, a, b } = CODES[code]
      const zeroed = new Class(code)
      assert.equal(zeroed.value, zero, `new ${Class.name}('${code}').value`)
      assert.equal(zeroed.typecode, code)
      const v = new Class(code, a)
      assert.equal(v.value, a, `new ${Class.name}('${code}', ${String(a)}).value`)
      v.value = b
      assert.equal(v.value, b, `${Class.name}('${code}').value = ${String(b)}`)
      if (isBig(code)) assert.equal(typeof v.value, 'bigint')
      if (code === 'c') assert.equal(typeof v.value, 'string')
    }
  }
})

test.serial("Value 'f' stores a float32: the value read back is the float32 rounding", (t) => {
  t.timeout(T)
  const v = new Value('f', 0.1)
  assert.equal(v.value, Math.fround(0.1))
  const d = new Value('d', 0.1)
  assert.equal(d.value, 0.1)
})

test.serial('Value atomics on every integer code return the previous value, like Atomics', (t) => {
  t.timeout(T)
  for (const code of INTEGER) {
    const v = new Value(code, num(code, 10))
    assert.equal(v.add(num(code, 5)), num(code, 10), `'${code}' add`)
    assert.equal(v.value, num(code, 15))
    assert.equal(v.sub(num(code, 3)), num(code, 15), `'${code}' sub`)
    assert.equal(v.value, num(code, 12))
    assert.equal(v.exchange(num(code, 40)), num(code, 12), `'${code}' exchange`)
    assert.equal(v.value, num(code, 40))
    // compareExchange: stores only when the current value is the expected one.
    assert.equal(v.compareExchange(num(code, 1), num(code, 99)), num(code, 40), `'${code}' compareExchange (miss)`)
    assert.equal(v.value, num(code, 40))
    assert.equal(v.compareExchange(num(code, 40), num(code, 99)), num(code, 40), `'${code}' compareExchange (hit)`)
    assert.equal(v.value, num(code, 99))
    const raw = new RawValue(code, num(code, 1))
    assert.equal(raw.add(num(code, 1)), num(code, 1))
    assert.equal(raw.value, num(code, 2))
  }
})

test.serial("Value atomics on 'f', 'd' and 'c' are a TypeError", (t) => {
  t.timeout(T)
  for (const [code, operand] of [['f', 1], ['d', 1], ['c', 'a']]) {
    const v = new Value(code)
    for (const call of [() => v.add(operand), () => v.sub(operand), () => v.exchange(operand), () => v.compareExchange(operand, operand)]) {
      assert.throws(call, TypeError, `'${code}'`)
    }
  }
})

test.serial('Value atomics with an operand of the wrong type are a TypeError', (t) => {
  t.timeout(T)
  assert.throws(() => new Value('i').add(1n), TypeError)
  assert.throws(() => new Value('i').add(1.5), TypeError)
  assert.throws(() => new Value('q').add(1), TypeError)
  assert.throws(() => new Value('Q').compareExchange(0, 1n), TypeError)
})

test.serial('Value: a value of the wrong type is a TypeError, in the constructor and in the setter', (t) => {
  t.timeout(T)
  for (const code of ALL) {
    assert.throws(() => new Value(code, WRONG[code]), TypeError, `new Value('${code}', ${typeof WRONG[code]})`)
    assert.throws(() => new RawValue(code, WRONG[code]), TypeError, `new RawValue('${code}', ${typeof WRONG[code]})`)
    const v = new Value(code)
    assert.throws(() => { v.value = WRONG[code] }, TypeError, `Value('${code}').value = ${typeof WRONG[code]}`)
    assert.equal(v.value, CODES[code].zero, 'a rejected write changes nothing')
  }
  assert.throws(() => new Value('i', 1.5), TypeError, 'a fraction for an integer code')
  assert.throws(() => new Value('c', 'ab'), TypeError, "'c' takes one character")
  assert.throws(() => new Value('c', ''), TypeError, "'c' takes one character")
})

test.serial('an unknown typecode is a TypeError whose message lists the valid typecodes', (t) => {
  t.timeout(T)
  const attempts = [
    () => new Value('x'),
    () => new RawValue('u'),
    () => new SharedArray('z', 3),
    () => new RawArray('int', 3),
    () => new Value(5),
    () => new SharedArray(undefined, 1),
  ]
  for (const attempt of attempts) {
    assert.throws(attempt, (error) => {
      assert.ok(error instanceof TypeError, `${error}`)
      for (const code of ALL) assert.match(error.message, new RegExp(`\\b${code}\\b`), `message names '${code}': ${error.message}`)
      return true
    })
  }
})

test.serial('Value lock: true (the default) gives an RLock; an explicit Lock/RLock is returned as is; lock: false and RawValue have none', (t) => {
  t.timeout(T)
  const byDefault = new Value('i')
  assert.ok(byDefault.getLock() instanceof RLock)
  assert.equal(byDefault.getLock(), byDefault.getLock(), 'the same lock every time')
  assert.ok(new Value('i', 0, { lock: true }).getLock() instanceof RLock)
  assert.notEqual(new Value('i').getLock(), new Value('i').getLock(), 'each Value has its own lock')

  const lock = new Lock()
  assert.equal(new Value('d', 1, { lock }).getLock(), lock)
  const rlock = new RLock()
  assert.equal(new Value('q', 1n, { lock: rlock }).getLock(), rlock)
  // One lock may guard several values.
  const a = new Value('i', 0, { lock })
  const b = new Value('i', 0, { lock })
  assert.equal(a.getLock(), b.getLock())

  assert.throws(() => new Value('i', 0, { lock: false }).getLock(), Error)
  assert.throws(() => new RawValue('i').getLock(), Error)
  assert.throws(() => new Value('i', 0, { lock: 'yes' }), TypeError)
})

test.serial('Value: the default RLock guards a read-modify-write on the main thread', (t) => {
  t.timeout(T)
  const v = new Value('i', 1)
  const lock = v.getLock()
  lock.acquireSync()
  lock.acquireSync() // reentrant
  v.value += 1
  lock.release()
  lock.release()
  assert.equal(v.value, 2)
  assert.equal(lock.locked(), false)
})

// ---------------------------------------------------------- SharedArray, main

test.serial('SharedArray and RawArray from a size are zero-filled, for every typecode', (t) => {
  t.timeout(T)
  for (const Class of [SharedArray, RawArray]) {
    for (const code of ALL) {
      const { Array: TypedArray, zero } = CODES[code]
      const a = new Class(code, 5)
      assert.equal(a.length, 5)
      assert.equal(a.typecode, code)
      assert.deepEqual(a.toArray(), new Array(5).fill(zero), `${Class.name}('${code}', 5)`)
      for (let i = 0; i < 5; i++) assert.equal(a.get(i), zero)
      assert.ok(a.view instanceof TypedArray, `view of '${code}' is a ${TypedArray.name}`)
      assert.equal(a.view.length, 5)
    }
  }
  assert.equal(new SharedArray('i', 0).length, 0)
  assert.deepEqual(new RawArray('d', 0).toArray(), [])
})

test.serial('SharedArray and RawArray from an initializer hold its values, for every typecode', (t) => {
  t.timeout(T)
  for (const Class of [SharedArray, RawArray]) {
    for (const code of ALL) {
      const { a, b, zero } = CODES[code]
      const values = [a, b, zero, b]
      const arr = new Class(code, values)
      assert.equal(arr.length, 4)
      assert.deepEqual(arr.toArray(), values, `${Class.name}('${code}', [...])`)
      assert.equal(arr.get(0), a)
      assert.equal(arr.get(1), b)
      // Any iterable will do.
      const fromSet = new Class(code, new Set([a, b]))
      assert.deepEqual(fromSet.toArray(), [a, b])
      const fromGenerator = new Class(code, (function* () { yield b; yield a })())
      assert.deepEqual(fromGenerator.toArray(), [b, a])
    }
  }
  assert.deepEqual(new SharedArray('c', 'hello').toArray(), ['h', 'e', 'l', 'l', 'o'], "'c' from a string")
  assert.deepEqual([...new SharedArray('c', 'hi').view], [104, 105], "'c' stores bytes")
})

test.serial('SharedArray get/set/toArray and view are the same memory (both directions)', (t) => {
  t.timeout(T)
  for (const code of ALL) {
    const { a, b } = CODES[code]
    const arr = new SharedArray(code, 3)
    arr.set(1, a)
    assert.equal(arr.get(1), a)
    const stored = code === 'c' ? a.charCodeAt(0) : a
    assert.equal(arr.view[1], stored, `set is seen through view ('${code}')`)
    arr.view[2] = code === 'c' ? b.charCodeAt(0) : b
    assert.equal(arr.get(2), b, `a write through view is seen by get ('${code}')`)
    assert.deepEqual(arr.toArray(), [CODES[code].zero, a, b])
  }
  // toArray is a copy: changing it does not write back.
  const arr = new SharedArray('i', [1, 2, 3])
  const copy = arr.toArray()
  copy[0] = 100
  assert.equal(arr.get(0), 1)
  assert.ok(Array.isArray(copy))
})

test.serial('SharedArray indexes like Python: negative from the end, out of range is a RangeError', (t) => {
  t.timeout(T)
  for (const Class of [SharedArray, RawArray]) {
    const arr = new Class('i', [10, 20, 30])
    assert.equal(arr.get(-1), 30)
    assert.equal(arr.get(-3), 10)
    arr.set(-2, 99)
    assert.equal(arr.get(1), 99)
    for (const index of [3, -4, 100, -100]) {
      assert.throws(() => arr.get(index), RangeError, `get(${index})`)
      assert.throws(() => arr.set(index, 1), RangeError, `set(${index})`)
    }
    assert.throws(() => new Class('i', 0).get(0), RangeError, 'get(0) of an empty array')
    assert.deepEqual(arr.toArray(), [10, 99, 30], 'failed writes changed nothing')
  }
})

test.serial('SharedArray: a value of the wrong type is a TypeError, in set and in the initializer', (t) => {
  t.timeout(T)
  for (const code of ALL) {
    const arr = new SharedArray(code, 2)
    assert.throws(() => arr.set(0, WRONG[code]), TypeError, `SharedArray('${code}').set(0, ${typeof WRONG[code]})`)
    assert.equal(arr.get(0), CODES[code].zero)
    assert.throws(() => new SharedArray(code, [CODES[code].a, WRONG[code]]), TypeError, `initializer for '${code}'`)
    assert.throws(() => new RawArray(code, [WRONG[code]]), TypeError, `RawArray initializer for '${code}'`)
  }
  assert.throws(() => new SharedArray('i', 'abc'), TypeError, 'a string initializer only fits typecode c')
  assert.throws(() => new SharedArray('i', -1), RangeError, 'a negative size')
  assert.throws(() => new SharedArray('i', {}), TypeError, 'neither a size nor an iterable')
})

test.serial('SharedArray lock: true gives an RLock; an explicit lock is returned as is; lock: false and RawArray have none', (t) => {
  t.timeout(T)
  assert.ok(new SharedArray('i', 1).getLock() instanceof RLock)
  assert.ok(new SharedArray('i', 1, { lock: true }).getLock() instanceof RLock)
  const lock = new Lock()
  assert.equal(new SharedArray('i', 1, { lock }).getLock(), lock)
  const rlock = new RLock()
  assert.equal(new SharedArray('d', [1], { lock: rlock }).getLock(), rlock)
  assert.throws(() => new SharedArray('i', 1, { lock: false }).getLock(), Error)
  assert.throws(() => new RawArray('i', 1).getLock(), Error)
})

// ----------------------------------------------------------- inside workers

test.serial('in a worker, Values of every typecode (nested in objects and arrays) are live: reads, writes and atomics', async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const values = Object.fromEntries(ALL.map((code) => [code, new Value(code, CODES[code].a)]))
    const raws = ALL.map((code) => new RawValue(code, CODES[code].a))
    const news = Object.fromEntries(ALL.map((code) => [code, CODES[code].b]))
    const report = await pool.apply(
      (box, news) => {
        const out = {}
        for (const [code, v] of Object.entries(box.deep.values)) {
          const raw = box.list.find((r) => r.typecode === code)
          out[code] = { seen: v.value, rawSeen: raw.value, kind: v.constructor.name, rawKind: raw.constructor.name, lock: v.getLock().constructor.name }
          v.value = news[code]
          raw.value = news[code]
          let rawLock = 'none'
          try { raw.getLock(); rawLock = 'present' } catch { }
          out[code].rawLock = rawLock
        }
        return out
      },
      [{ deep: { values }, list: [raws] .flat() }, news],
    )
    for (const code of ALL) {
      assert.deepEqual(
        report[code],
        { seen: CODES[code].a, rawSeen: CODES[code].a, kind: 'Value', rawKind: 'RawValue', lock: 'RLock', rawLock: 'none' },
        `worker view of '${code}'`,
      )
      assert.equal(values[code].value, CODES[code].b, `main sees the worker's write to Value('${code}')`)
      assert.equal(raws[ALL.indexOf(code)].value, CODES[code].b, `main sees the worker's write to RawValue('${code}')`)
    }

    // Atomics in the worker, and their type errors.
    const ints = INTEGER.map((code) => new Value(code, num(code, 7)))
    const floats = ['f', 'd', 'c'].map((code) => new Value(code))
    const atomics = await pool.apply(
      (ints, floats) => {
        const previous = ints.map((v) => {
          const n = (x) => (typeof v.value === 'bigint' ? BigInt(x) : x)
          return [v.add(n(1)), v.sub(n(2)), v.exchange(n(50)), v.compareExchange(n(50), n(60))]
        })
        const errors = floats.map((v) => {
          try { v.add(1); return 'no error' } catch (e) { return e.name }
        })
        return { previous, errors }
      },
      [ints, floats],
    )
    INTEGER.forEach((code, i) => {
      assert.deepEqual(atomics.previous[i], [num(code, 7), num(code, 8), num(code, 6), num(code, 50)], `previous values for '${code}'`)
      assert.equal(ints[i].value, num(code, 60), `main sees the worker's atomics on '${code}'`)
    })
    assert.deepEqual(atomics.errors, ['TypeError', 'TypeError', 'TypeError'])
  })
})

test.serial('in a worker, SharedArrays and RawArrays of every typecode are live: get/set/length/toArray/view, both directions', async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const arrays = ALL.map((code) => new SharedArray(code, [CODES[code].a, CODES[code].zero, CODES[code].zero]))
    const raws = ALL.map((code) => new RawArray(code, 3))
    const report = await pool.apply(
      ({ arrays }, [[raws]], news) => {
        const out = []
        arrays.forEach((arr, i) => {
          const code = arr.typecode
          const raw = raws[i]
          const entry = {
            code,
            kind: arr.constructor.name,
            rawKind: raw.constructor.name,
            length: arr.length,
            first: arr.get(0),
            last: arr.get(-3),
            all: arr.toArray(),
            viewType: arr.view.constructor.name,
            viewLength: arr.view.length,
            rawLength: raw.length,
          }
          arr.set(1, news[code])
          raw.set(-1, news[code])
          // A write through the worker's view.
          arr.view[2] = code === 'c' ? news[code].charCodeAt(0) : news[code]
          let outOfRange = 'none'
          try { arr.get(3) } catch (e) { outOfRange = e.name }
          let wrongType = 'none'
          try { arr.set(0, Symbol.iterator) } catch (e) { wrongType = e.name }
          let rawLock = 'none'
          try { raw.getLock(); rawLock = 'present' } catch { }
          Object.assign(entry, { outOfRange, wrongType, rawLock, lock: arr.getLock().constructor.name })
          out.push(entry)
        })
        return out
      },
      [{ arrays }, [[raws]], Object.fromEntries(ALL.map((code) => [code, CODES[code].b]))],
    )
    ALL.forEach((code, i) => {
      const { a, b, zero, Array: TypedArray } = CODES[code]
      assert.deepEqual(
        report[i],
        {
          code, kind: 'SharedArray', rawKind: 'RawArray', length: 3, first: a, last: a, all: [a, zero, zero],
          viewType: TypedArray.name, viewLength: 3, rawLength: 3,
          outOfRange: 'RangeError', wrongType: 'TypeError', rawLock: 'none', lock: 'RLock',
        },
        `worker view of SharedArray('${code}')`,
      )
      assert.deepEqual(arrays[i].toArray(), [a, b, b], `main sees the worker's set and view write ('${code}')`)
      assert.deepEqual(raws[i].toArray(), [zero, zero, b], `main sees the worker's RawArray write ('${code}')`)
    })
  })
})

test.serial("a write through the main thread's view is seen by a worker, and a worker's view write by the main thread", async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const arr = new SharedArray('i', 4)
    const raw = new RawArray('d', 2)
    // The worker keeps its handles between tasks (pool of one worker).
    await pool.apply((arr, raw) => { globalThis.__kept = { arr, raw } }, [arr, raw])
    for (let round = 1; round <= 5; round++) {
      arr.view[0] = round
      raw.view[0] = round / 2
      const seen = await pool.apply(() => {
        const { arr, raw } = globalThis.__kept
        const seen = [arr.view[0], arr.get(0), raw.view[0]]
        arr.view[1] = arr.view[0] * 10
        Atomics.add(arr.view, 2, 1)
        raw.view[1] = raw.view[0] * 3
        return seen
      })
      assert.deepEqual(seen, [round, round, round / 2], `round ${round}: the worker sees the main thread's view writes`)
      assert.equal(arr.get(1), round * 10)
      assert.equal(arr.view[2], round)
      assert.equal(raw.get(1), (round / 2) * 3)
    }
    await pool.apply(() => { delete globalThis.__kept })
  })
})

// Reads are plain loads (src/shared_memory/value.ts): this fails, or runs out of
// its bound, if the JIT kept a read out of the waiting loop.
test.serial('a loop waiting on value / get() sees a write made by another thread meanwhile', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    for (const code of ['i', 'B', 'd', 'q', 'c']) {
      const { b } = CODES[code]
      const v = new RawValue(code)
      const arr = new RawArray(code, 2)
      const started = new RawValue('i', 0)
      const written = pool.apply((v, arr, started, b) => {
        const pause = (ms) => { const until = Date.now() + ms; while (Date.now() < until); }
        while (started.add(0) === 0);
        pause(20)
        v.value = b
        pause(20)
        arr.set(1, b)
      }, [v, arr, started, b])
      await new Promise((resolve) => setTimeout(resolve, 20))
      started.value = 1
      let spins = 0
      // No calls in the loops: nothing there forces the read to be done again.
      while (v.value === CODES[code].zero && spins < 3e9) spins++
      assert.equal(v.value, b, `'${code}': the waiting loop saw the write (after ${spins} spins)`)
      spins = 0
      while (arr.get(1) === CODES[code].zero && spins < 3e9) spins++
      assert.equal(arr.get(1), b, `'${code}': the loop waiting on get() saw the write`)
      await written
    }
  })
})

test.serial('the explicit lock shared by a Value and a task argument is one lock in the worker', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const lock = new Lock()
    const v = new Value('i', 0, { lock })
    const arr = new SharedArray('i', 2, { lock })
    const seen = await pool.apply(
      ({ v, arr, lock }) => {
        lock.acquireSync()
        const out = {
          valueLockHeld: v.getLock().locked(),
          arrayLockHeld: arr.getLock().locked(),
          valueLockFree: v.getLock().acquireSync({ block: false }),
          kind: v.getLock().constructor.name,
        }
        v.getLock().release() // any thread, any handle may release a Lock
        out.afterRelease = lock.locked()
        arr.getLock().acquireSync()
        return out
      },
      [{ v, arr, lock }],
    )
    assert.deepEqual(seen, { valueLockHeld: true, arrayLockHeld: true, valueLockFree: false, kind: 'Lock', afterRelease: false })
    assert.equal(lock.locked(), true, 'the worker left the shared lock held')
    lock.release()
    assert.equal(v.getLock().locked(), false)
  })
})

// ------------------------------------------------------ exact counts

test.serial("2 workers x 10k locked 'v.value += 1' give exactly 20000 (and add(1) is exact without a lock)", async (t) => {
  t.timeout(120000)
  await withPool(2, async (pool) => {
    const v = new Value('i', 0)
    const counter = new Value('i', 0)
    const big = new Value('q', 0n)
    const cells = new SharedArray('I', 2)
    const start = new Event()
    const work = (v, counter, big, cells, start, n) => {
      start.waitSync(30000)
      const lock = v.getLock()
      for (let i = 0; i < n; i++) {
        lock.acquireSync()
        v.value += 1
        lock.release()
        counter.add(1)
        big.add(1n)
        cells.getLock().acquireSync()
        cells.set(0, cells.get(0) + 1)
        cells.getLock().release()
        Atomics.add(cells.view, 1, 1)
      }
      return n
    }
    const both = Promise.all([
      pool.apply(work, [v, counter, big, cells, start, 10000]),
      pool.apply(work, [v, counter, big, cells, start, 10000]),
    ])
    start.set()
    assert.deepEqual(await both, [10000, 10000])
    assert.equal(v.value, 20000)
    assert.equal(counter.value, 20000)
    assert.equal(big.value, 20000n)
    assert.deepEqual(cells.toArray(), [20000, 20000])
  })
})

test.serial('workers and the main thread increment together under the lock and with add(): exact totals', async (t) => {
  t.timeout(120000)
  await withPool(2, async (pool) => {
    const v = new Value('i', 0)
    const atomic = new Value('Q', 0n, { lock: false })
    const work = async (v, atomic, n) => {
      for (let i = 0; i < n; i++) {
        if (i % 2 === 0) {
          v.getLock().acquireSync()
          v.value += 1
          v.getLock().release()
        } else {
          // The async form, in a worker.
          await v.getLock().acquire()
          v.value += 1
          v.getLock().release()
        }
        atomic.add(1n)
      }
      return n
    }
    const workers = Promise.all([pool.apply(work, [v, atomic, 5000]), pool.apply(work, [v, atomic, 5000])])
    for (let i = 0; i < 2000; i++) {
      await v.getLock().withLock(() => { v.value += 1 })
      atomic.add(1n)
    }
    await workers
    assert.equal(v.value, 12000)
    assert.equal(atomic.value, 12000n)
  })
})
