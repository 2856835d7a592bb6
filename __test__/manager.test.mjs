// Manager (contract: "Manager", "Conventions", "Shared objects travel"):
// dict, list and namespace proxies and the manager's shared kinds, on the main
// thread and inside pool workers, where a proxy passed as a task argument
// (nested in plain objects/arrays too) is a live handle to the same object.
// Every operation is atomic; a value read out of a proxy is a copy.
import test from 'ava'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { setImmediate as nextTurn } from 'node:timers/promises'
import v8 from 'node:v8'
import vm from 'node:vm'
import * as mp from '../index.mjs'
import { PKG, withPool } from './helpers.mjs'

const { Manager, DictProxy, ListProxy } = mp
const T = 60000
const LONG = 120000

// Set before any worker starts (see memory.test.mjs).
v8.setFlagsFromString('--expose-gc')
const gc = globalThis.gc ?? vm.runInNewContext('gc')
const binding = createRequire(import.meta.url)('../binding.js')
const kShare = Symbol.for('multiproc.share')

/** Whether the native object with this id is still alive (any thread may attach to it). */
function alive(id) {
  try { binding.NativeLock.attach(id); return true } catch (error) { return !/no live/.test(error.message) }
}

/** Collects garbage until handles dropped in JS (and their finalizers) are gone. */
async function collect() {
  for (let i = 0; i < 3; i++) {
    gc()
    await nextTurn()
  }
}

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

