// Pipe, Connection and wait() (contract: "Pipe", "Conventions", "Shared objects
// travel"): duplex and one-way pipes on the main thread and between the main
// thread and pool workers, where a Connection passed as a task argument (nested
// in plain objects/arrays too) is a live handle to the same end. Waits end by
// what the user observes (a message, an EOFError/TimeoutError, a promise
// settling), never by how long they took; sleeps only let things settle.
import test from 'ava'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import v8 from 'node:v8'
import {
  Pool, Pipe, Connection, EOFError, TimeoutError, Event, Lock, Queue, JoinableQueue, SimpleQueue, Value, Manager,
  Process, task, wait,
} from '../index.mjs'
import { PKG, assertExited, childScripts, settled, withPool } from './helpers.mjs'

const T = 60000


const isEOF = (error) => error instanceof EOFError && error.name === 'EOFError'
const isTimeout = (error) => error instanceof TimeoutError && error.name === 'TimeoutError'
const wrongDirection = (error) => error instanceof Error && !(error instanceof TypeError) && /cannot (send|receive)|read|writ/i.test(error.message)

/** Deterministic pseudo-random bytes. */
function bytes(length, seed) {
  const out = Buffer.allocUnsafe(length)
  let x = seed * 2654435761 >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

// ============================================================ main thread

test.serial('Pipe(): two duplex Connections; each end sends to and receives from the other', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  for (const end of [a, b]) {
    assert.ok(end instanceof Connection)
    assert.deepEqual([end.readable, end.writable, end.closed], [true, true, false])
  }
  assert.equal(a.send({ hello: 'b' }), undefined)
  b.send(['hello', 'a'])
  assert.deepEqual(await b.recv(), { hello: 'b' })
  assert.deepEqual(a.recvSync(), ['hello', 'a'])
  for (let i = 0; i < 100; i++) a.send(i)
  for (let i = 0; i < 100; i++) assert.equal(i % 2 ? b.recvSync() : await b.recv(), i, 'FIFO order')
  const [c, d] = Pipe(true)
  c.send('explicit duplex')
  assert.equal(await d.recv(), 'explicit duplex')
})

test.serial('Pipe(false): [reader, writer]; using an end in the wrong direction -> Error', async (t) => {
  t.timeout(T)
  const [reader, writer] = Pipe(false)
  assert.deepEqual([reader.readable, reader.writable], [true, false])
  assert.deepEqual([writer.readable, writer.writable], [false, true])
  writer.send('one way')
  assert.equal(await reader.recv(), 'one way')
  assert.throws(() => reader.send(1), wrongDirection)
  assert.throws(() => reader.sendBytes(Buffer.from('x')), wrongDirection)
  await assert.rejects(writer.recv(), wrongDirection)
  await assert.rejects(writer.recvBytes(), wrongDirection)
  assert.throws(() => writer.recvSync(), wrongDirection)
  assert.throws(() => writer.recvSync({ timeout: 0 }), wrongDirection)
  assert.throws(() => writer.pollSync(), wrongDirection)
  await assert.rejects(writer.poll(), wrongDirection)
  assert.equal(reader.pollSync(), false, 'the refused sends sent nothing')
  assert.throws(() => Pipe('no'), TypeError)
})

test.serial('Connection: recvSync({ timeout }) past its timeout throws TimeoutError; a message already there is returned', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  assert.throws(() => b.recvSync({ timeout: 0 }), isTimeout)
  assert.throws(() => b.recvSync({ timeout: 30 }), isTimeout)
  a.send('there')
  assert.equal(b.recvSync({ timeout: 0 }), 'there')
  a.send('there too')
  assert.equal(b.recvSync({ timeout: 30 }), 'there too')
  assert.throws(() => b.recvSync({ timeout: -1 }), RangeError)
})

test.serial('Connection: poll/pollSync say whether a message is waiting, without taking it; poll(timeout) waits for one', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  assert.equal(b.pollSync(), false)
  assert.equal(b.pollSync(0), false)
  assert.equal(b.pollSync(30), false)
  assert.equal(await b.poll(), false)
  assert.equal(await b.poll(30), false)
  a.send('m')
  assert.equal(b.pollSync(), true)
  assert.equal(await b.poll(), true)
  assert.equal(b.pollSync(30), true)
  assert.equal(await b.recv(), 'm', 'poll did not take the message')
  assert.equal(b.pollSync(), false)
  const polling = b.poll(30000)
  assert.equal(await settled(polling), false)
  a.send('late')
  assert.equal(await polling, true)
  assert.equal(await b.recv(), 'late')
  assert.throws(() => b.pollSync(-1), RangeError)
  await assert.rejects(b.poll(-1), RangeError)
})

test.serial('Connection: a pending recv() resolves with the next message', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  const first = b.recv()
  assert.equal(await settled(first), false)
  a.send({ n: 1 })
  assert.deepEqual(await first, { n: 1 })
  const bytesPending = b.recvBytes()
  a.sendBytes(Buffer.from('raw'))
  assert.deepEqual(await bytesPending, Buffer.from('raw'))
})

