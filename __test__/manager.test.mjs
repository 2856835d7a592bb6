// Manager (contract: "Manager", "Conventions", "Shared objects travel"):
// dict, list and namespace proxies and the manager's shared kinds, on the main
// thread and inside pool workers, where a proxy passed as a task argument
// (nested in plain objects/arrays too) is a live handle to the same object.
// Every operation is atomic; a value read out of a proxy is a copy.
import test from 'node:test'
import assert from 'node:assert/strict'
import * as mp from '../index.mjs'
import { PKG, withPool } from './helpers.mjs'

const { Manager, DictProxy, ListProxy } = mp
const T = { timeout: 60000 }

/** Runs `body` with a fresh manager and always shuts it down. */
async function withManager(body) {
  const manager = new Manager()
  try {
    return await body(manager)
  } finally {
    await manager.shutdown()
  }
}

const isShutDown = (error) => error instanceof Error && /shut ?down|manager/i.test(error.message)

// =================================================================== dict

test('dict: get set delete has keys values entries size update toObject clear', T, async () => {
  await withManager(async (manager) => {
    const d = manager.dict()
    assert.ok(d instanceof DictProxy)
    assert.equal(d.size, 0)
    assert.equal(d.get('missing'), undefined)
    assert.equal(d.has('missing'), false)
    assert.equal(d.delete('missing'), false)
    d.set('a', 1)
    d.set('b', { nested: [1, 2] })
    d.set('c', null)
    assert.equal(d.size, 3)
    assert.equal(typeof Object.getOwnPropertyDescriptor(DictProxy.prototype, 'size').get, 'function', 'size is a getter, as on Map')
    assert.equal(d.get('a'), 1)
    assert.deepEqual(d.get('b'), { nested: [1, 2] })
    assert.equal(d.get('c'), null)
    assert.equal(d.has('c'), true, 'a null value is present')
    assert.deepEqual([...d.keys()], ['a', 'b', 'c'])
    assert.deepEqual([...d.values()], [1, { nested: [1, 2] }, null])
    assert.deepEqual([...d.entries()], [['a', 1], ['b', { nested: [1, 2] }], ['c', null]])
    assert.deepEqual(d.toObject(), { a: 1, b: { nested: [1, 2] }, c: null })
    d.set('a', 'replaced')
    assert.equal(d.get('a'), 'replaced')
    assert.deepEqual([...d.keys()], ['a', 'b', 'c'], 'replacing a value keeps its place')
    assert.equal(d.delete('a'), true)
    assert.equal(d.has('a'), false)
    assert.equal(d.get('a'), undefined)
    d.set('a', 'again')
    assert.deepEqual([...d.keys()], ['b', 'c', 'a'], 'a re-added key goes last')
    d.update([['x', 1], ['y', 2]])
    d.update({ z: 3, b: 'b2' })
    d.update(new Map([['m', [4]]]))
    d.update(manager.dict([['from', 'proxy']]))
    assert.deepEqual(d.toObject(), { b: 'b2', c: null, a: 'again', x: 1, y: 2, z: 3, m: [4], from: 'proxy' })
    assert.equal(d.size, 8)
    d.clear()
    assert.equal(d.size, 0)
    assert.deepEqual([...d.keys()], [])
    assert.deepEqual(d.toObject(), {})
  })
})

test('dict: init from pairs, a plain object or a Map', T, async () => {
  await withManager(async (manager) => {
    assert.deepEqual([...manager.dict([[1, 'one'], ['1', 'string one']]).entries()], [[1, 'one'], ['1', 'string one']])
    assert.deepEqual([...manager.dict({ a: 1, b: [2] }).entries()], [['a', 1], ['b', [2]]])
    assert.deepEqual([...manager.dict(new Map([[true, 't'], [null, 'n']])).entries()], [[true, 't'], [null, 'n']])
    assert.equal(manager.dict().size, 0)
  })
})