test.serial('dict: get set delete has keys values entries size update toObject clear', async (t) => {
  t.timeout(T)
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

test.serial('dict: init from pairs, a plain object or a Map', async (t) => {
  t.timeout(T)
  await withManager(async (manager) => {
    assert.deepEqual([...manager.dict([[1, 'one'], ['1', 'string one']]).entries()], [[1, 'one'], ['1', 'string one']])
    assert.deepEqual([...manager.dict({ a: 1, b: [2] }).entries()], [['a', 1], ['b', [2]]])
    assert.deepEqual([...manager.dict(new Map([[true, 't'], [null, 'n']])).entries()], [[true, 't'], [null, 'n']])
    assert.equal(manager.dict().size, 0)
  })
})

test.serial('dict: keys are primitives compared as Map keys; d.set(1, "1"), d.set("2", 2), d.set(0.25, null) are three entries', async (t) => {
  t.timeout(T)
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

test.serial('dict: an object (or other non-primitive) key -> TypeError; nothing changes', async (t) => {
  t.timeout(T)
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

test.serial('dict: a non-cloneable value is refused with a TypeError naming its path; update() is all or nothing', async (t) => {
  t.timeout(T)
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

test.serial('dict: a value read out of it is a copy (mutating it does not write back)', async (t) => {
  t.timeout(T)
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

test.serial('dict: values of every structured-clone kind are kept intact', async (t) => {
  t.timeout(T)
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

test.serial('list: get set push pop length slice toArray extend insert with negative indexes', async (t) => {
  t.timeout(T)
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

test.serial('list: an index out of range -> Error (get, set, pop; pop on an empty list); a non-integer index -> TypeError', async (t) => {
  t.timeout(T)
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

test.serial('list: remove index count; remove/index of a missing value -> Error', async (t) => {
  t.timeout(T)
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

test.serial('list: index/count/remove treat 0 and -0 as equal (as Python and Array.prototype.indexOf do)', async (t) => {
  t.timeout(T)
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

test.serial('list: reverse and sort (numbers by value, strings, reverse, key)', async (t) => {
  t.timeout(T)
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

test.serial('list: a value read out of it is a copy; refused values leave it unchanged', async (t) => {
  t.timeout(T)
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

test.serial('namespace: property get/set, Object.keys, in, delete; values read are copies', async (t) => {
  t.timeout(T)
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

// ================================================= shared objects stored

test.serial('stored: a Lock, Value, Queue, Event, proxies... stored in a dict, list or namespace (nested too) come back live', async (t) => {
  t.timeout(T)
  await withManager(async (manager) => {
    const lock = new mp.Lock()
    const value = new mp.Value('i', 1)
    const q = new mp.Queue()
    const ev = manager.Event()
    const inner = manager.dict({ n: 1 })
    const innerList = manager.list([1])
    const d = manager.dict()
    d.set('lock', lock)
    d.update([['value', value], ['all', { q, ev, nested: [inner, innerList] }]])
    const l = manager.list([lock, { value }])
    const ns = manager.namespace({ q })
    ns.dict = inner

    const lockBack = d.get('lock')
    assert.ok(lockBack instanceof mp.Lock)
    assert.equal(lockBack.acquireSync({ block: false }), true)
    assert.equal(lock.locked(), true, 'the same lock')
    l.get(0).release()
    assert.equal(lock.locked(), false)
    d.get('value').value = 42
    assert.equal(value.value, 42)
    assert.equal(l.get(1).value.value, 42)
    const all = d.get('all')
    all.q.putSync('through the stored queue')
    assert.equal(q.getSync(), 'through the stored queue')
    all.ev.set()
    assert.equal(ev.isSet(), true)
    all.nested[0].set('n', 2)
    assert.equal(inner.get('n'), 2)
    all.nested[1].push(2)
    assert.deepEqual(innerList.toArray(), [1, 2])
    ns.q.putSync('ns')
    assert.equal(q.getSync(), 'ns')
    ns.dict.set('from ns', true)
    assert.equal(inner.get('from ns'), true)
    // A shared object compares by identity.
    assert.equal(l.index(lock), 0)
    assert.equal(l.count(lock), 1)
    assert.equal(l.count(new mp.Lock()), 0)
    l.remove(lock)
    assert.equal(l.length, 1)
    // Read by the other forms too.
    assert.ok([...d.values()][0] instanceof mp.Lock)
    assert.ok(d.toObject().lock instanceof mp.Lock)
    assert.ok(l.toArray()[0].value instanceof mp.Value)
    assert.ok(d.pop('lock') instanceof mp.Lock)
  })
})

test.serial('stored: a stored object lives while stored though every handle was dropped, and is released once overwritten, removed or cleared', async (t) => {
  t.timeout(T)
  await withManager(async (manager) => {
    const d = manager.dict()
    const l = manager.list()
    const store = (put) => {
      const lock = new mp.Lock()
      put(lock)
      return lock[kShare]().ids[0]
    }
    const releases = [
      [(x) => d.set('k', x), () => d.set('k', 'overwritten')],
      [(x) => d.set('k', { deep: [x] }), () => d.delete('k')],
      [(x) => d.set('k', x), () => d.pop('k')],
      [(x) => d.setdefault('k', x), () => d.popitem()],
      [(x) => d.update({ k: x }), () => d.clear()],
      [(x) => l.push(x), () => l.set(0, 'overwritten')],
      [(x) => l.insert(0, x), () => l.pop(0)],
      [(x) => l.extend([1, x]), () => l.clear()],
      [(x) => l.push(x), () => l.remove(l.get(0))],
    ]
    for (const [put, release] of releases) {
      d.clear()
      l.clear()
      const id = store(put)
      await collect()
      assert.equal(alive(id), true, `${put} keeps it alive`)
      release()
      await collect()
      assert.equal(alive(id), false, `${release} releases it`)
    }
    const kept = store((x) => d.set('kept', x))
    await collect()
    await manager.shutdown()
    await collect()
    assert.equal(alive(kept), false, 'shutdown releases what was stored')
  })
})

test.serial('stored in workers and a Process: a Lock a worker made and stored outlives the worker\'s handle; worker, Process and main share what is stored', async (t) => {
  t.timeout(T)
  await withManager(async (manager) => {
    const d = manager.dict()
    const l = manager.list()
    await withPool(2, async (pool) => {
      await pool.apply((d, l, pkg) => {
        const mp = require(pkg)
        d.set('made in a worker', new mp.Lock())
        l.push({ q: new mp.Queue(), v: new mp.Value('i', 7) })
      }, [d, l, PKG])
      // The worker is replaced, so its handles are certainly gone.
      await pool.terminate()
    })
    await collect()
    const lock = d.get('made in a worker')
    assert.equal(lock.acquireSync({ block: false }), true)
    const { q, v } = l.get(0)
    assert.equal(v.value, 7)
    await withPool(2, async (pool) => {
      assert.equal(await pool.apply((d) => d.get('made in a worker').locked(), [d]), true)
      lock.release()
      await pool.apply((l) => { const { q, v } = l.get(0); v.value = 8; q.putSync('from a worker') }, [l])
      assert.equal(v.value, 8)
      assert.equal(q.getSync(), 'from a worker')
    })
    const p = new mp.Process({ target: (l) => { const { q, v } = l.get(0); q.putSync(v.value * 2) }, args: [l] })
    p.start()
    assert.equal(await q.get(30000), 16)
    await p.join()
    assert.equal(p.exitCode, 0)
  })
})

// ======================================== live iteration, pop, setdefault

test.serial('iteration reads the live list and dict: items added during it are seen; removed ones as a Python iterator does', async (t) => {
  t.timeout(T)
  await withManager(async (manager) => {
    const l = manager.list([0, 1, 2, 3])
    const seen = []
    for (const x of l) {
      seen.push(x)
      if (x === 0) l.push(4)
      if (x === 1) l.pop(0) // before the cursor: the rest shift down, so 2 is skipped
    }
    assert.deepEqual(seen, [0, 1, 3, 4])
    assert.deepEqual(l.toArray(), [1, 2, 3, 4])

    const d = manager.dict({ a: 1, b: 2, c: 3, d: 4 })
    const keys = []
    for (const key of d.keys()) {
      keys.push(key)
      if (key === 'a') { d.set('e', 5); d.set('c', 30) }
      if (key === 'b') { d.delete('b'); d.delete('d') } // the current one, and one not yet reached
    }
    assert.deepEqual(keys, ['a', 'b', 'c', 'e'])
    const entries = []
    for (const [key, value] of d) {
      entries.push([key, value])
      if (key === 'a') d.delete('a') // the current one: the next is not skipped
      if (key === 'c') d.set('c', 'set during') // already passed
    }
    assert.deepEqual(entries, [['a', 1], ['c', 30], ['e', 5]])
    const values = []
    for (const value of d.values()) {
      values.push(value)
      if (values.length === 1) d.set('f', 'added')
    }
    assert.deepEqual(values, ['set during', 5, 'added'])

    // A worker iterating sees main's writes made while it iterates.
    await withPool(1, async (pool) => {
      const gate = manager.list([1])
      const stepped = new mp.Event()
      const go = new mp.Event()
      const walked = pool.apply((gate, stepped, go) => {
        const out = []
        for (const x of gate) { out.push(x); if (out.length === 1) { stepped.set(); go.waitSync(30000) } }
        return out
      }, [gate, stepped, go])
      await stepped.wait(30000)
      gate.push(2)
      go.set()
      assert.deepEqual(await walked, [1, 2])
    })
  })
})

test.serial('DictProxy.pop/popitem/setdefault and ListProxy.clear (main thread and workers)', async (t) => {
  t.timeout(T)
  await withManager(async (manager) => {
    const d = manager.dict({ a: 1, b: 2, c: 3 })
    assert.equal(d.pop('a'), 1)
    assert.equal(d.has('a'), false)
    assert.equal(d.pop('a', 'fallback'), 'fallback')
    assert.equal(d.pop('a', undefined), undefined, 'an undefined default is a default')
    assert.throws(() => d.pop('a'), (error) => error.name === 'KeyError' && /'a'|"a"|\ba\b/.test(error.message))
    assert.throws(() => d.pop({}), TypeError)
    d.set('z', 26)
    assert.deepEqual(d.popitem(), ['z', 26], 'the last inserted')
    assert.deepEqual(d.popitem(), ['c', 3])
    assert.equal(d.setdefault('b', 'ignored'), 2)
    assert.equal(d.setdefault('n', 'new'), 'new')
    assert.deepEqual(d.toObject(), { b: 2, n: 'new' })
    const obj = { x: 1 }
    assert.deepEqual(d.setdefault('o', obj), { x: 1 })
    assert.deepEqual(d.setdefault('o', 'other'), { x: 1 })
    d.clear()
    assert.throws(() => d.popitem(), (error) => error.name === 'KeyError' && /empty/.test(error.message))
    const l = manager.list([1, 2, 3])
    l.clear()
    assert.equal(l.length, 0)
    assert.deepEqual(l.toArray(), [])

    await withPool(1, async (pool) => {
      d.update({ k: 'v', last: 'l' })
      l.push(9)
      const inWorker = await pool.apply((d, l) => {
        const out = [d.pop('k'), d.pop('missing', 0), d.popitem(), d.setdefault('w', 'worker')]
        try { d.pop('missing') } catch (error) { out.push(error.name) }
        l.clear()
        return out
      }, [d, l])
      assert.deepEqual(inWorker, ['v', 0, ['last', 'l'], 'worker', 'KeyError'])
      assert.equal(l.length, 0)
      assert.deepEqual(d.toObject(), { w: 'worker' })
      await assert.rejects(pool.apply((d) => d.popitem(), [manager.dict()]), (error) => error.name === 'KeyError')
    })
  })
})

test.serial('setdefault and popitem are atomic (x20): 2 workers and main race on the same keys; each key set once, each entry popped once', async (t) => {
  t.timeout(LONG)
  await withManager(async (manager) => {
    await withPool(2, async (pool) => {
      for (let round = 0; round < 20; round++) {
        const d = manager.dict()
        const racers = [0, 1].map((w) => pool.apply((d, w) => {
          const got = []
          for (let k = 0; k < 200; k++) got.push(d.setdefault(k, w))
          return got
        }, [d, w]))
        const mine = []
        for (let k = 0; k < 200; k++) mine.push(d.setdefault(k, 'main'))
        const [a, b] = await Promise.all(racers)
        for (let k = 0; k < 200; k++) {
          const stored = d.get(k)
          assert.ok(a[k] === stored && b[k] === stored && mine[k] === stored, `round ${round}: key ${k} answered ${a[k]}, ${b[k]}, ${mine[k]}; stored ${stored}`)
        }
        const poppers = [0, 1].map(() => pool.apply((d) => {
          const got = []
          for (;;) {
            try { got.push(d.popitem()[0]) } catch (error) { if (error.name === 'KeyError') return got; throw error }
          }
        }, [d]))
        const popped = []
        for (;;) {
          try { popped.push(d.popitem()[0]) } catch (error) { assert.equal(error.name, 'KeyError'); break }
        }
        const marks = new Map()
        for (const k of [...popped, ...(await Promise.all(poppers)).flat()]) marks.set(k, (marks.get(k) ?? 0) + 1)
        for (let k = 0; k < 200; k++) assert.equal(marks.get(k), 1, `round ${round}: key ${k} popped ${marks.get(k) ?? 0} times`)
        assert.equal(marks.size, 200)
      }
    })
  })
})

// ================================================================= kinds

test.serial('manager.Queue()/JoinableQueue()/Lock()/RLock()/Semaphore()/BoundedSemaphore()/Event()/Condition()/Barrier()/Value()/Array() are the top-level kinds', async (t) => {
  t.timeout(T)
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

test.serial("proxies in workers: seeds' example: a task sets d to {1: '1', '2': 2, 0.25: null} and reverses l", async (t) => {
  t.timeout(T)
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

test.serial('proxies in workers: passed bare, in objects and arrays they are live DictProxy/ListProxy/namespace handles', async (t) => {
  t.timeout(T)
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

test.serial('proxies in workers: errors raised in a worker cross with their kind (out of range, missing value, object key)', async (t) => {
  t.timeout(T)
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

test.serial('every operation is atomic: 2 workers x 5k l.push(i) -> length 10k exactly, each i twice', async (t) => {
  t.timeout(T)
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

test.serial('every operation is atomic: 2 workers setting distinct keys -> all present; concurrent pops take each item once', async (t) => {
  t.timeout(T)
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

test.serial('manager kinds travel to workers as live handles', async (t) => {
  t.timeout(T)
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

test.serial('after await manager.shutdown(), proxy operations throw (main thread and workers) and no new objects are made', async (t) => {
  t.timeout(T)
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

test.serial('Manager supports Symbol.asyncDispose (shuts down)', async (t) => {
  t.timeout(T)
  const manager = new Manager()
  const d = manager.dict({ a: 1 })
  await manager[Symbol.asyncDispose]()
  assert.throws(() => d.get('a'), isShutDown)
})