test.serial('Connection: sendBytes(buf, offset, size) / recvBytes; bad offset or size -> RangeError, nothing sent', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  const text = Buffer.from('hello world')
  a.sendBytes(text)
  a.sendBytes(text, 6)
  a.sendBytes(text, 0, 5)
  a.sendBytes(text, 4, 3)
  a.sendBytes(text, 11)
  a.sendBytes(new Uint8Array([1, 2, 3, 4]), 1, 2)
  a.sendBytes(new Float64Array([1.5]))
  a.sendBytes(new Uint16Array([0x0102, 0x0304]).subarray(1))
  a.sendBytes(new ArrayBuffer(3))
  a.sendBytes(new DataView(new Uint8Array([7, 8, 9]).buffer, 1, 2))
  const got = []
  for (let i = 0; i < 10; i++) got.push(await b.recvBytes())
  for (const buf of got) assert.ok(Buffer.isBuffer(buf))
  assert.deepEqual(got.map((buf) => [...buf]), [
    [...text], [...Buffer.from('world')], [...Buffer.from('hello')], [...Buffer.from('o w')], [], [2, 3],
    [...Buffer.from(new Float64Array([1.5]).buffer)], [...Buffer.from(new Uint16Array([0x0304]).buffer)], [0, 0, 0], [8, 9],
  ])
  const buf = Buffer.alloc(4)
  for (const [offset, size] of [[-1, undefined], [5, undefined], [1.5, undefined], [0, 5], [2, 3], [0, -1], [0, 1.5], [NaN, undefined], [0, NaN]]) {
    assert.throws(() => a.sendBytes(buf, offset, size), RangeError, `offset ${offset} size ${size}`)
  }
  assert.throws(() => a.sendBytes('not bytes'), TypeError)
  assert.throws(() => a.sendBytes([1, 2]), TypeError)
  assert.equal(b.pollSync(), false, 'nothing was sent by the refused calls')
})

test.serial('Connection: messages are never merged or split; empty messages are messages', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  const sizes = [0, 1, 0, 7, 4096, 0, 65536, 3, 1 << 20, 0, 12]
  sizes.forEach((size, i) => a.sendBytes(bytes(size, i + 1)))
  a.send('')
  a.send([])
  a.send({})
  a.send(null)
  a.send(undefined)
  a.send(new Uint8Array(0))
  a.sendBytes(Buffer.alloc(0))
  for (let i = 0; i < sizes.length; i++) {
    const got = await b.recvBytes()
    assert.equal(got.length, sizes[i], `message ${i}`)
    assert.ok(got.equals(bytes(sizes[i], i + 1)), `message ${i} content`)
  }
  assert.equal(await b.recv(), '')
  assert.deepEqual(b.recvSync(), [])
  assert.deepEqual(await b.recv(), {})
  assert.equal(await b.recv(), null)
  assert.equal(b.pollSync(), true, 'undefined is a message')
  assert.equal(await b.recv(), undefined)
  assert.deepEqual(await b.recv(), new Uint8Array(0))
  assert.equal(b.pollSync(), true, 'an empty byte message is a message')
  assert.equal((await b.recvBytes()).length, 0)
  assert.equal(b.pollSync(), false)
})

test.serial('Connection: values of every structured-clone kind arrive intact', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  const circular = { c: 1 }
  circular.self = circular
  const values = [0, -0, NaN, -Infinity, 2 ** 60, 5n, true, null, undefined, 'ünï', { a: [1, { b: 2 }] }, [1, , 3],
    new Date(1), /x+/y, new Map([[{ k: 1 }, 'v']]), new Set(['s']), new ArrayBuffer(2), new Int16Array([-2, 3]),
    new BigUint64Array([2n ** 63n]), new TypeError('t'), circular]
  for (const value of values) a.send(value)
  for (const value of values) {
    const got = await b.recv()
    assert.deepStrictEqual(got, value)
    if (typeof value === 'number') assert.ok(Object.is(got, value))
  }
})

test.serial('Connection: 16 MiB messages (bytes and a typed array) work', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  const big = bytes(16 * 1024 * 1024, 99)
  a.sendBytes(big)
  a.send(new Float64Array(2 * 1024 * 1024).fill(0.5))
  a.send('s'.repeat(16 * 1024 * 1024))
  const got = await b.recvBytes()
  assert.equal(got.length, 16 * 1024 * 1024)
  assert.ok(got.equals(big))
  const floats = await b.recv()
  assert.ok(floats instanceof Float64Array)
  assert.equal(floats.byteLength, 16 * 1024 * 1024)
  assert.equal(floats[floats.length - 1], 0.5)
  const text = b.recvSync()
  assert.equal(text.length, 16 * 1024 * 1024)
})