test('dict: keys are primitives compared as Map keys; d.set(1, "1"), d.set("2", 2), d.set(0.25, null) are three entries', T, async () => {
  await withManager(async (manager) => {
    const d = manager.dict()
    d.set(1, '1')
    d.set('2', 2)
    d.set(0.25, null)
    assert.equal(d.size, 3)
    assert.deepEqual([...d.entries()], [[1, '1'], ['2', 2], [0.25, null]])
    assert.equal(d.get(1), '1')
    assert.equal(d.get('1'), undefined, "1 and '1' are different keys")
    assert.equal(d.get(2), undefined, "'2' and 2 are different keys")
    assert.equal(d.get('2'), 2)
    assert.equal(d.get(0.25), null)
    assert.equal(typeof [...d.keys()][0], 'number', 'keys keep their type')

    const m = new Map()
    const keys = [-0, 0, 10, '10', 10n, true, 'true', false, null, 'null', NaN, Infinity, -Infinity, 1e21, 2 ** 53 + 2, 1 / 3, '', 'ünï code 🌍', -(2n ** 70n)]
    keys.forEach((key, i) => { d.set(key, i); m.set(key, i) })
    assert.equal(d.size, m.size + 3)
    for (const key of keys) assert.equal(d.get(key), m.get(key), `key ${typeof key} ${String(key)}`)
    assert.equal(d.get(-0), d.get(0), '-0 and 0 are the same key')
    d.set(-0, 'minus zero')
    assert.equal(d.get(0), 'minus zero')
    assert.equal(d.has(-0), true)
    assert.equal(d.get(NaN), m.get(NaN), 'NaN is a key equal to itself')
    const keysBack = [...d.keys()].slice(3)
    assert.deepEqual(keysBack, [...m.keys()], 'keys come back as the same primitives, in insertion order')
    assert.ok(keysBack.every((key, i) => Object.is(key, [...m.keys()][i])), 'same values and types (0 for -0)')
    assert.equal(d.delete(-0), true)
    assert.equal(d.has(0), false)
  })
})

test('dict: an object (or other non-primitive) key -> TypeError; nothing changes', T, async () => {
  await withManager(async (manager) => {
    const d = manager.dict({ keep: 1 })
    for (const key of [{}, [1], new Date(0), () => 1, Symbol('s'), undefined, new Map()]) {
      assert.throws(() => d.set(key, 1), TypeError, String(typeof key))
      assert.throws(() => d.get(key), TypeError)
      assert.throws(() => d.has(key), TypeError)
      assert.throws(() => d.delete(key), TypeError)
    }
    assert.throws(() => d.update([[{}, 1]]), TypeError)
    assert.throws(() => manager.dict([[[1], 'x']]), TypeError)
    assert.deepEqual([...d.entries()], [['keep', 1]])
  })
})

test('dict: a non-cloneable value is refused with a TypeError naming its path; update() is all or nothing', T, async () => {
  await withManager(async (manager) => {
    const d = manager.dict({ keep: 1 })
    assert.throws(() => d.set('f', () => 1), TypeError)
    assert.throws(() => d.set('o', { deep: { cb() {} } }), (error) => error instanceof TypeError && /deep\.cb/.test(error.message))
    assert.throws(() => d.set('o', { lock: new mp.Lock(), deep: { cb() {} } }), (error) => error instanceof TypeError && /deep\.cb/.test(error.message), 'with a shared object beside it too')
    assert.throws(() => d.update([['ok', 1], ['bad', Symbol('s')]]), TypeError)
    assert.throws(() => d.update([['lock', new mp.Lock()], ['bad', Symbol('s')]]), TypeError)
    assert.throws(() => d.update({ ok: 1, bad: () => 0 }), TypeError)
    assert.deepEqual([...d.entries()], [['keep', 1]], 'nothing was set')
  })
})

