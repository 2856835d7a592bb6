// Named shared memory (contract: "Named shared memory", Python's
// multiprocessing.shared_memory): SharedMemory created with a size and
// attached by name from any process (an unrelated `node` too), `buf` a
// zero-copy view, close()/unlink(), mode 0600, the resource tracker
// (a tracked segment goes when the program has ended, SIGKILL included;
// track: false ones stay), passing to pool tasks and Process in both
// contexts; ShareableList with Python's types, slots and layout (Python
// attaches to ours and we to Python's); bad input refused, named.
// Every test leaves no segment behind in /dev/shm (checked after each).
import test from 'ava'
import assert from 'node:assert/strict'
import { execFile, execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { SharedMemory, ShareableList, Process, Barrier, getContext } from '../index.mjs'
import { CONTEXTS, withPool } from './helpers.mjs'

const T = 60000
const POSIX = process.platform !== 'win32'
const LINUX = process.platform === 'linux'
// Tests that read /proc and /dev/shm (ava's skip takes no reason).
const linuxTest = LINUX ? test.serial : test.serial.skip
const packageUrl = new URL('../index.mjs', import.meta.url).href

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multiproc-named-shm-'))
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }))

// ------------------------------------------------------------ bookkeeping

/** Names of the segments the running test made or was told of. */
const seen = new Set()
let made = 0
/** A name of this test run's own (pid-tagged, under macOS's 30). */
const fresh = (tag = 'n') => `mpt${process.pid}_${tag}${++made}`
/** `new SharedMemory(options)`, remembered for the litter check. */
function shm(options) {
  const segment = new SharedMemory(options)
  seen.add(segment.name)
  return segment
}

const exists = (name) => fs.existsSync(`/dev/shm/${name}`)

test.afterEach.always(() => {
  const left = [...seen].filter((name) => LINUX && exists(name))
  seen.clear()
  // Removed, so one failure does not cascade; still reported.
  for (const name of left) fs.rmSync(`/dev/shm/${name}`, { force: true })
  assert.deepEqual(left, [], 'segments left in /dev/shm after the test')
})

/** Polls until `predicate()` holds; a generous guard, not a measurement. */
async function until(predicate, what, limitMs = 20000) {
  const end = Date.now() + limitMs
  while (!predicate()) {
    if (Date.now() > end) assert.fail(`gave up waiting for ${what}`)
    await sleep(10)
  }
}

// ------------------------------------------------------------ other processes

let scripts = 0
/** Writes an ES module importing the whole package; returns its path. */
function script(body) {
  const file = path.join(dir, `script-${++scripts}.mjs`)
  fs.writeFileSync(file, `import * as mp from ${JSON.stringify(packageUrl)}\nconst { SharedMemory, ShareableList, Process } = mp\n${body}`)
  return file
}

/** Runs a script (an unrelated `node`, not a multiproc child) to its end. */
function run(body, args = []) {
  return new Promise((resolve) => {
    execFile(process.execPath, [script(body), ...args], { timeout: 30000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, killed: Boolean(error?.killed), stdout, stderr })
    })
  })
}