test.serial('Connection: a non-cloneable value or a shared object is refused at send with a TypeError; nothing is sent', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  class Thing { method() {} }
  assert.throws(() => a.send({ cb: () => 1 }), (error) => error instanceof TypeError && /\.cb\b/.test(error.message))
  assert.throws(() => a.send([0, { t: new Thing() }]), (error) => error instanceof TypeError && /\[1\]\.t\b.*Thing/.test(error.message))
  assert.throws(() => a.send(Symbol('s')), TypeError)
  const manager = new Manager()
  try {
    const [other] = Pipe()
    for (const shared of [new Lock(), new Queue(), new Value('d', 1), other, manager.dict(), manager.namespace()]) {
      assert.throws(() => a.send(shared), TypeError)
      assert.throws(() => a.send({ nested: [shared] }), TypeError, 'nested in a plain object/array')
    }
  } finally {
    await manager.shutdown()
  }
  assert.equal(b.pollSync(), false, 'nothing was sent')
})

test.serial('Connection: close(): closed; the other end receives what was sent before, then EOFError; poll says true at EOF', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  a.send('first')
  a.sendBytes(Buffer.from('second'))
  a.send('')
  a.close()
  assert.equal(a.closed, true)
  assert.equal(b.closed, false)
  assert.deepEqual([a.readable, a.writable], [true, true], 'direction flags are kept')
  a.close() // closing twice is harmless
  assert.equal(b.pollSync(), true)
  assert.equal(await b.recv(), 'first')
  assert.deepEqual(b.recvBytesSync(), Buffer.from('second'))
  assert.equal(await b.recv(), '')
  assert.equal(b.pollSync(), true, 'recv would not block: it throws EOFError')
  assert.equal(await b.poll(), true)
  await assert.rejects(b.recv(), isEOF)
  await assert.rejects(b.recvBytes(), isEOF)
  assert.throws(() => b.recvSync(), isEOF)
  assert.throws(() => b.recvSync({ timeout: 0 }), isEOF)
  assert.throws(() => b.send('to nobody'), (error) => error instanceof Error, 'sending to a closed end fails')
  // The closed end itself cannot be used.
  assert.throws(() => a.send('x'), Error)
  assert.throws(() => a.sendBytes(Buffer.from('x')), Error)
  await assert.rejects(a.recv(), Error)
  assert.throws(() => a.recvSync(), Error)
  assert.throws(() => a.pollSync(), Error)
})

test.serial('Connection: a pending recv()/poll() is released when the other end closes (EOFError / true)', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  const receiving = b.recv()
  receiving.catch(() => {})
  assert.equal(await settled(receiving), false)
  a.close()
  await assert.rejects(receiving, isEOF)

  const [reader, writer] = Pipe(false)
  const polling = reader.poll(30000)
  assert.equal(await settled(polling), false)
  writer.close()
  assert.equal(await polling, true)
  await assert.rejects(reader.recv(), isEOF)
})

// ================================================ send/sendBytes, dispose

const SAMPLES = [0, -0, 7.5, NaN, 2 ** 60, 'text', '', 'ünï', null, undefined, true, 5n, { a: [1, { b: 2 }] }, [],
  new Map([[1, 'one']]), new Set([2]), new Date(3), new Uint8Array([4, 5]), new RangeError('r')]

test.serial('send(obj) is sendBytes(v8.serialize(obj)): recvBytes of a sent object is its serialized bytes; recv of sent bytes deserializes them', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  for (const value of SAMPLES) a.send(value)
  for (const value of SAMPLES) {
    const got = SAMPLES.indexOf(value) % 2 ? b.recvBytesSync() : await b.recvBytes()
    assert.ok(Buffer.isBuffer(got))
    assert.deepEqual([...got], [...v8.serialize(value)], `recvBytes of send(${String(value)})`)
  }
  for (const value of SAMPLES) a.sendBytes(v8.serialize(value))
  for (const value of SAMPLES) {
    const got = SAMPLES.indexOf(value) % 2 ? b.recvSync() : await b.recv()
    assert.deepStrictEqual(got, value)
    if (typeof value === 'number') assert.ok(Object.is(got, value), `${value} exactly`)
  }
  // A relay that only moves bytes passes objects through unchanged.
  const [c, d] = Pipe()
  for (const value of SAMPLES) a.send(value)
  for (let i = 0; i < SAMPLES.length; i++) c.sendBytes(await b.recvBytes())
  for (const value of SAMPLES) assert.deepStrictEqual(await d.recv(), value)
  a.sendBytes(Buffer.from('not a serialized value'))
  await assert.rejects(b.recv(), Error, 'bytes that are not a serialized value cannot be recv()d as one')
})