test('dict: a value read out of it is a copy (mutating it does not write back)', T, async () => {
  await withManager(async (manager) => {
    const d = manager.dict()
    const original = { list: [1], inner: { n: 1 } }
    d.set('k', original)
    original.list.push('changed after set')
    assert.deepEqual(d.get('k'), { list: [1], inner: { n: 1 } }, 'set stored a copy')
    const read = d.get('k')
    read.list.push(2)
    read.inner.n = 99
    assert.deepEqual(d.get('k'), { list: [1], inner: { n: 1 } })
    for (const value of d.values()) value.list.push(3)
    for (const [, value] of d.entries()) value.inner.n = 7
    d.toObject().k.list.push(4)
    assert.deepEqual(d.get('k'), { list: [1], inner: { n: 1 } })
    const copy = d.get('k')
    copy.list.push(2)
    d.set('k', copy)
    assert.deepEqual(d.get('k'), { list: [1, 2], inner: { n: 1 } }, 'writing back is explicit')
  })
})

test('dict: values of every structured-clone kind are kept intact', T, async () => {
  await withManager(async (manager) => {
    const d = manager.dict()
    const values = [-0, NaN, 5n, undefined, '', [1, , 3], new Date(3), /r/g, new Map([['a', 1]]), new Set([1]),
      new Uint8Array([1, 2]), new Float64Array([0.5]), new RangeError('r'), { a: { b: [null] } }]
    values.forEach((value, i) => d.set(i, value))
    values.forEach((value, i) => {
      const got = d.get(i)
      assert.deepStrictEqual(got, value, `value ${i}`)
      if (typeof value === 'number') assert.ok(Object.is(got, value))
    })
    assert.equal(d.has(3), true, 'a key whose value is undefined is present')
  })
})

// =================================================================== list

test('list: get set push pop length slice toArray extend insert with negative indexes', T, async () => {
  await withManager(async (manager) => {
    const l = manager.list([10, 20, 30])
    assert.ok(l instanceof ListProxy)
    assert.equal(l.length, 3)
    assert.equal(typeof Object.getOwnPropertyDescriptor(ListProxy.prototype, 'length').get, 'function', 'length is a getter, as on Array')
    assert.equal(l.get(0), 10)
    assert.equal(l.get(2), 30)
    assert.equal(l.get(-1), 30)
    assert.equal(l.get(-3), 10)
    l.set(1, 21)
    l.set(-1, 31)
    assert.deepEqual(l.toArray(), [10, 21, 31])
    assert.equal(l.push(40), 4, 'push returns the new length')
    assert.equal(l.push(50, 60), 6)
    assert.equal(l.extend([70, 80]), 8)
    assert.equal(l.extend(new Set([90])), 9)
    assert.deepEqual(l.toArray(), [10, 21, 31, 40, 50, 60, 70, 80, 90])
    assert.equal(l.pop(), 90, 'pop() takes the last')
    assert.equal(l.pop(0), 10)
    assert.equal(l.pop(-2), 70)
    assert.deepEqual(l.toArray(), [21, 31, 40, 50, 60, 80])
    assert.deepEqual(l.slice(), [21, 31, 40, 50, 60, 80])
    assert.deepEqual(l.slice(1, 3), [31, 40])
    assert.deepEqual(l.slice(-2), [60, 80])
    assert.deepEqual(l.slice(2, -1), [40, 50, 60])
    assert.deepEqual(l.slice(10), [])
    l.insert(0, 'first')
    l.insert(-1, 'before last')
    l.insert(100, 'end')
    l.insert(-100, 'start')
    assert.deepEqual(l.toArray(), ['start', 'first', 21, 31, 40, 50, 60, 'before last', 80, 'end'])
    assert.equal(l.length, 10)
    assert.deepEqual(manager.list().toArray(), [])
    assert.deepEqual(manager.list(new Set(['a', 'b'])).toArray(), ['a', 'b'])
  })
})