function assertClean(result) {
  assert.equal(result.killed, false, `the script did not exit by itself\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)
  assert.equal(result.code, 0, `exit code ${result.code}\nstderr: ${result.stderr}`)
}

/** Starts a script; resolves with it and the first line it prints, parsed. */
function start(body) {
  const child = spawn(process.execPath, [script(body)], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      if (out.includes('\n')) resolve({ child, first: JSON.parse(out.slice(0, out.indexOf('\n'))) })
    })
    child.once('exit', (code, signal) => reject(new Error(`the script ended (${code ?? signal}) after printing ${JSON.stringify(out)}`)))
  })
}

/** Whether `pid` runs (a zombie does not). */
function running(pid) {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

/** The pids of the tracker processes `pid` started (Linux /proc); also run inside scripts. */
function trackersOf(pid) {
  return fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((entry) => {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      return ppid === pid && fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('tracker_entry.js')
    } catch {
      return false
    }
  }).map(Number)
}
const SCRIPT_PRELUDE = `import fs from 'node:fs'\n${trackersOf}\n`

// ====================================================== create, attach, buf

test.serial('an unrelated node process attaches by name; writes are seen both ways while both run', async (t) => {
  t.timeout(T)
  const segment = shm({ create: true, size: 4096, track: false })
  const { child } = await start(`
    const shm = new SharedMemory({ name: ${JSON.stringify(segment.name)} })
    console.log(JSON.stringify({ size: shm.size }))
    shm.buf[1] = 1 // attached
    const end = Date.now() + 20000
    const poll = setInterval(() => {
      if (shm.buf[0] !== 0) { shm.buf[4095] = shm.buf[0] + 1; clearInterval(poll) }
      else if (Date.now() > end) process.exit(2)
    }, 2)
  `)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  await until(() => segment.buf[1] === 1, 'the child to attach')
  segment.buf[0] = 7
  assert.equal(await exited, 0)
  assert.equal(segment.buf[4095], 8, "this process sees the child's write")
  segment.unlink()
})

test.serial('a segment an unrelated process created (track: false) outlives it and is attached here by name', async (t) => {
  t.timeout(T)
  const name = fresh('theirs')
  seen.add(name)
  const result = await run(`
    const shm = new SharedMemory({ create: true, size: 10, name: process.argv[2], track: false })
    shm.buf.set([1, 2, 3])
  `, [name])
  assertClean(result)
  const ours = new SharedMemory({ name })
  assert.equal(ours.size, 10)
  assert.deepEqual([...ours.buf], [1, 2, 3, 0, 0, 0, 0, 0, 0, 0])
  ours.close()
  ours.unlink()
})

test.serial('buf is a zero-copy view: the same buffer every time, and another handle sees writes at once', (t) => {
  t.timeout(T)
  const a = shm({ create: true, size: 64 })
  const b = new SharedMemory({ name: a.name })
  assert.equal(a.buf, a.buf)
  assert.equal(a.buf.byteLength, 64)
  assert.ok(a.buf.buffer instanceof ArrayBuffer)
  new Float64Array(a.buf.buffer)[3] = Math.PI
  assert.equal(new Float64Array(b.buf.buffer)[3], Math.PI)
  b.buf[0] = 200
  assert.equal(a.buf[0], 200)
  assert.equal(a.buf.every((byte, i) => i === 0 || (i >= 24 && i < 32) || byte === 0), true, 'zero-filled otherwise')
  b.close()
  a.unlink()
})

test.serial('name and size: given or generated (mp_ and hex, unique, fit macOS), the longest name allowed works', (t) => {
  t.timeout(T)
  const named = shm({ create: true, size: 5, name: fresh('given') })
  assert.match(named.name, /^mpt\d+_given\d+$/)
  assert.equal(named.size, 5)
  const generated = [shm({ create: true, size: 1 }), shm({ create: true, size: 1 })]
  for (const g of generated) assert.match(g.name, /^mp_[0-9a-f]{12}$/)
  assert.notEqual(generated[0].name, generated[1].name)
  const longest = `mpt${process.pid}_`.padEnd(30, 'x')
  const long = shm({ create: true, size: 1, name: longest })
  assert.equal(new SharedMemory({ name: longest }).size, 1)
  for (const s of [named, ...generated, long]) s.unlink()
})

linuxTest('segments are readable and writable by their owner only (mode 0600)', (t) => {
  t.timeout(T)
  const segment = shm({ create: true, size: 1 })
  assert.equal(fs.statSync(`/dev/shm/${segment.name}`).mode & 0o777, 0o600)
  segment.unlink()
})

// ====================================================== close, unlink

test.serial('close(): buf throws naming the segment, a view kept reads empty (no crash), close twice is fine', (t) => {
  t.timeout(T)
  const segment = shm({ create: true, size: 16 })
  const view = segment.buf
  const wide = new Uint32Array(segment.buf.buffer)
  view[0] = 9
  segment.close()
  assert.throws(() => segment.buf, { message: new RegExp(`SharedMemory "${segment.name}" is closed`) })
  assert.equal(view.length, 0)
  assert.equal(wide.length, 0)
  assert.equal(view[0], undefined)
  view[0] = 1 // ignored, not a crash
  assert.throws(() => wide.fill(7), TypeError, 'a JS error, not a crash')
  segment.close()
  assert.match(segment.name, /^mp_/, 'name and size stay readable')
  assert.equal(segment.size, 16)
  // The segment itself is still there: close is not unlink.
  const again = new SharedMemory({ name: segment.name })
  assert.equal(again.buf[0], 9)
  again.unlink()
})

test.serial('unlink(): the name goes (attach fails, a second unlink fails), handles attached before keep the memory, the name is free again', (t) => {
  t.timeout(T)
  const segment = shm({ create: true, size: 8 })
  const other = new SharedMemory({ name: segment.name })
  segment.unlink()
  if (LINUX) assert.equal(exists(segment.name), false)
  assert.throws(() => new SharedMemory({ name: segment.name }), { code: 'ENOENT', message: /no shared memory segment named/ })
  assert.throws(() => segment.unlink(), { code: 'ENOENT', message: /SharedMemory\.unlink\(\)/ })
  segment.buf[2] = 5
  assert.equal(other.buf[2], 5, 'still shared after unlink')
  const reused = shm({ create: true, size: 8, name: segment.name })
  assert.equal(reused.buf[2], 0, 'a new segment under the old name')
  reused.unlink()
  segment.close()
  other.close()
})

// ====================================================== the tracker

linuxTest('a tracked segment is removed once its program is SIGKILLed; a track: false one stays; the tracker ends too', async (t) => {
  t.timeout(T)
  const { child, first } = await start(`${SCRIPT_PRELUDE}
    const tracked = new SharedMemory({ create: true, size: 64 })
    const untracked = new SharedMemory({ create: true, size: 64, track: false })
    console.log(JSON.stringify({ tracked: tracked.name, untracked: untracked.name, trackers: trackersOf(process.pid) }))
    setInterval(() => {}, 1000)
  `)
  seen.add(first.tracked).add(first.untracked)
  assert.equal(first.trackers.length, 1, 'one tracker, started by the program')
  assert.ok(exists(first.tracked) && exists(first.untracked))
  const killed = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal)))
  child.kill('SIGKILL')
  assert.equal(await killed, 'SIGKILL')
  await until(() => !exists(first.tracked), 'the tracker to remove the tracked segment')
  await until(() => !running(first.trackers[0]), 'the tracker to end')
  assert.equal(exists(first.untracked), true, 'track: false is left alone')
  new SharedMemory({ name: first.untracked }).unlink()
})

linuxTest('the tracker does not keep a program alive: it exits by itself and its tracked segment is removed after', async (t) => {
  t.timeout(T)
  const result = await run(`${SCRIPT_PRELUDE}
    const kept = new SharedMemory({ create: true, size: 8 })
    const unlinked = new SharedMemory({ create: true, size: 8 })
    unlinked.unlink()
    console.log(JSON.stringify({ kept: kept.name, trackers: trackersOf(process.pid) }))
  `)
  assertClean(result)
  const { kept, trackers } = JSON.parse(result.stdout)
  seen.add(kept)
  await until(() => !exists(kept), 'the tracker to remove the segment')
  await until(() => !running(trackers[0]), 'the tracker to end')
})

linuxTest("a process-context child shares its program's tracker: what it creates lives until the program ends", async (t) => {
  t.timeout(T)
  const result = await run(`${SCRIPT_PRELUDE}
    const out = ${JSON.stringify(path.join(dir, 'child-made.json'))}
    const p = new Process({ context: 'process', args: [out], target: (file) => {
      const { SharedMemory } = require(${JSON.stringify(new URL('../index.js', import.meta.url).pathname)})
      const shm = new SharedMemory({ create: true, size: 8 })
      shm.buf[0] = 3
      require('node:fs').writeFileSync(file, JSON.stringify(shm.name))
    } })
    p.start()
    await p.join()
    const name = JSON.parse(fs.readFileSync(out, 'utf8'))
    // The child has ended; its segment is still there while the program runs.
    const shm = new SharedMemory({ name })
    console.log(JSON.stringify({ name, seen: shm.buf[0], exitCode: p.exitCode, trackers: trackersOf(process.pid), childTrackers: trackersOf(p.pid) }))
  `)
  assertClean(result)
  const { name, seen: byte, exitCode, trackers, childTrackers } = JSON.parse(result.stdout)
  seen.add(name)
  assert.equal(exitCode, 0)
  assert.equal(byte, 3)
  assert.equal(trackers.length, 1)
  assert.deepEqual(childTrackers, [], 'the child started none of its own')
  await until(() => !exists(name), 'the tracker to remove the segment the child made')
  await until(() => !running(trackers[0]), 'the tracker to end')
})

// ====================================================== travel

for (const context of CONTEXTS) {
  test.serial(`SharedMemory and ShareableList reach ${context}-context pool tasks and initializers attached by name`, async (t) => {
    t.timeout(T)
    const segment = shm({ create: true, size: 16 })
    const list = new ShareableList([0, 'a', null])
    seen.add(list.shm.name)
    await withPool({ processes: 2, context, initializer: (m) => { m.buf[15] = 1 }, initargs: [segment] }, async (pool) => {
      const got = await pool.apply((m, l) => {
        m.buf[0] = 42
        l.set(0, 7)
        l.set(1, 'b')
        return [m.name, m.size, l.length, l.get(2)]
      }, [segment, list])
      assert.deepEqual(got, [segment.name, 16, 3, null])
      await pool.map(({ m, i }) => { m.buf[i] = i * 10 }, [1, 2, 3].map((i) => ({ m: segment, i })))
    })
    assert.deepEqual([...segment.buf.subarray(0, 4)], [42, 10, 20, 30])
    assert.equal(segment.buf[15], 1, 'the initializer wrote it')
    assert.deepEqual(list.toArray(), [7, 'b', null])
    segment.unlink()
    list.shm.unlink()
  })

  test.serial(`SharedMemory and ShareableList reach a ${context}-context Process target attached by name`, async (t) => {
    t.timeout(T)
    const segment = shm({ create: true, size: 4 })
    const list = new ShareableList([1.5])
    seen.add(list.shm.name)
    const p = new Process({ target: (m, l) => { m.buf[3] = 99; l.set(0, -1.25) }, args: [segment, list], context })
    p.start()
    await p.join()
    assert.equal(p.exitCode, 0)
    assert.equal(segment.buf[3], 99)
    assert.equal(list.get(0), -1.25)
    segment.unlink()
    list.shm.unlink()
  })
}

test.serial('in the process context, other shared kinds are still refused beside a SharedMemory, naming their path', async (t) => {
  t.timeout(T)
  const segment = shm({ create: true, size: 1 })
  await withPool({ processes: 1, context: 'process' }, async (pool) => {
    await assert.rejects(pool.apply((m, b) => 0, [segment, new Barrier(2)]), { name: 'TypeError', message: /^args\[1\] is a shared object: .*so far SharedMemory, ShareableList,/ })
  })
  assert.throws(() => new Process({ context: 'process', args: [{ m: segment, b: new Barrier(2) }] }), /args\[0\]\.b is a shared object/)
  segment.unlink()
})

test.serial('a closed SharedMemory cannot be sent: refused at the call site, naming it', async (t) => {
  t.timeout(T)
  const segment = shm({ create: true, size: 1 })
  segment.close()
  await withPool(1, async (pool) => {
    await assert.rejects(pool.apply((m) => 0, [segment]), { message: new RegExp(`SharedMemory "${segment.name}" is closed: a closed handle cannot be sent`) })
  })
  segment.unlink()
})

test.serial('getContext() has both classes, the same in every context', (t) => {
  t.timeout(T)
  for (const kind of CONTEXTS) {
    assert.equal(getContext(kind).SharedMemory, SharedMemory)
    assert.equal(getContext(kind).ShareableList, ShareableList)
  }
})

// ====================================================== ShareableList

test.serial("ShareableList holds Python's types and reads them back: int, float, bool, str, bytes, None, big ints as bigint", (t) => {
  t.timeout(T)
  const values = [0, -7, 2 ** 53 - 1, 1.5, -0, NaN, Infinity, true, false, 'héllo, wörld ✓', '', new Uint8Array([0, 255, 1]), null, 2n ** 63n - 1n, -(2n ** 63n), 5n]
  const list = new ShareableList(values)
  seen.add(list.shm.name)
  const back = list.toArray()
  assert.equal(list.length, values.length)
  assert.deepEqual(back.slice(0, 11), [0, -7, 2 ** 53 - 1, 1.5, -0, NaN, Infinity, true, false, 'héllo, wörld ✓', ''])
  assert.ok(Object.is(back[4], -0), '-0 is kept (stored as a float)')
  assert.deepEqual(back[11], new Uint8Array([0, 255, 1]))
  assert.deepEqual(back.slice(12), [null, 2n ** 63n - 1n, -(2n ** 63n), 5], 'an int64 in the safe range reads as a number')
  assert.deepEqual([...list], back)
  assert.equal(list.get(-1), 5)
  const attached = new ShareableList({ name: list.shm.name })
  assert.deepEqual(attached.toArray(), back)
  attached.set(0, 'zz')
  assert.equal(list.get(0), 'zz', 'set through one handle, read through the other')
  const empty = new ShareableList()
  seen.add(empty.shm.name)
  assert.deepEqual(empty.toArray(), [])
  assert.equal(empty.shm.size, 16, "Python's size for no items")
  empty.shm.unlink()
  list.shm.unlink()
})

test.serial('ShareableList slots are fixed: a str or bytes larger than its slot is a RangeError, a smaller one fits, types may change', (t) => {
  t.timeout(T)
  const list = new ShareableList(['abc', new Uint8Array(9), 1])
  seen.add(list.shm.name)
  list.set(0, '12345678') // the slot of 'abc' is 8 bytes
  assert.equal(list.get(0), '12345678')
  assert.throws(() => list.set(0, '123456789'), { name: 'RangeError', message: /a string of 9 bytes does not fit the item's slot of 8 bytes/ })
  assert.throws(() => list.set(0, 'ééééé'), RangeError, 'UTF-8 bytes count, not characters')
  assert.throws(() => list.set(1, new Uint8Array(17)), { name: 'RangeError', message: /bytes of 17 bytes does not fit the item's slot of 16/ })
  list.set(1, 'short')
  assert.equal(list.get(1), 'short', 'a shorter value clears the rest of the slot')
  list.set(2, 'x'.repeat(8))
  assert.equal(list.get(2), 'xxxxxxxx', 'a number slot takes a str of up to 8 bytes')
  list.set(2, true)
  list.set(0, null)
  list.set(1, 2.5)
  assert.deepEqual(list.toArray(), [null, 2.5, true])
  assert.equal(list.get(0), null)
  list.shm.unlink()
})

test.serial('ShareableList count, index, toArray and indexes as Python (numbers by value, bytes by content)', (t) => {
  t.timeout(T)
  const list = new ShareableList([1, 'a', 1n, 2.5, new Uint8Array([1]), 'a', null, true])
  seen.add(list.shm.name)
  assert.equal(list.count(1), 2)
  assert.equal(list.count(1n), 2)
  assert.equal(list.count('a'), 2)
  assert.equal(list.count(new Uint8Array([1])), 1)
  assert.equal(list.count(null), 1)
  assert.equal(list.count('b'), 0)
  assert.equal(list.index('a'), 1)
  assert.equal(list.index(2.5), 3)
  assert.equal(list.index(true), 7)
  assert.throws(() => list.index('zz'), { message: /ShareableList\.index\(\): "zz" is not in the list/ })
  assert.throws(() => list.get(8), { name: 'RangeError', message: /index 8 is out of range for a list of 8/ })
  assert.throws(() => list.get(-9), RangeError)
  assert.throws(() => list.set(1.5, 0), { name: 'TypeError', message: /index must be an integer/ })
  assert.equal(list.get(-8), 1)
  list.shm.unlink()
})

test.serial('ShareableList refuses values it cannot hold and a closed segment, naming them', (t) => {
  t.timeout(T)
  assert.throws(() => new ShareableList([1, undefined]), { name: 'TypeError', message: /values\[1\] is undefined: a ShareableList holds numbers, bigints/ })
  assert.throws(() => new ShareableList([{}]), { name: 'TypeError', message: /values\[0\] is Object/ })
  assert.throws(() => new ShareableList([2n ** 63n]), { name: 'RangeError', message: /values\[0\] is 9223372036854775808, outside the 64-bit signed range/ })
  assert.throws(() => new ShareableList('abc'), { name: 'TypeError', message: /values must be an array/ })
  assert.throws(() => new ShareableList({}), { name: 'TypeError', message: /values must be an array .*or \{ name \} to attach/ })
  assert.throws(() => new ShareableList({ name: fresh('missing') }), { code: 'ENOENT' })
  const list = new ShareableList([1])
  seen.add(list.shm.name)
  assert.throws(() => list.set(0, Symbol('s')), { name: 'TypeError', message: /ShareableList\.set\(0\): the value is symbol/ })
  list.shm.close()
  assert.throws(() => list.get(0), { message: /is closed/ })
  assert.throws(() => list.set(0, 1), { message: /is closed/ })
  list.shm.unlink()
})

test.serial('a ShareableList made here is read by an unrelated node process, and its writes are seen here', async (t) => {
  t.timeout(T)
  const list = new ShareableList([1, 'two', null, new Uint8Array([3])], { name: fresh('list') })
  seen.add(list.shm.name)
  const result = await run(`
    const list = new ShareableList({ name: process.argv[2] })
    console.log(JSON.stringify(list.toArray().map((v) => v instanceof Uint8Array ? [...v] : v)))
    list.set(2, 'there')
  `, [list.shm.name])
  assertClean(result)
  assert.equal(result.stdout.trim(), '[1,"two",null,[3]]')
  assert.equal(list.get(2), 'there')
  list.shm.unlink()
})

const PYTHON = (() => {
  try {
    execFileSync('python3', ['-c', 'import multiprocessing.shared_memory'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
const pythonTest = PYTHON ? test.serial : test.serial.skip

pythonTest("Python attaches to a ShareableList made here, and this side to Python's (CPython's layout)", (t) => {
  t.timeout(T)
  const list = new ShareableList([1, -2.5, true, 'héllo', new Uint8Array([0x61, 0, 2]), null, -(2n ** 62n), ''], { name: fresh('py') })
  seen.add(list.shm.name)
  const theirs = fresh('frompy')
  seen.add(theirs)
  // Python 3.11's attach registers with its own resource tracker, which would
  // unlink the segment at its exit: unregistered, as the docs advise.
  const out = execFileSync('python3', ['-c', `
import sys
from multiprocessing import shared_memory, resource_tracker
sl = shared_memory.ShareableList(name=sys.argv[1])
resource_tracker.unregister(sl.shm._name, "shared_memory")
print(repr(list(sl)))
sl[0] = 77; sl[3] = 'py'; sl[5] = 3.25; sl[7] = b'xy'
made = shared_memory.ShareableList([5, 'from python', None, True, 1.5, b'\\x01\\x02', -3], name=sys.argv[2])
resource_tracker.unregister(made.shm._name, "shared_memory")
`, list.shm.name, theirs], { timeout: 30000 }).toString()
  assert.equal(out.trim(), "[1, -2.5, True, 'héllo', b'a\\x00\\x02', None, -4611686018427387904, '']")
  assert.deepEqual(list.toArray(), [77, -2.5, true, 'py', new Uint8Array([0x61, 0, 2]), 3.25, -(2n ** 62n), new Uint8Array([0x78, 0x79])])
  const fromPython = new ShareableList({ name: theirs })
  assert.deepEqual(fromPython.toArray(), [5, 'from python', null, true, 1.5, new Uint8Array([1, 2]), -3])
  fromPython.set(1, 'back')
  assert.equal(fromPython.get(1), 'back')
  fromPython.shm.unlink()
  list.shm.unlink()
})

// ====================================================== bad input

test.serial('bad input is refused at the call site, naming what is wrong', (t) => {
  t.timeout(T)
  const cases = [
    [undefined, TypeError, /options must be an object, \{ create: true, size \} to create or \{ name \} to attach/],
    [{}, TypeError, /name is required to attach/],
    [{ create: true }, TypeError, /size is required with create: true/],
    [{ create: true, size: 0 }, RangeError, /size must be a positive integer number of bytes, got 0/],
    [{ create: true, size: -8 }, RangeError, /got -8/],
    [{ create: true, size: 1.5 }, RangeError, /got 1.5/],
    [{ create: true, size: '8' }, TypeError, /size must be a number of bytes, got "8"/],
    [{ create: 'yes', size: 8 }, TypeError, /create must be a boolean/],
    [{ create: true, size: 8, track: 1 }, TypeError, /track must be a boolean/],
    [{ name: 5 }, TypeError, /name must be a string, got number 5/],
    [{ name: 'x', size: 8 }, TypeError, /size applies only with create: true/],
    [{ name: 'x', track: false }, TypeError, /track applies only with create: true/],
    [{ create: true, size: 8, name: 'n'.repeat(31) }, RangeError, /is 31 bytes long; names are at most 30 bytes/],
    [{ create: true, size: 8, name: 'a/b' }, RangeError, /may hold only letters, digits/],
    [{ create: true, size: 8, name: '' }, RangeError, /is empty/],
    [{ name: '.x' }, RangeError, /must not start with '\.' or '-'/],
  ]
  for (const [options, Type, message] of cases) {
    assert.throws(() => new SharedMemory(options), (error) => {
      assert.ok(error instanceof Type, `${JSON.stringify(options)}: ${error}`)
      assert.match(error.message, /^new SharedMemory\(\): /)
      assert.match(error.message, message)
      return true
    })
  }
  const name = fresh('missing')
  assert.throws(() => new SharedMemory({ name }), { code: 'ENOENT', message: new RegExp(`no shared memory segment named "${name}" exists .*create it with`) })
  const taken = shm({ create: true, size: 8 })
  assert.throws(() => new SharedMemory({ create: true, size: 8, name: taken.name }), { code: 'EEXIST', message: new RegExp(`a shared memory segment named "${taken.name}" already exists; attach to it`) })
  taken.unlink()
})