test.serial('Connection[Symbol.dispose]() closes the handle: the other end then gets EOFError', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  assert.equal(typeof a[Symbol.dispose], 'function')
  a.send('before')
  a[Symbol.dispose]()
  assert.equal(a.closed, true)
  assert.equal(await b.recv(), 'before')
  await assert.rejects(b.recv(), isEOF)
  a[Symbol.dispose]() // harmless twice
})

test.serial('Connection: a poller woken by a message passes the wake on, so a receiver waiting behind it gets the message', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  for (let i = 0; i < 20; i++) {
    const polling = b.poll(60000)
    const receiving = b.recv()
    a.send(i)
    assert.equal(await polling, true)
    assert.equal(await receiving, i)
  }
})

// ================================================================ wait()

test.serial('wait(): the ready ones among connections and queues, in their order, taking nothing; timeout 0 only looks', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  const [c, d] = Pipe()
  const q = new Queue()
  const jq = new JoinableQueue()
  const sq = new SimpleQueue()
  const all = [b, d, q, jq, sq]
  assert.deepEqual(await wait(all, 0), [])
  assert.deepEqual(await wait(all, { timeout: 0 }), [])
  c.send('to d')
  q.put(1) // a number: through the queue's ring
  sq.put({ o: 1 })
  const ready = await wait(all)
  assert.equal(ready.length, 3)
  assert.ok(ready[0] === d && ready[1] === q && ready[2] === sq, 'd, q, sq in the order given')
  assert.deepEqual(await wait(all, 0), ready, 'nothing was taken')
  assert.equal(await d.recv(), 'to d')
  assert.equal(await q.get(), 1)
  assert.deepEqual(await sq.get(), { o: 1 })
  jq.putSync('j')
  assert.ok((await wait(all, 0))[0] === jq)
  await jq.get()
  a.close()
  assert.ok((await wait(all, 0))[0] === b, 'a connection at end of file is ready: recv would not block')
  q.close()
  const closed = await wait([q], 0)
  assert.ok(closed[0] === q, 'a closed queue is ready: get would not block')
  assert.deepEqual(await wait([], 0), [])
})

test.serial('wait(objects, timeout): resolves with [] once the timeout passes; a pending wait resolves when one becomes ready', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  const q = new Queue()
  assert.deepEqual(await wait([b, q], 30), [])
  const waiting = wait([b, q], 60000)
  assert.equal(await settled(waiting), false)
  q.put({ item: 1 })
  const ready = await waiting
  assert.ok(ready.length === 1 && ready[0] === q)
  const controller = new AbortController()
  const aborted = wait([b], { signal: controller.signal })
  controller.abort(new Error('stop'))
  await assert.rejects(aborted, /stop/)
  a.send('m')
  assert.equal(await b.recv(), 'm')
})

test.serial('wait(): the waits that lose are withdrawn and the winner takes no wake: pending recv()/get() behind them are served', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  const [c, d] = Pipe()
  const q = new Queue()
  for (let i = 0; i < 20; i++) {
    const waiting = wait([b, d, q])
    const receiving = d.recv()
    const getting = q.get()
    a.send(i)
    const ready = await waiting
    assert.ok(ready.length === 1 && ready[0] === b)
    c.send(i)
    q.put({ i })
    assert.equal(await receiving, i)
    assert.deepEqual(await getting, { i })
    assert.equal(await b.recv(), i)
  }
})

test.serial('wait(): bad input -> TypeError naming the index; unusable objects -> Error naming the index', async (t) => {
  t.timeout(T)
  const [reader, writer] = Pipe(false)
  await assert.rejects(wait('b'), (error) => error instanceof TypeError && /array/.test(error.message))
  await assert.rejects(wait([reader, new Queue(), {}]), (error) => error instanceof TypeError && /objects\[2\]/.test(error.message))
  await assert.rejects(wait([reader, 5]), (error) => error instanceof TypeError && /objects\[1\]/.test(error.message))
  await assert.rejects(wait([reader, new Lock()]), (error) => error instanceof TypeError && /objects\[1\].*Lock/.test(error.message))
  await assert.rejects(wait([writer]), (error) => /objects\[0\].*writing end/.test(error.message))
  await assert.rejects(wait([new Process({ target: () => {} })]), (error) => /objects\[0\].*not started/.test(error.message))
  const [closed] = Pipe()
  closed.close()
  await assert.rejects(wait([reader, closed]), (error) => /objects\[1\].*closed/.test(error.message))
  await assert.rejects(wait([reader], -1), RangeError)
})

// ================================================================ workers