test('list: an index out of range -> Error (get, set, pop; pop on an empty list); a non-integer index -> TypeError', T, async () => {
  await withManager(async (manager) => {
    const l = manager.list([1, 2, 3])
    for (const i of [3, -4, 100]) {
      assert.throws(() => l.get(i), (error) => error instanceof Error && /range/i.test(error.message), `get(${i})`)
      assert.throws(() => l.set(i, 0), (error) => error instanceof Error && /range/i.test(error.message), `set(${i})`)
      assert.throws(() => l.pop(i), (error) => error instanceof Error && /range/i.test(error.message), `pop(${i})`)
    }
    assert.throws(() => manager.list().pop(), Error)
    assert.throws(() => manager.list().get(0), Error)
    for (const bad of [1.5, '1', NaN]) assert.throws(() => l.get(bad), TypeError, String(bad))
    assert.deepEqual(l.toArray(), [1, 2, 3], 'nothing changed')
  })
})

test('list: remove index count; remove/index of a missing value -> Error', T, async () => {
  await withManager(async (manager) => {
    const l = manager.list(['a', 1, { o: [1] }, 'b', 1, 'a'])
    assert.equal(l.index('a'), 0)
    assert.equal(l.index(1), 1)
    assert.equal(l.index({ o: [1] }), 2, 'equal values match')
    assert.equal(l.count('a'), 2)
    assert.equal(l.count(1), 2)
    assert.equal(l.count('1'), 0, "1 and '1' differ")
    assert.equal(l.count('missing'), 0)
    l.remove('a')
    assert.deepEqual(l.toArray(), [1, { o: [1] }, 'b', 1, 'a'], 'remove takes the first equal item only')
    l.remove({ o: [1] })
    assert.deepEqual(l.toArray(), [1, 'b', 1, 'a'])
    assert.throws(() => l.remove('missing'), (error) => error instanceof Error && /not in list/i.test(error.message))
    assert.throws(() => l.index('missing'), (error) => error instanceof Error && /not in list/i.test(error.message))
    assert.throws(() => l.index('1'), Error)
    assert.deepEqual(l.toArray(), [1, 'b', 1, 'a'], 'a failed remove changes nothing')
  })
})

test('list: index/count/remove treat 0 and -0 as equal (as Python and Array.prototype.indexOf do)', T, async () => {
  await withManager(async (manager) => {
    const l = manager.list([0, 'x', -0])
    assert.equal(l.index(-0), 0)
    assert.equal(l.index(0), 0)
    assert.equal(l.count(0), 2)
    assert.equal(l.count(-0), 2)
    l.remove(-0)
    assert.equal(l.length, 2)
  })
})

