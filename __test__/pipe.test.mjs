// Pipe and Connection (contract: "Pipe", "Conventions", "Shared objects
// travel"): duplex and one-way pipes on the main thread and between the main
// thread and pool workers, where a Connection passed as a task argument (nested
// in plain objects/arrays too) is a live handle to the same end. Waits end by
// what the user observes (a message, an EOFError/TimeoutError, a promise
// settling), never by how long they took; sleeps only let things settle.
import test, { after } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool, Pipe, Connection, EOFError, TimeoutError, Event, Lock, Queue, Value, Manager } from '../index.mjs'
import { PKG, assertExited, childScripts, settled, withPool } from './helpers.mjs'

const T = { timeout: 60000 }


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

test('Pipe(): two duplex Connections; each end sends to and receives from the other', T, async () => {
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

test('Pipe(false): [reader, writer]; using an end in the wrong direction -> Error', T, async () => {
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

test('Connection: recvSync({ timeout }) past its timeout throws TimeoutError; a message already there is returned', T, async () => {
  const [a, b] = Pipe()
  assert.throws(() => b.recvSync({ timeout: 0 }), isTimeout)
  assert.throws(() => b.recvSync({ timeout: 30 }), isTimeout)
  a.send('there')
  assert.equal(b.recvSync({ timeout: 0 }), 'there')
  a.send('there too')
  assert.equal(b.recvSync({ timeout: 30 }), 'there too')
  assert.throws(() => b.recvSync({ timeout: -1 }), RangeError)
})

test('Connection: poll/pollSync say whether a message is waiting, without taking it; poll(timeout) waits for one', T, async () => {
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

test('Connection: a pending recv() resolves with the next message', T, async () => {
  const [a, b] = Pipe()
  const first = b.recv()
  assert.equal(await settled(first), false)
  a.send({ n: 1 })
  assert.deepEqual(await first, { n: 1 })
  const bytesPending = b.recvBytes()
  a.sendBytes(Buffer.from('raw'))
  assert.deepEqual(await bytesPending, Buffer.from('raw'))
})

test('Connection: sendBytes(buf, offset, size) / recvBytes; bad offset or size -> RangeError, nothing sent', T, async () => {
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

test('Connection: messages are never merged or split; empty messages are messages', T, async () => {
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

test('Connection: values of every structured-clone kind arrive intact', T, async () => {
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

test('Connection: 16 MiB messages (bytes and a typed array) work', T, async () => {
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

test('Connection: a non-cloneable value or a shared object is refused at send with a TypeError; nothing is sent', T, async () => {
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

test('Connection: close(): closed; the other end receives what was sent before, then EOFError; poll says true at EOF', T, async () => {
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

test('Connection: a pending recv()/poll() is released when the other end closes (EOFError / true)', T, async () => {
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

// ================================================================ workers

test('Connection in workers: ends passed bare, in an object and in an array are live; wrong-direction use fails there too', T, async () => {
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

test('Connection in workers: recvSync({ timeout }) in a worker throws TimeoutError; poll/pollSync there', T, async () => {
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

test('Connection in workers: a worker blocked in recvSync is released by a send on the main thread, and by close() with EOFError', T, async () => {
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

test('Connection in workers: messages sent by a worker before it closes its end arrive, then EOFError on main', T, async () => {
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

test('Connection in workers: a worker echo server over a duplex pipe (sync and async loops)', T, async () => {
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

test('Connection in workers: byte messages of varied sizes (incl. empty and 16 MiB) cross unmerged and unsplit', T, async () => {
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

test('Connection in workers: sendBytes offset/size errors and non-cloneable sends are refused in the worker', T, async () => {
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

test('pool.terminate() stops a worker blocked in recvSync / pollSync; the pipe stays usable', T, async () => {
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

// ======================================================== exit by itself

const runChild = childScripts(after)

test('exit by itself: pending recv()/recvBytes() on a pipe a pool used do not keep the process alive', T, async () => {
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

test('exit by itself: a message sent by a worker still reaches the pending main-thread recv()', T, async () => {
  assertExited(await runChild(`
const [reader, writer] = Pipe(false)
const pool = new Pool(1)
reader.recv().then((m) => console.log('got', m))
await pool.apply((w) => w.send('from worker'), [writer])
pool.close()
`), 'got from worker')
})