test.serial('Connection in workers: ends passed bare, in an object and in an array are live; wrong-direction use fails there too', async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const [reader, writer] = Pipe(false)
    const info = await pool.apply(({ writer }, [again], pkg) => {
      const { Connection } = require(pkg)
      writer.send('from a worker')
      again.sendBytes(Buffer.from('bytes from a worker'))
      let refused
      try { writer.recvSync() } catch (error) { refused = error.name }
      return [writer instanceof Connection, writer.readable, writer.writable, writer.closed, refused]
    }, [{ writer }, [writer], PKG])
    assert.deepEqual(info, [true, false, true, false, 'Error'])
    assert.equal(await reader.recv(), 'from a worker')
    assert.equal((await reader.recvBytes()).toString(), 'bytes from a worker')
    await assert.rejects(pool.apply((reader) => reader.send(1), [reader]), (error) => error.name === 'Error')
    writer.send({ to: 'worker' })
    assert.deepEqual(await pool.apply(async (reader) => [reader.pollSync(), await reader.recv(), reader.pollSync()], [reader]), [true, { to: 'worker' }, false])
  })
})

test.serial('Connection in workers: recvSync({ timeout }) in a worker throws TimeoutError; poll/pollSync there', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const [a, b] = Pipe()
    const seen = await pool.apply(async (b) => {
      const out = []
      try { b.recvSync({ timeout: 20 }) } catch (error) { out.push(error.name) }
      out.push(b.pollSync(20), await b.poll(20))
      return out
    }, [b])
    assert.deepEqual(seen, ['TimeoutError', false, false])
    await assert.rejects(pool.apply((b) => b.recvSync({ timeout: 10 }), [b]), (error) => error.name === 'TimeoutError')
  })
})

test.serial('Connection in workers: a worker blocked in recvSync is released by a send on the main thread, and by close() with EOFError', async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const [a, b] = Pipe()
    // `started` is set just before the wait: each outcome below holds whether
    // or not the worker is already parked when the main thread acts.
    const started = new Event()
    const blocked = pool.apply((b, started) => { started.set(); return b.recvSync() }, [b, started])
    await started.wait()
    a.send({ wake: true })
    assert.deepEqual(await blocked, { wake: true })

    started.clear()
    const polling = pool.apply((b, started) => { started.set(); return b.pollSync(60000) }, [b, started])
    await started.wait()
    a.sendBytes(Buffer.from('x'))
    assert.equal(await polling, true)
    assert.equal((await pool.apply((b) => b.recvBytesSync(), [b])).toString(), 'x')

    started.clear()
    const eof = pool.apply((b, started) => {
      started.set()
      try { return b.recvSync() } catch (error) { return error.name }
    }, [b, started])
    await started.wait()
    a.close()
    assert.equal(await eof, 'EOFError')
  })
})

test.serial('Connection in workers: messages sent by a worker before it closes its end arrive, then EOFError on main', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const [mine, theirs] = Pipe()
    const closing = pool.apply((end) => {
      end.send(1)
      end.send('two')
      end.sendBytes(Buffer.from('three'))
      end.send('')
      end.close()
      return end.closed
    }, [theirs])
    // The main thread's own handle on `theirs` would keep that end open.
    theirs.close()
    assert.equal(await closing, true)
    assert.equal(await mine.recv(), 1)
    assert.equal(mine.recvSync(), 'two')
    assert.equal((await mine.recvBytes()).toString(), 'three')
    assert.equal(await mine.recv(), '')
    await assert.rejects(mine.recv(), isEOF)
    assert.throws(() => mine.send('gone'), Error)
  })
})

test.serial('Connection in workers: a worker echo server over a duplex pipe (sync and async loops)', async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const syncEcho = (conn) => {
      let n = 0
      for (;;) {
        let message
        try { message = conn.recvSync() } catch (error) { return [n, error.name] }
        conn.send(message)
        n++
      }
    }
    const asyncEcho = async ({ conn }) => {
      let n = 0
      for (;;) {
        let message
        try { message = await conn.recv() } catch (error) { return [n, error.name] }
        conn.send(message)
        n++
      }
    }
    for (const [server, wrap] of [[syncEcho, (c) => c], [asyncEcho, (c) => ({ conn: c })]]) {
      const [client, serverEnd] = Pipe()
      const serving = pool.apply(server, [wrap(serverEnd)])
      const messages = [1, 'two', { three: [3] }, new Float64Array([4.5]), '', [], null, -0, 10n, new Map([[1, 2]])]
      for (const message of messages) {
        client.send(message)
        const echoed = await client.recv()
        assert.deepStrictEqual(echoed, message)
      }
      // Many in flight: order kept, nothing merged or split.
      for (let i = 0; i < 1000; i++) client.send({ i, pad: 'x'.repeat(i % 17) })
      for (let i = 0; i < 1000; i++) assert.deepEqual(await client.recv(), { i, pad: 'x'.repeat(i % 17) })
      client.close()
      assert.deepEqual(await serving, [messages.length + 1000, 'EOFError'])
    }
  })
})