test('list: reverse and sort (numbers by value, strings, reverse, key)', T, async () => {
  await withManager(async (manager) => {
    const l = manager.list(Array.from({ length: 10 }, (_, i) => i))
    l.reverse()
    assert.deepEqual(l.toArray(), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
    const n = manager.list([3, 1, 10, 2, -5, 2.5])
    n.sort()
    assert.deepEqual(n.toArray(), [-5, 1, 2, 2.5, 3, 10], 'numbers sort by value, not as strings')
    n.sort({ reverse: true })
    assert.deepEqual(n.toArray(), [10, 3, 2.5, 2, 1, -5])
    n.sort({ key: (x) => Math.abs(x - 2) })
    assert.deepEqual(n.toArray(), [2, 2.5, 3, 1, -5, 10], 'by key; stable for equal keys (3 and 1)')
    const s = manager.list(['pear', 'apple', 'fig'])
    s.sort()
    assert.deepEqual(s.toArray(), ['apple', 'fig', 'pear'])
    s.sort({ key: (w) => w.length, reverse: true })
    assert.deepEqual(s.toArray(), ['apple', 'pear', 'fig'])
    const o = manager.list([{ n: 2 }, { n: 1 }])
    o.sort({ key: (x) => x.n })
    assert.deepEqual(o.toArray(), [{ n: 1 }, { n: 2 }])
    const b = manager.list([3n, 1n, 2n])
    b.sort()
    assert.deepEqual(b.toArray(), [1n, 2n, 3n])
  })
})

test('list: a value read out of it is a copy; refused values leave it unchanged', T, async () => {
  await withManager(async (manager) => {
    const l = manager.list([{ a: [1] }])
    const read = l.get(0)
    read.a.push(2)
    l.toArray()[0].a.push(3)
    l.slice(0)[0].a.push(4)
    const array = l.toArray()
    array.push('not in the list')
    assert.deepEqual(l.toArray(), [{ a: [1] }])
    assert.equal(l.length, 1)
    assert.throws(() => l.push(() => 1), TypeError)
    assert.throws(() => l.push(1, () => 1), TypeError)
    assert.throws(() => l.extend([1, Symbol('s')]), TypeError)
    assert.throws(() => l.set(0, { f() {} }), TypeError)
    assert.throws(() => l.push(new mp.Event(), () => 1), TypeError)
    assert.deepEqual(l.toArray(), [{ a: [1] }], 'nothing was added')
  })
})

// ============================================================== namespace

test('namespace: property get/set, Object.keys, in, delete; values read are copies', T, async () => {
  await withManager(async (manager) => {
    const ns = manager.namespace({ x: 1 })
    assert.equal(ns.x, 1)
    ns.y = [1, 2]
    ns.z = { deep: true }
    assert.deepEqual(ns.y, [1, 2])
    assert.equal(ns.missing, undefined)
    assert.deepEqual(Object.keys(ns), ['x', 'y', 'z'])
    assert.equal('y' in ns, true)
    assert.equal('missing' in ns, false)
    assert.deepEqual({ ...ns }, { x: 1, y: [1, 2], z: { deep: true } })
    ns.y.push(3)
    assert.deepEqual(ns.y, [1, 2], 'a value read out is a copy')
    ns.x = 'replaced'
    assert.equal(ns.x, 'replaced')
    delete ns.x
    assert.deepEqual(Object.keys(ns), ['y', 'z'])
    assert.throws(() => { ns.f = () => 1 }, TypeError)
    assert.deepEqual(Object.keys(manager.namespace()), [])
  })
})

// ================================================================= kinds

test('manager.Queue()/JoinableQueue()/Lock()/RLock()/Semaphore()/BoundedSemaphore()/Event()/Condition()/Barrier()/Value()/Array() are the top-level kinds', T, async () => {
  await withManager(async (manager) => {
    assert.ok(manager.Queue() instanceof mp.Queue)
    assert.ok(manager.Queue(3) instanceof mp.Queue)
    assert.ok(manager.JoinableQueue() instanceof mp.JoinableQueue)
    assert.ok(manager.Lock() instanceof mp.Lock)
    assert.ok(manager.RLock() instanceof mp.RLock)
    assert.ok(manager.Semaphore(2) instanceof mp.Semaphore)
    assert.ok(manager.BoundedSemaphore(2) instanceof mp.BoundedSemaphore)
    assert.ok(manager.Event() instanceof mp.Event)
    assert.ok(manager.Condition() instanceof mp.Condition)
    assert.ok(manager.Barrier(2) instanceof mp.Barrier)
    const value = manager.Value('i', 7)
    assert.ok(value instanceof mp.Value)
    assert.equal(value.value, 7)
    const array = manager.Array('d', [1.5, 2.5])
    assert.ok(array instanceof mp.SharedArray)
    assert.equal(array.length, 2)
    const q = manager.Queue(1)
    q.putSync('works')
    assert.throws(() => q.putNowait('full'), mp.Full)
    assert.equal(await q.get(), 'works')
    const lock = manager.Lock()
    assert.equal(lock.acquireSync(), true)
    assert.equal(lock.acquireSync({ block: false }), false)
    lock.release()
  })
})

// ================================================================ workers

test("proxies in workers: seeds' example: a task sets d to {1: '1', '2': 2, 0.25: null} and reverses l", T, async () => {
  await withManager(async (manager) => {
    await withPool(1, async (pool) => {
      const d = manager.dict()
      const l = manager.list(Array.from({ length: 10 }, (_, i) => i))
      await pool.apply((d, l) => {
        d.set(1, '1')
        d.set('2', 2)
        d.set(0.25, null)
        l.reverse()
      }, [d, l])
      assert.deepEqual([...d.entries()], [[1, '1'], ['2', 2], [0.25, null]])
      assert.equal(d.size, 3)
      assert.deepEqual(l.toArray(), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
    })
  })
})

test('proxies in workers: passed bare, in objects and arrays they are live DictProxy/ListProxy/namespace handles', T, async () => {
  await withManager(async (manager) => {
    await withPool(2, async (pool) => {
      const d = manager.dict({ from: 'main' })
      const l = manager.list(['main'])
      const ns = manager.namespace({ counter: 1 })
      const seen = await pool.apply(({ d }, [l], { deep: { ns } }, pkg) => {
        const { DictProxy, ListProxy } = require(pkg)
        const out = [d instanceof DictProxy, l instanceof ListProxy, d.get('from'), l.get(0), ns.counter, Object.keys(ns)]
        d.set('from', 'worker')
        d.set(2n, [2])
        l.push('worker')
        l.insert(0, 'zero')
        ns.counter = ns.counter + 1
        ns.added = { by: 'worker' }
        return out
      }, [{ d }, [l], { deep: { ns } }, PKG])
      assert.deepEqual(seen, [true, true, 'main', 'main', 1, ['counter']])
      assert.deepEqual([...d.entries()], [['from', 'worker'], [2n, [2]]])
      assert.deepEqual(l.toArray(), ['zero', 'main', 'worker'])
      assert.equal(ns.counter, 2)
      assert.deepEqual(ns.added, { by: 'worker' })
      assert.deepEqual(Object.keys(ns), ['counter', 'added'])
      // Reads in a worker see main's writes, and values read there are copies too.
      d.set('obj', { n: [1] })
      const copy = await pool.apply((d, l) => {
        const obj = d.get('obj')
        obj.n.push(2)
        const first = l.get(0)
        return [d.get('obj'), obj, first, l.length, d.size]
      }, [d, l])
      assert.deepEqual(copy, [{ n: [1] }, { n: [1, 2] }, 'zero', 3, 3])
      assert.deepEqual(d.get('obj'), { n: [1] })
    })
  })
})

test('proxies in workers: errors raised in a worker cross with their kind (out of range, missing value, object key)', T, async () => {
  await withManager(async (manager) => {
    await withPool(1, async (pool) => {
      const d = manager.dict()
      const l = manager.list([1])
      const names = await pool.apply((d, l) => {
        const out = []
        for (const attempt of [() => l.get(5), () => l.pop(-2), () => l.remove(9), () => l.index(9), () => d.set({}, 1), () => d.set('f', () => 0), () => l.push(Symbol('s'))]) {
          try { attempt(); out.push('no error') } catch (error) { out.push(error.name) }
        }
        return out
      }, [d, l])
      assert.deepEqual(names, ['Error', 'Error', 'Error', 'Error', 'TypeError', 'TypeError', 'TypeError'])
      await assert.rejects(pool.apply((l) => l.get(3), [l]), (error) => error.name === 'Error' && /range/.test(error.message))
      assert.deepEqual(l.toArray(), [1])
      assert.equal(d.size, 0)
    })
  })
})

test('every operation is atomic: 2 workers x 5k l.push(i) -> length 10k exactly, each i twice', T, async () => {
  await withManager(async (manager) => {
    await withPool(2, async (pool) => {
      const l = manager.list()
      const N = 5000
      const push = (l, n) => { for (let i = 0; i < n; i++) l.push(i) }
      await Promise.all([pool.apply(push, [l, N]), pool.apply(push, [l, N])])
      assert.equal(l.length, 2 * N)
      const counts = new Map()
      for (const x of l.toArray()) counts.set(x, (counts.get(x) ?? 0) + 1)
      assert.equal(counts.size, N)
      assert.ok([...counts.values()].every((c) => c === 2))
    })
  })
})

test('every operation is atomic: 2 workers setting distinct keys -> all present; concurrent pops take each item once', T, async () => {
  await withManager(async (manager) => {
    await withPool(2, async (pool) => {
      const d = manager.dict()
      const N = 5000
      const fill = (d, prefix, n) => { for (let i = 0; i < n; i++) d.set(`${prefix}${i}`, i) }
      await Promise.all([pool.apply(fill, [d, 'a', N]), pool.apply(fill, [d, 'b', N]), fill(d, 'c', N)])
      assert.equal(d.size, 3 * N)
      for (const prefix of ['a', 'b', 'c']) {
        for (let i = 0; i < N; i += 97) assert.equal(d.get(`${prefix}${i}`), i)
      }
      const keys = new Set([...d.keys()])
      for (let i = 0; i < N; i++) assert.ok(keys.has(`a${i}`) && keys.has(`b${i}`) && keys.has(`c${i}`), String(i))
      // Number keys from several threads: 1 and '1' stay different there too.
      await Promise.all([pool.apply((d) => { for (let i = 0; i < 100; i++) d.set(i, 'number') }, [d]), pool.apply((d) => { for (let i = 0; i < 100; i++) d.set(String(i), 'string') }, [d])])
      assert.equal(d.get(7), 'number')
      assert.equal(d.get('7'), 'string')

      const l = manager.list(Array.from({ length: 2 * N }, (_, i) => i))
      const drain = (l) => {
        const got = []
        for (;;) {
          try { got.push(l.pop()) } catch { return got }
        }
      }
      const [x, y] = await Promise.all([pool.apply(drain, [l]), pool.apply(drain, [l])])
      assert.equal(l.length, 0)
      assert.equal(x.length + y.length, 2 * N)
      assert.equal(new Set([...x, ...y]).size, 2 * N, 'no item popped twice')
    })
  })
})

test('manager kinds travel to workers as live handles', T, async () => {
  await withManager(async (manager) => {
    await withPool(2, async (pool) => {
      const q = manager.Queue()
      const value = manager.Value('i', 0)
      const lock = manager.Lock()
      const ev = manager.Event()
      const array = manager.Array('i', 3)
      await pool.apply(({ q, value, lock, ev, array }) => {
        q.putSync('from worker')
        lock.acquireSync()
        value.value += 5
        lock.release()
        array.set(1, 9)
        ev.set()
      }, [{ q, value, lock, ev, array }])
      assert.equal(await q.get(), 'from worker')
      assert.equal(value.value, 5)
      assert.equal(ev.isSet(), true)
      assert.equal(array.get(1), 9)
    })
  })
})

// =============================================================== shutdown

test('after await manager.shutdown(), proxy operations throw (main thread and workers) and no new objects are made', T, async () => {
  const manager = new Manager()
  const d = manager.dict({ a: 1 })
  const l = manager.list([1])
  const ns = manager.namespace({ x: 1 })
  assert.equal(d.get('a'), 1)
  await withPool(1, async (pool) => {
    assert.equal(await pool.apply((d) => d.get('a'), [d]), 1)
    await manager.shutdown()
    for (const op of [() => d.get('a'), () => d.set('b', 2), () => d.size, () => [...d.keys()], () => d.has('a'), () => d.delete('a'), () => d.clear(), () => d.toObject(),
      () => l.length, () => l.get(0), () => l.push(2), () => l.toArray(), () => l.pop(), () => l.reverse(),
      () => ns.x, () => { ns.y = 2 }, () => Object.keys(ns)]) {
      assert.throws(op, isShutDown, String(op))
    }
    await assert.rejects(pool.apply((d) => d.get('a'), [d]), (error) => error.name === 'Error' && isShutDown(error))
    await assert.rejects(pool.apply((l) => l.push(1), [l]), (error) => error.name === 'Error')
    await assert.rejects(pool.apply((ns) => ns.x, [ns]), (error) => error.name === 'Error')
  })
  for (const make of [() => manager.dict(), () => manager.list(), () => manager.namespace(), () => manager.Queue(), () => manager.Lock()]) {
    assert.throws(make, isShutDown)
  }
  await manager.shutdown() // a second shutdown is harmless
})

test('Manager supports Symbol.asyncDispose (shuts down)', T, async () => {
  const manager = new Manager()
  const d = manager.dict({ a: 1 })
  await manager[Symbol.asyncDispose]()
  assert.throws(() => d.get('a'), isShutDown)
})