test.serial('Connection in workers: byte messages of varied sizes (incl. empty and 16 MiB) cross unmerged and unsplit', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const [reader, writer] = Pipe(false)
    const sizes = [0, 3, 0, 1000, 1 << 16, 0, 16 * 1024 * 1024, 5]
    const sent = await pool.apply((writer, sizes) => {
      sizes.forEach((size, i) => writer.sendBytes(Buffer.alloc(size, i + 1)))
      writer.send(new Uint8Array(16 * 1024 * 1024).fill(7))
      return sizes.length
    }, [writer, sizes])
    assert.equal(sent, sizes.length)
    for (let i = 0; i < sizes.length; i++) {
      const got = await reader.recvBytes()
      assert.equal(got.length, sizes[i], `message ${i}`)
      assert.ok(got.every((x) => x === i + 1), `message ${i} content`)
    }
    const typed = await reader.recv()
    assert.equal(typed.length, 16 * 1024 * 1024)
    assert.equal(typed[typed.length - 1], 7)
    assert.equal(reader.pollSync(), false)
  })
})

test.serial('Connection in workers: sendBytes offset/size errors and non-cloneable sends are refused in the worker', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const [reader, writer] = Pipe(false)
    const names = await pool.apply((writer) => {
      const out = []
      for (const attempt of [() => writer.sendBytes(Buffer.alloc(2), 3), () => writer.sendBytes(Buffer.alloc(2), 0, 3), () => writer.send({ f() {} }), () => writer.send({ w: writer })]) {
        try { attempt() } catch (error) { out.push(error.name) }
      }
      return out
    }, [writer])
    assert.deepEqual(names, ['RangeError', 'RangeError', 'TypeError', 'TypeError'])
    assert.equal(reader.pollSync(), false)
  })
})

test.serial('pool.terminate() stops a worker blocked in recvSync / pollSync; the pipe stays usable', async (t) => {
  t.timeout(T)
  const [a, b] = Pipe()
  const [c, d] = Pipe()
  const started = new Value('i', 0)
  const pool = new Pool(2)
  const calls = [
    pool.apply((b, started) => { started.add(1); return b.recvSync() }, [b, started]),
    pool.apply((d, started) => { started.add(1); return d.pollSync(1e9) }, [d, started]),
  ]
  const outcomes = Promise.allSettled(calls)
  for (let i = 0; started.value < 2; i++) {
    if (i > 6000) assert.fail('the workers did not start')
    await sleep(5)
  }
  await pool.terminate()
  assert.deepEqual((await outcomes).map((r) => r.status), ['rejected', 'rejected'])
  a.send('still works')
  assert.equal(await b.recv(), 'still works', 'the terminated receiver took nothing')
  c.send(1)
  assert.equal(d.recvSync(), 1)
})

// ============================================== handles per thread (workers)

test.serial("Process: the parent closes the end it handed to the child right after start(); the child's messages arrive, then EOFError", async (t) => {
  t.timeout(T)
  for (const childCloses of [true, false]) {
    const [reader, writer] = Pipe(false)
    const go = new Event()
    const p = new Process({
      target: (writer, go, childCloses, bytes) => {
        go.waitSync()
        writer.send('one')
        writer.sendBytes(bytes)
        if (childCloses) writer.close()
      },
      args: [writer, go, childCloses, v8.serialize({ two: 2 })],
    })
    p.start()
    writer.close()
    assert.equal(writer.closed, true)
    assert.equal(reader.pollSync(), false, "the child's handle counts from start(), attached or not")
    go.set()
    assert.equal(await reader.recv(), 'one')
    assert.deepEqual(await reader.recv(), { two: 2 })
    await assert.rejects(reader.recv(), isEOF, childCloses ? 'the child closed its handle' : 'the child ended')
    await p.join()
    assert.equal(p.exitCode, 0)
  }
})

test.serial("Process: a child that closes its copy of the parent's end closes it for itself only; the exchange goes on", async (t) => {
  t.timeout(T)
  const [parentEnd, childEnd] = Pipe()
  const sawEOF = new Value('i', 0)
  const p = new Process({
    target: (childEnd, parentEnd, sawEOF) => {
      parentEnd.close()
      childEnd.send(['closed mine', parentEnd.closed])
      for (;;) {
        let message
        try { message = childEnd.recvSync() } catch (error) {
          sawEOF.value = error.name === 'EOFError' ? 1 : 2
          return
        }
        childEnd.send(`echo ${message}`)
      }
    },
    args: [childEnd, parentEnd, sawEOF],
  })
  p.start()
  childEnd.close()
  assert.deepEqual(await parentEnd.recv(), ['closed mine', true])
  assert.equal(parentEnd.closed, false)
  parentEnd.send('still open')
  parentEnd.sendBytes(v8.serialize('bytes too'))
  assert.equal(await parentEnd.recv(), 'echo still open')
  assert.equal(await parentEnd.recv(), 'echo bytes too')
  // The parent's close is the last handle of that end: the child sees EOF.
  parentEnd.close()
  await p.join()
  assert.equal(p.exitCode, 0)
  assert.equal(sawEOF.value, 1)
})

test.serial('Process: a handle sent to a child that dies before it attaches is released: EOFError, nothing left', async (t) => {
  t.timeout(T)
  const [reader, writer] = Pipe(false)
  const p = new Process({ target: task('/nonexistent/multiproc-missing-task.mjs'), args: [{ nested: [writer] }] })
  p.start()
  writer.close()
  await p.join()
  assert.equal(p.exitCode, 1)
  await assert.rejects(reader.recv(), isEOF)
})

test.serial('pool task: a handle counts from submission; a worker that keeps it holds the end open until it closes it, or the worker ends', async (t) => {
  t.timeout(T)
  const pool = new Pool(1)
  try {
    const [reader, writer] = Pipe(false)
    const go = new Event()
    const sending = pool.apply((writer, go) => {
      globalThis.kept = writer
      go.waitSync()
      writer.send('kept')
    }, [writer, go])
    writer.close()
    assert.equal(reader.pollSync(), false, 'the task holds a handle from submission')
    go.set()
    await sending
    assert.equal(await reader.recv(), 'kept')
    assert.equal(reader.pollSync(), false, 'the worker still holds its handle')
    assert.deepEqual(await pool.apply(() => { globalThis.kept.close(); return globalThis.kept.closed }), true)
    await assert.rejects(reader.recv(), isEOF)

    const [reader2, writer2] = Pipe(false)
    await pool.apply((writer) => { globalThis.kept = writer }, [writer2])
    writer2.close()
    assert.equal(reader2.pollSync(), false)
    await pool.terminate()
    await assert.rejects(reader2.recv(), isEOF, 'the terminated worker dropped its handle')
  } finally {
    await pool.terminate()
  }
})

test.serial('pool task: a cancelled job never attaches; its handle is released and the reader gets EOFError', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const [reader, writer] = Pipe(false)
    const gate = new Event()
    const started = new Event()
    const blocker = pool.apply((gate, started) => { started.set(); gate.waitSync() }, [gate, started])
    await started.wait()
    const controller = new AbortController()
    const cancelled = pool.apply((writer) => writer.send('never'), [writer], { signal: controller.signal })
    controller.abort(new Error('cancelled'))
    await assert.rejects(cancelled, /cancelled/)
    writer.close()
    gate.set()
    await blocker
    await assert.rejects(reader.recv(), isEOF)
  })
})

test.serial("closed/readable/writable are per handle: a worker closing its copy leaves the main thread's open and usable", async (t) => {
  t.timeout(T)
  await withPool(2, async (pool) => {
    const [a, b] = Pipe()
    const [reader, writer] = Pipe(false)
    const seen = await pool.apply((a, reader, writer) => {
      a.close(); reader.close(); writer.close()
      return [a.closed, reader.closed, writer.closed, reader.readable, writer.writable]
    }, [a, reader, writer])
    assert.deepEqual(seen, [true, true, true, true, true])
    assert.deepEqual([a.closed, reader.closed, writer.closed], [false, false, false])
    a.send('a to b')
    b.send('b to a')
    writer.send('one way')
    assert.equal(await b.recv(), 'a to b')
    assert.equal(await a.recv(), 'b to a')
    assert.equal(await reader.recv(), 'one way')
  })
})

test.serial('pool task: a recvBytes/sendBytes relay in a worker passes objects through unchanged; recv there deserializes sent bytes', async (t) => {
  t.timeout(T)
  await withPool(1, async (pool) => {
    const [toRelay, relayIn] = Pipe()
    const [relayOut, fromRelay] = Pipe()
    const relaying = pool.apply((input, output) => {
      let n = 0
      for (;;) {
        let bytes
        try { bytes = input.recvBytesSync() } catch { return n }
        output.sendBytes(bytes)
        n++
      }
    }, [relayIn, relayOut])
    relayIn.close()
    relayOut.close()
    for (const value of SAMPLES) toRelay.send(value)
    for (const value of SAMPLES) assert.deepStrictEqual(await fromRelay.recv(), value)
    toRelay.close()
    assert.equal(await relaying, SAMPLES.length)
    const [mine, theirs] = Pipe()
    mine.sendBytes(v8.serialize({ deep: [new Map([[1, 2]])] }))
    assert.deepEqual(await pool.apply((c) => c.recvSync(), [theirs]), { deep: [new Map([[1, 2]])] })
  })
})

test.serial('wait() with workers: ended Processes, connections and queues filled by children; in a pool task too', async (t) => {
  t.timeout(T)
  const gate = new Event()
  const quick = new Process({ target: () => {} })
  const slow = new Process({ target: (gate) => gate.waitSync(), args: [gate] })
  slow.start()
  quick.start()
  const ended = await wait([slow, quick])
  assert.ok(ended.length === 1 && ended[0] === quick)
  assert.notEqual(quick.exitCode, null)
  const waitingSlow = wait([slow])
  assert.equal(await settled(waitingSlow), false)
  gate.set()
  assert.ok((await waitingSlow)[0] === slow)

  await withPool(1, async (pool) => {
    const [a, b] = Pipe()
    const q = new Queue()
    const waiting = pool.apply(async (b, q, pkg) => {
      const { wait } = require(pkg)
      const first = await wait([b, q])
      return first.map((x) => (x === b ? 'b' : 'q'))
    }, [b, q, PKG])
    assert.equal(await settled(waiting), false)
    q.put('item')
    assert.deepEqual(await waiting, ['q'])
    a.send('m')
    assert.deepEqual(await pool.apply(async (b, q, pkg) => (await require(pkg).wait([b, q], 0)).length, [b, q, PKG]), 2)
  })
})

test.serial('wait() stress: 20 rounds of two children streaming on pipes and a queue; every item received exactly once', async (t) => {
  t.timeout(T)
  const N = 200
  for (let round = 0; round < 20; round++) {
    const [r1, w1] = Pipe(false)
    const [r2, w2] = Pipe(false)
    const q = new Queue()
    const producer = (writer, q, tag, n) => {
      for (let i = 0; i < n; i++) {
        if (i % 3 === 0) q.putSync([tag, i])
        else writer.send([tag, i])
      }
      q.putSync([tag, 'done'])
    }
    const children = [new Process({ target: producer, args: [w1, q, 1, N] }), new Process({ target: producer, args: [w2, q, 2, N] })]
    for (const child of children) child.start()
    w1.close()
    w2.close()
    const seen = new Map([[1, new Uint8Array(N)], [2, new Uint8Array(N)]])
    const open = new Set([r1, r2, q])
    let queueDone = 0
    const mark = ([tag, i]) => {
      if (i === 'done') return queueDone++
      assert.equal(seen.get(tag)[i], 0, `item ${tag}/${i} received once`)
      seen.get(tag)[i] = 1
    }
    while (open.size > 0) {
      for (const ready of await wait([...open])) {
        if (ready === q) {
          mark(q.getNowait())
          if (queueDone === 2 && q.empty()) open.delete(q)
        } else {
          try { mark(ready.recvSync()) } catch (error) {
            assert.ok(isEOF(error))
            open.delete(ready)
          }
        }
      }
    }
    for (const [tag, marks] of seen) assert.equal(marks.indexOf(0), -1, `every item of ${tag} arrived (round ${round})`)
    await Promise.all(children.map((child) => child.join()))
  }
})

// ======================================================== exit by itself

const runChild = childScripts(test.after.always)

test.serial('exit by itself: pending recv()/recvBytes() on a pipe a pool used do not keep the process alive', async (t) => {
  t.timeout(T)
  assertExited(await runChild(`
const [a, b] = Pipe()
const pool = new Pool(1)
console.log(await pool.apply((b) => { b.send('hi'); return b.pollSync() }, [b]))
pool.close()
console.log(await a.recv())
a.recv().then(() => console.log('recv?!'))
b.recvBytes().then(() => console.log('bytes?!'))
console.log('pending')
`), 'false\nhi\npending')
})

test.serial('exit by itself: a message sent by a worker still reaches the pending main-thread recv()', async (t) => {
  t.timeout(T)
  assertExited(await runChild(`
const [reader, writer] = Pipe(false)
const pool = new Pool(1)
reader.recv().then((m) => console.log('got', m))
await pool.apply((w) => w.send('from worker'), [writer])
pool.close()
`), 'got from worker')
})

test.serial('exit by itself: a pending wait() without timeout does not keep the process alive; one with a timeout does until then, without spinning', async (t) => {
  t.timeout(T)
  assertExited(await runChild(`
const [a, b] = Pipe()
globalThis.keep = a // a collected Connection closes its handle: b would be at EOF
const q = new Queue()
wait([b, q]).then(() => console.log('woken?!'))
const before = process.cpuUsage()
const started = performance.now()
const ready = await wait([b, q], 500)
const cpu = process.cpuUsage(before)
console.log(JSON.stringify(ready), performance.now() - started >= 450, (cpu.user + cpu.system) / 1000 < 250)
`), '[] true true')
})

test.serial('a Connection in initargs: a replacement worker gets its own handle after the first closed its copy', async (t) => {
  t.timeout(T)
  const [reader, writer] = Pipe(false)
  const pool = new Pool({ processes: 1, maxTasksPerChild: 1, initializer: (w) => { globalThis.__writer = w }, initargs: [writer] })
  try {
    // The main thread's handle keeps the end open (as the parent's descriptor
    // does in Python, where each new worker gets a duplicate of it).
    for (const i of [0, 1, 2]) {
      await pool.apply((i) => {
        globalThis.__writer.send(i)
        globalThis.__writer.close()
      }, [i])
      assert.equal(await reader.recv(), i)
    }
    writer.close()
  } finally {
    await pool.terminate()
  }
  await assert.rejects(reader.recv(), isEOF, 'every handle closed once the pool let go of the initargs')
})
