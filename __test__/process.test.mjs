// Process (contract: "Process", "Module functions", "Conventions"): `new Process({ target, args, name, daemon })` and subclasses that
// override run(); start, join, joinSync, isAlive, terminate, kill, close; pid,
// ident, name, daemon, exitCode; currentProcess()/parentProcess() inside a
// child, nested children, activeChildren(); a child's output reaching the
// parent before join() resolves; a parent kept alive by its running non-daemon
// children and never by daemon ones. Children hold still on locks and events
// the test controls; waits end by what the user observes (a join resolving, an
// exit code), never by how long they took. Tests named [thread] and [process]
// run in both contexts (the behaviour the contract says is the same, with no
// shared objects); the rest are the thread context's, and
// process-context.test.mjs has the process context's own.
import test from 'ava'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  Process, Queue, Lock, Event, Value, SharedArray, Manager, task,
  activeChildren, currentProcess, parentProcess,
} from '../index.mjs'

const T = 60000

/** One test per context, for behaviour both contexts share: `body(context)`. */
function testBoth(name, body) {
  for (const context of ['thread', 'process']) {
    test.serial(`${name} [${context}]`, (t) => {
      t.timeout(T)
      return body(context)
    })
  }
}

/** The package, for child code that loads it itself (inline targets use require). */
const packageCjs = new URL('../index.js', import.meta.url).pathname
const packageUrl = new URL('../index.mjs', import.meta.url).href

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multiproc-process-'))
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }))

let files = 0
/** Writes a module into the temp folder; returns its path. */
function writeModule(source, ext = 'mjs') {
  const file = path.join(dir, `file-${++files}.${ext}`)
  fs.writeFileSync(file, source)
  return file
}

/** How long a script may take before it counts as "did not exit by itself". */
const DEADLINE_MS = 30000

/** Runs `body` after an import of the package in a child `node`; resolves with the outcome. */
function runScript(body, { cjs = false, deadline = DEADLINE_MS, context = 'thread' } = {}) {
  const header = (cjs
    ? `const { Process, Queue, Lock, Event, Value, currentProcess, parentProcess, activeChildren } = require(${JSON.stringify(packageCjs)})\n`
    : `import { Process, Queue, Lock, Event, Value, currentProcess, parentProcess, activeChildren } from ${JSON.stringify(packageUrl)}\n`) +
    `const context = ${JSON.stringify(context)}\n`
  const file = writeModule(header + body, cjs ? 'cjs' : 'mjs')
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { timeout: deadline, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, signal: error?.signal ?? null, killed: Boolean(error?.killed), stdout, stderr })
    })
  })
}

function assertExitedCleanly(result) {
  assert.equal(result.killed, false,
    `the script did not exit by itself within ${DEADLINE_MS} ms\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)
  assert.equal(result.code, 0, `exit code ${result.code} (signal ${result.signal})\nstderr: ${result.stderr}`)
}

const lines = (text) => text.split('\n').filter((line) => line !== '')

/** Starts `p`, and always leaves it stopped after `body` (a failed assertion must not leave a thread running). */
async function withStarted(p, body) {
  p.start()
  try {
    return await body(p)
  } finally {
    if (p.exitCode === null) p.kill()
    await p.join()
  }
}

/** Polls until `predicate()` holds; a generous guard, not a measurement. */
async function until(predicate, what, limitMs = 30000) {
  const end = Date.now() + limitMs
  while (!predicate()) {
    if (Date.now() > end) assert.fail(`gave up waiting for ${what}`)
    await sleep(5)
  }
}

// ================================================================ basics

testBoth('before start: default name Process-N counting up, pid/ident/exitCode null, not alive, not daemon', (context) => {
  const a = new Process({ target: () => {}, context })
  const b = new Process({ target: () => {}, context })
  const na = Number(/^Process-(\d+)$/.exec(a.name)?.[1])
  const nb = Number(/^Process-(\d+)$/.exec(b.name)?.[1])
  assert.ok(na >= 1, `name ${a.name}`)
  assert.equal(nb, na + 1, `${a.name} then ${b.name}`)
  for (const p of [a, b]) {
    assert.equal(p.pid, null)
    assert.equal(p.ident, null)
    assert.equal(p.exitCode, null)
    assert.equal(p.isAlive(), false)
    assert.equal(p.daemon, false)
  }
  const named = new Process({ target: () => {}, name: 'worker', daemon: true, context })
  assert.equal(named.name, 'worker')
  assert.equal(named.daemon, true)
  named.name = 'renamed'
  assert.equal(named.name, 'renamed')
  named.daemon = false
  assert.equal(named.daemon, false)
})

test.serial('start runs target(...args) in the child; join resolves when it is done, exitCode 0', async (t) => {
  t.timeout(T)
  const q = new Queue()
  const p = new Process({ target: (queue, name, n) => queue.putSync(`hello ${name} ${n * 2}`), args: [q, 'Bob', 21] })
  p.start()
  assert.equal(p.pid, process.pid, 'thread context: the OS process is this one')
  assert.equal(typeof p.ident, 'number')
  assert.ok(Number.isInteger(p.ident) && p.ident > 0, `ident ${p.ident}`)
  assert.equal(await q.get({ timeout: 30000 }), 'hello Bob 42')
  await p.join()
  assert.equal(p.exitCode, 0)
  assert.equal(p.isAlive(), false)
})

test.serial('an async target is awaited before the child ends', async (t) => {
  t.timeout(T)
  const v = new Value('i', 0)
  const p = new Process({
    target: async (value) => {
      await new Promise((resolve) => setTimeout(resolve, 50))
      value.value = 7
    },
    args: [v],
  })
  p.start()
  await p.join()
  assert.equal(p.exitCode, 0)
  assert.equal(v.value, 7)
})

test.serial('a child whose target awaits an async wait (q.get, ev.wait, lock.acquire) stays alive until it resumes', async (t) => {
  t.timeout(T)
  const q = new Queue()
  const ev = new Event()
  const lock = new Lock()
  lock.acquireSync()
  const out = new Queue()
  const p = new Process({
    target: async (items, event, l, results) => {
      const item = await items.get()
      const flag = await event.wait()
      const got = await l.acquire()
      results.putSync([item, flag, got])
    },
    args: [q, ev, lock, out],
  })
  await withStarted(p, async () => {
    await p.join(100)
    assert.equal(p.exitCode, null, 'still waiting for the item')
    assert.equal(p.isAlive(), true)
    q.putSync('item')
    await p.join(50)
    assert.equal(p.exitCode, null, 'still waiting for the event')
    ev.set()
    await p.join(50)
    assert.equal(p.exitCode, null, 'still waiting for the lock')
    lock.release()
    await p.join()
    assert.equal(p.exitCode, 0)
  })
  assert.deepEqual(await out.get({ timeout: 30000 }), ['item', true, true])
  assert.equal(q.qsize(), 0, 'the child took the item')
})

test.serial('pid and ident keep their values after the child has ended', async (t) => {
  t.timeout(T)
  const q = new Queue()
  const p = new Process({ target: (queue, pkg) => queue.putSync(require(pkg).currentProcess().ident), args: [q, packageCjs] })
  p.start()
  const ident = p.ident
  await p.join()
  assert.equal(await q.get({ timeout: 30000 }), ident)
  assert.equal(p.ident, ident)
  assert.equal(p.pid, process.pid)
})

testBoth('a Process without a target runs nothing and exits 0', async (context) => {
  const p = new Process({ context })
  p.start()
  await p.join()
  assert.equal(p.exitCode, 0)
})

test.serial('exitCode is null and isAlive() true while the child runs; 0 and false once join resolves', async (t) => {
  t.timeout(T)
  const go = new Event()
  const p = new Process({ target: (ev) => { ev.waitSync() }, args: [go] })
  await withStarted(p, async () => {
    assert.equal(p.isAlive(), true)
    assert.equal(p.exitCode, null)
    await sleep(50)
    assert.equal(p.isAlive(), true)
    assert.equal(p.exitCode, null)
    go.set()
    await p.join()
    assert.equal(p.exitCode, 0)
    assert.equal(p.isAlive(), false)
  })
})

testBoth('start() twice is an Error (also after the child finished)', async (context) => {
  const p = new Process({ target: () => {}, context })
  p.start()
  assert.throws(() => p.start(), Error)
  await p.join()
  assert.throws(() => p.start(), Error)
  assert.equal(p.exitCode, 0)
})

test.serial('shared objects nested in args arrive as live handles (Queue, Lock, Value, SharedArray)', async (t) => {
  t.timeout(T)
  const q = new Queue()
  const lock = new Lock()
  const num = new Value('d', 0.0)
  const arr = new SharedArray('i', [0, 1, 2, 3])
  const p = new Process({
    target: ({ shared: [n, a] }, { lock: l, queue }) => {
      n.value = 3.5
      for (let i = 0; i < a.length; i++) a.set(i, -a.get(i))
      queue.putSync(l.acquireSync({ block: false }))
    },
    args: [{ shared: [num, arr] }, { lock, queue: q }],
  })
  p.start()
  await p.join()
  assert.equal(p.exitCode, 0)
  assert.equal(num.value, 3.5)
  assert.deepEqual([...arr.toArray()], [0, -1, -2, -3])
  assert.equal(await q.get({ timeout: 30000 }), true, 'the child acquired the lock')
  assert.equal(lock.locked(), true, 'and it is the same lock')
  lock.release()
})

test.serial('a module task target: task(url, name) runs that export with its imports', async (t) => {
  t.timeout(T)
  const tasks = writeModule(`
import { currentProcess } from ${JSON.stringify(packageUrl)}
const prefix = 'module state'
export function greet(queue, name) { queue.putSync(prefix + ': hello ' + name + ' from ' + currentProcess().name) }
export default function (value) { value.value = 99 }
`)
  const q = new Queue()
  const p = new Process({ target: task(pathToFileURL(tasks), 'greet'), args: [q, 'Bob'], name: 'greeter' })
  p.start()
  await p.join()
  assert.equal(p.exitCode, 0)
  assert.equal(await q.get({ timeout: 30000 }), 'module state: hello Bob from greeter')

  const v = new Value('i', 0)
  const d = new Process({ target: task(tasks), args: [v] })
  d.start()
  await d.join()
  assert.equal(d.exitCode, 0)
  assert.equal(v.value, 99)
})

test.serial('a subclass overriding run(): own enumerable fields travel as `this`, shared ones as live handles', async (t) => {
  t.timeout(T)
  class Counter extends Process {
    label = 'counter'
    times = 3
    nested = { list: [1, 2, 3] }
    #secret = 'private'
    constructor(results, total) {
      super()
      this.results = results
      this.total = total
    }

    helper() {
      return 'method'
    }

    get secret() {
      return this.#secret
    }

    run() {
      for (let i = 0; i < this.times; i++) this.total.add(1)
      this.results.putSync({
        label: this.label,
        sum: this.nested.list.reduce((a, b) => a + b, 0),
        helper: typeof this.helper,
      })
    }
  }
  const results = new Queue()
  const total = new Value('i', 10)
  const p = new Counter(results, total)
  assert.match(p.name, /^Process-\d+$/)
  p.start()
  await p.join()
  assert.equal(p.exitCode, 0)
  assert.equal(total.value, 13, 'the Value field is a live handle')
  assert.deepEqual(await results.get({ timeout: 30000 }), { label: 'counter', sum: 6, helper: 'undefined' })
  assert.equal(p.secret, 'private', 'the parent object is untouched')
})

testBoth('a subclass whose run() throws exits with code 1', async (context) => {
  class Failing extends Process {
    constructor() {
      super({ context })
    }

    run() {
      throw new Error('subclass failure')
    }
  }
  const p = new Failing()
  p.start()
  await p.join()
  assert.equal(p.exitCode, 1)
})

// ============================================================ exit codes

testBoth('exitCode: 1 on an uncaught error (sync or async target), n for process.exit(n)', async (context) => {
  const cases = [
    [() => { throw new Error('boom') }, 1],
    [async () => { await null; throw new TypeError('async boom') }, 1],
    [() => { process.exit(7) }, 7],
    [() => { process.exit(0) }, 0],
    [async () => { await new Promise((resolve) => setTimeout(resolve, 10)); process.exit(3) }, 3],
    [() => { setTimeout(() => { throw new Error('late uncaught') }, 0); return new Promise(() => {}) }, 1],
  ]
  const children = cases.map(([target]) => new Process({ target, context }))
  children.forEach((p) => p.start())
  await Promise.all(children.map((p) => p.join()))
  assert.deepEqual(children.map((p) => p.exitCode), cases.map(([, code]) => code))
})

test.serial('terminate() stops a child blocked in lock.acquireSync(): exitCode -15', async (t) => {
  t.timeout(T)
  const lock = new Lock()
  lock.acquireSync()
  const reached = new Event()
  const p = new Process({ target: (l, ev) => { ev.set(); l.acquireSync(); ev.clear() }, args: [lock, reached] })
  await withStarted(p, async () => {
    assert.equal(await reached.wait(30000), true)
    await p.join(50)
    assert.equal(p.exitCode, null, 'still blocked')
    p.terminate()
    await p.join()
    assert.equal(p.exitCode, -15)
    assert.equal(p.isAlive(), false)
  })
  assert.equal(lock.locked(), true, 'the blocked child never got the lock')
  lock.release()
})

test.serial('kill() stops a child blocked in lock.acquireSync(): exitCode -9', async (t) => {
  t.timeout(T)
  const lock = new Lock()
  lock.acquireSync()
  const reached = new Event()
  const p = new Process({ target: (l, ev) => { ev.set(); l.acquireSync() }, args: [lock, reached] })
  await withStarted(p, async () => {
    assert.equal(await reached.wait(30000), true)
    p.kill()
    await p.join()
    assert.equal(p.exitCode, -9)
  })
  lock.release()
})

test.serial('terminate() and kill() stop a child in an endless loop: -15 and -9', async (t) => {
  t.timeout(T)
  const spinning = new Value('i', 0)
  const loop = (v) => { v.add(1); for (;;) {} }
  const terminated = new Process({ target: loop, args: [spinning] })
  const killed = new Process({ target: loop, args: [spinning] })
  terminated.start()
  killed.start()
  try {
    await until(() => spinning.value === 2, 'both children to enter their loops')
    terminated.terminate()
    killed.kill()
    await Promise.all([terminated.join(), killed.join()])
    assert.equal(terminated.exitCode, -15)
    assert.equal(killed.exitCode, -9)
  } finally {
    for (const p of [terminated, killed]) if (p.exitCode === null) p.kill()
  }
})

test.serial('terminate() stops a child blocked in event.waitSync() and in queue.getSync(); joinSync returns after it', async (t) => {
  t.timeout(T)
  const never = new Event()
  const empty = new Queue()
  const started = new Value('i', 0)
  const a = new Process({ target: (ev, s) => { s.add(1); ev.waitSync() }, args: [never, started] })
  const b = new Process({ target: (q, s) => { s.add(1); q.getSync() }, args: [empty, started] })
  a.start()
  b.start()
  try {
    await until(() => started.value === 2, 'both children to block')
    a.terminate()
    b.terminate()
    a.joinSync()
    b.joinSync()
    assert.equal(a.exitCode, -15)
    assert.equal(b.exitCode, -15)
  } finally {
    for (const p of [a, b]) if (p.exitCode === null) p.kill()
  }
})

testBoth('terminate()/kill() of a finished child keep its exit code', async (context) => {
  const p = new Process({ target: () => { process.exit(4) }, context })
  p.start()
  await p.join()
  p.terminate()
  p.kill()
  assert.equal(p.exitCode, 4)
  await p.join()
  assert.equal(p.exitCode, 4)
})

// ======================================================== join timeouts

test.serial('join(50) on a long child returns with exitCode null; join() later gets the code', async (t) => {
  t.timeout(T)
  const go = new Event()
  const p = new Process({ target: (ev) => { ev.waitSync(); process.exit(5) }, args: [go] })
  await withStarted(p, async () => {
    await p.join(50)
    assert.equal(p.exitCode, null)
    assert.equal(p.isAlive(), true)
    await p.join({ timeout: 50 })
    assert.equal(p.exitCode, null)
    await p.join(0)
    assert.equal(p.exitCode, null)
    go.set()
    await p.join()
    assert.equal(p.exitCode, 5)
  })
})

test.serial('joinSync(50) on a long child returns with exitCode null; joinSync() blocks until it ends', async (t) => {
  t.timeout(T)
  const go = new Event()
  const p = new Process({
    target: async (ev) => {
      await ev.wait()
      await new Promise((resolve) => setTimeout(resolve, 100))
    },
    args: [go],
  })
  await withStarted(p, async () => {
    p.joinSync(50)
    assert.equal(p.exitCode, null)
    assert.equal(p.isAlive(), true)
    p.joinSync(0)
    assert.equal(p.exitCode, null)
    go.set()
    p.joinSync()
    assert.equal(p.exitCode, 0, 'set once joinSync() returns')
    assert.equal(p.isAlive(), false)
  })
})

testBoth('join() and joinSync() of a process that was never started are Errors', async (context) => {
  const p = new Process({ target: () => {}, context })
  await assert.rejects(p.join(), Error)
  assert.throws(() => p.joinSync(), Error)
})

// ================================================================= close

test.serial('close(): an Error while running; afterwards start/join/isAlive/terminate are Errors', async (t) => {
  t.timeout(T)
  const go = new Event()
  const p = new Process({ target: (ev) => { ev.waitSync() }, args: [go] })
  await withStarted(p, async () => {
    assert.throws(() => p.close(), /running/)
    assert.equal(p.isAlive(), true, 'a failed close() changes nothing')
    go.set()
    await p.join()
  })
  p.close()
  assert.throws(() => p.start(), Error)
  await assert.rejects(async () => p.join(), Error)
  assert.throws(() => p.joinSync(), Error)
  assert.throws(() => p.isAlive(), Error)
  assert.throws(() => p.terminate(), Error)
  assert.throws(() => p.kill(), Error)

  const unstarted = new Process({ target: () => {} })
  unstarted.close()
  assert.throws(() => unstarted.start(), Error)
})

// ====================================================== identity, nesting

test.serial('inside a child: currentProcess() is the child, parentProcess() is the parent', async (t) => {
  t.timeout(T)
  const q = new Queue()
  const target = (queue, pkg) => {
    const { currentProcess, parentProcess } = require(pkg)
    queue.putSync({ current: currentProcess(), parent: parentProcess() })
  }
  const a = new Process({ target, args: [q, packageCjs], name: 'alpha' })
  const b = new Process({ target, args: [q, packageCjs], name: 'beta', daemon: true })
  a.start()
  await a.join()
  b.start()
  b.joinSync() // a pending join() of a daemon child does not keep this process alive
  const [fromA, fromB] = [await q.get({ timeout: 30000 }), await q.get({ timeout: 30000 })]
  const main = currentProcess()
  assert.equal(main.name, 'MainProcess')
  assert.equal(parentProcess(), null)
  assert.deepEqual(fromA.current, { name: 'alpha', pid: process.pid, ident: a.ident, daemon: false })
  assert.deepEqual(fromB.current, { name: 'beta', pid: process.pid, ident: b.ident, daemon: true })
  for (const { parent } of [fromA, fromB]) {
    assert.deepEqual(parent, { name: 'MainProcess', pid: process.pid, ident: main.ident })
  }
  assert.notEqual(a.ident, b.ident)
})

test.serial('children start their own children: numbered from Process-1 per parent, parentProcess() is the child', async (t) => {
  t.timeout(T)
  const q = new Queue()
  const child = (queue, pkg) => {
    const { Process, currentProcess, parentProcess } = require(pkg)
    const grandchild = (qq, pk) => {
      const info = require(pk)
      qq.putSync({ who: 'grandchild', current: info.currentProcess(), parent: info.parentProcess() })
    }
    const kids = [new Process({ target: grandchild, args: [queue, pkg] }), new Process({ target: grandchild, args: [queue, pkg] })]
    queue.putSync({ who: 'child', current: currentProcess(), parent: parentProcess(), kidNames: kids.map((k) => k.name) })
    kids[0].start()
    kids[0].joinSync()
    kids[1].start()
    return kids[1].join().then(() => queue.putSync({ who: 'codes', codes: kids.map((k) => k.exitCode) }))
  }
  const p = new Process({ target: child, args: [q, packageCjs], name: 'outer' })
  p.start()
  await p.join()
  assert.equal(p.exitCode, 0)
  const got = []
  while (!q.empty()) got.push(q.getNowait())
  const mine = got.find((m) => m.who === 'child')
  const grandchildren = got.filter((m) => m.who === 'grandchild')
  assert.deepEqual(mine.current.name, 'outer')
  assert.deepEqual(mine.parent.name, 'MainProcess')
  assert.deepEqual(mine.kidNames, ['Process-1', 'Process-2'], 'numbered per parent')
  assert.equal(grandchildren.length, 2)
  assert.deepEqual(grandchildren.map((g) => g.current.name).sort(), ['Process-1', 'Process-2'])
  for (const g of grandchildren) {
    assert.equal(g.parent.name, 'outer')
    assert.equal(g.parent.ident, p.ident)
    assert.notEqual(g.current.ident, p.ident)
  }
  assert.deepEqual(got.find((m) => m.who === 'codes').codes, [0, 0])
})

test.serial('a child waits for its own running non-daemon children before it ends', async (t) => {
  t.timeout(T)
  const go = new Event()
  const done = new Value('i', 0)
  const p = new Process({
    target: (pkg, ev, d) => {
      const { Process } = require(pkg)
      new Process({ target: (e, v) => { e.waitSync(); v.value = 1 }, args: [ev, d] }).start()
      // returns at once: the grandchild is still waiting on `ev`
    },
    args: [packageCjs, go, done],
  })
  await withStarted(p, async () => {
    await p.join(100)
    assert.equal(p.exitCode, null, 'kept alive by its non-daemon child')
    go.set()
    await p.join()
    assert.equal(p.exitCode, 0)
    assert.equal(done.value, 1, 'the grandchild finished its work')
  })
})

test.serial('daemon grandchildren are stopped when their parent child ends, and never keep it alive', async (t) => {
  t.timeout(T)
  const ticks = new Value('i', 0)
  const p = new Process({
    target: (pkg, t) => {
      const { Process } = require(pkg)
      const spinner = new Process({ target: (v) => { for (;;) v.add(1) }, args: [t], daemon: true })
      spinner.start()
      while (t.value === 0);
      // returns with the daemon still spinning
    },
    args: [packageCjs, ticks],
  })
  p.start()
  await p.join()
  assert.equal(p.exitCode, 0)
  assert.ok(ticks.value > 0)
  await sleep(50)
  const seen = ticks.value
  await sleep(200)
  assert.equal(ticks.value, seen, 'the daemon grandchild no longer runs')
})

test.serial('a daemon child creates daemon children by default (inherited, as in Python)', async (t) => {
  t.timeout(T)
  const q = new Queue()
  const p = new Process({
    target: (pkg, queue) => {
      const { Process } = require(pkg)
      queue.putSync(new Process({ target: () => {} }).daemon)
    },
    args: [packageCjs, q],
    daemon: true,
  })
  p.start()
  p.joinSync()
  assert.equal(await q.get({ timeout: 30000 }), true)
})

test.serial('activeChildren(): started children that have not finished', async (t) => {
  t.timeout(T)
  assert.deepEqual(activeChildren(), [])
  const go = new Event()
  const stop = new Event()
  const a = new Process({ target: (ev) => { ev.waitSync() }, args: [go] })
  const b = new Process({ target: (ev) => { ev.waitSync() }, args: [stop] })
  const idle = new Process({ target: () => {} })
  a.start()
  b.start()
  try {
    const active = activeChildren()
    assert.equal(active.length, 2)
    assert.ok(active.includes(a) && active.includes(b))
    assert.ok(!active.includes(idle), 'not started')
    go.set()
    await a.join()
    assert.deepEqual(activeChildren(), [b])
    b.terminate()
    await b.join()
    assert.deepEqual(activeChildren(), [])
  } finally {
    for (const p of [a, b]) if (p.exitCode === null) p.kill()
  }
})

test.serial('activeChildren() inside a child lists its own children, not its siblings', async (t) => {
  t.timeout(T)
  const q = new Queue()
  const other = new Event()
  const sibling = new Process({ target: (ev) => { ev.waitSync() }, args: [other] })
  sibling.start()
  const p = new Process({
    target: async (pkg, queue) => {
      const { Process, activeChildren } = require(pkg)
      const before = activeChildren().length
      const kid = new Process({ target: () => new Promise((resolve) => setTimeout(resolve, 100)), name: 'kid' })
      kid.start()
      const during = activeChildren().map((c) => c.name)
      await kid.join()
      queue.putSync([before, during, activeChildren().length])
    },
    args: [packageCjs, q],
  })
  p.start()
  try {
    await p.join()
    assert.deepEqual(await q.get({ timeout: 30000 }), [0, ['kid'], 0])
  } finally {
    other.set()
    await sibling.join()
  }
})

// ============================================================ bad input

test.serial('bad input: target not a function, args not an array, unknown context, process-only options, daemon after start', async (t) => {
  t.timeout(T)
  for (const target of [42, 'fn', {}, null]) {
    assert.throws(() => new Process({ target }), TypeError, `target ${String(target)}`)
  }
  for (const args of ['Bob', 1, { 0: 'a' }, null]) {
    assert.throws(() => new Process({ target: () => {}, args }), TypeError, `args ${String(args)}`)
  }
  assert.throws(() => new Process({ target: () => {}, context: 'fork' }), /Process context must be 'thread' or 'process', got "fork"/)
  for (const option of ['execArgv', 'env', 'cwd']) {
    const value = option === 'cwd' ? '/' : option === 'env' ? {} : []
    assert.throws(() => new Process({ target: () => {}, [option]: value }), (error) => {
      assert.ok(error instanceof TypeError)
      assert.match(error.message, new RegExp(`Process option ${option} has no meaning in the 'thread' context`))
      return true
    })
  }
  assert.throws(() => new Process({ target: () => {}, name: 5 }), TypeError)
  assert.throws(() => new Process({ target: Math.max }).start(), TypeError, 'a native function cannot be shipped')

  const go = new Event()
  const p = new Process({ target: (ev) => { ev.waitSync() }, args: [go] })
  await withStarted(p, async () => {
    assert.throws(() => { p.daemon = true }, Error)
    assert.equal(p.daemon, false)
    go.set()
    await p.join()
    assert.throws(() => { p.daemon = true }, Error)
  })
})

testBoth('args that cannot be cloned are a TypeError at start() naming the path; nothing starts', (context) => {
  const p = new Process({ target: () => {}, args: [1, { cb: () => {} }], context })
  assert.throws(() => p.start(), (error) => {
    assert.ok(error instanceof TypeError)
    assert.match(error.message, /args\[1\]\.cb/)
    return true
  })
  assert.equal(p.pid, null)
  assert.equal(p.isAlive(), false)
  assert.deepEqual(activeChildren().filter((c) => c === p), [])
})

test.serial('a Manager dict and list passed to a child are live proxies', async (t) => {
  t.timeout(T)
  const manager = new Manager()
  try {
    const d = manager.dict()
    const l = manager.list([0, 1, 2, 3, 4])
    const p = new Process({
      target: (dict, list) => {
        dict.set(1, '1')
        dict.set('2', 2)
        dict.set(0.25, null)
        list.reverse()
      },
      args: [d, l],
    })
    p.start()
    await p.join()
    assert.equal(p.exitCode, 0)
    assert.deepEqual([...d.entries()], [[1, '1'], ['2', 2], [0.25, null]])
    assert.deepEqual(l.toArray(), [4, 3, 2, 1, 0])
  } finally {
    await manager.shutdown()
  }
})

// ============================================ scripts: output and lifetime

testBoth("a child's console.log and stderr reach the parent's output before join() resolves", async (context) => {
  const result = await runScript(`
const p = new Process({ target: (n) => { console.log('child says', n); process.stdout.write('raw stdout\\n'); console.error('child error line') }, args: ['hi'], context })
p.start()
await p.join()
console.log('joined', p.exitCode)
console.error('parent error line')
`, { context })
  assertExitedCleanly(result)
  assert.deepEqual(lines(result.stdout), ['child says hi', 'raw stdout', 'joined 0'])
  assert.deepEqual(lines(result.stderr), ['child error line', 'parent error line'])
})

// A parent blocked in joinSync() cannot take a child thread's output (it
// travels as messages to the parent's event loop), so ordering is only
// promised for join(): here the output must simply not be lost.
testBoth("a child's output is not lost when the parent uses joinSync()", async (context) => {
  const result = await runScript(`
const p = new Process({ target: () => console.log('child line'), context })
p.start()
p.joinSync()
console.log('joinSync returned', p.exitCode)
`, { context })
  assertExitedCleanly(result)
  assert.deepEqual(lines(result.stdout).sort(), ['child line', 'joinSync returned 0'])
})

testBoth('output of many lines from several children all arrives before their joins resolve', async (context) => {
  const result = await runScript(`
const kids = [0, 1, 2].map((k) => new Process({ target: (k) => { for (let i = 0; i < 2000; i++) console.log('child', k, 'line', i) }, args: [k], context }))
kids.forEach((p) => p.start())
await Promise.all(kids.map((p) => p.join()))
console.log('joined', kids.map((p) => p.exitCode).join(','))
`, { context })
  assertExitedCleanly(result)
  const out = lines(result.stdout)
  assert.equal(out.length, 6001)
  assert.equal(out.at(-1), 'joined 0,0,0')
  for (const k of [0, 1, 2]) {
    const mine = out.filter((line) => line.startsWith(`child ${k} `))
    assert.deepEqual(mine, Array.from({ length: 2000 }, (_, i) => `child ${k} line ${i}`))
  }
})

testBoth('an uncaught error in a child prints its stack to stderr and gives exitCode 1; the parent goes on', async (context) => {
  const result = await runScript(`
const p = new Process({ target: function failingTarget() { throw new RangeError('bad value in child') }, context })
p.start()
await p.join()
console.log('joined', p.exitCode)
`, { context })
  assertExitedCleanly(result)
  assert.deepEqual(lines(result.stdout), ['joined 1'])
  assert.match(result.stderr, /RangeError: bad value in child/)
  assert.match(result.stderr, /\n\s+at /, 'with the stack')
  assert.match(result.stderr, /failingTarget/)
})

testBoth('a script whose child has finished exits by itself', async (context) => {
  const result = await runScript(`
const p = new Process({ target: (name) => console.log('hello', name), args: ['Bob'], context })
p.start()
await p.join()
console.log('done', p.exitCode, activeChildren().length)
`, { context })
  assertExitedCleanly(result)
  assert.deepEqual(lines(result.stdout), ['hello Bob', 'done 0 0'])
})

testBoth('the same through require()', async (context) => {
  const result = await runScript(`
const p = new Process({ target: (name) => console.log('hello', name), args: ['Ann'], name: 'cjs-child', context })
p.start()
p.join().then(() => console.log('done', p.name, p.exitCode))
`, { cjs: true, context })
  assertExitedCleanly(result)
  assert.deepEqual(lines(result.stdout), ['hello Ann', 'done cjs-child 0'])
})

test.serial('a script with a running non-daemon child, never joined, waits for it: its output appears, exit code 0', async (t) => {
  t.timeout(T)
  const result = await runScript(`
const go = new Event()
const p = new Process({
  target: async (ev) => {
    await ev.wait()
    await new Promise((resolve) => setTimeout(resolve, 200))
    console.log('child finished after the parent')
  },
  args: [go],
})
p.start()
console.log('parent end')
go.set()
`)
  assertExitedCleanly(result)
  assert.deepEqual(lines(result.stdout), ['parent end', 'child finished after the parent'])
})

test.serial('a non-daemon child in an endless loop keeps the script alive (it is still running when killed)', async (t) => {
  t.timeout(T)
  const result = await runScript(`
const started = new Event()
const p = new Process({ target: (ev) => { ev.set(); for (;;) {} }, args: [started] })
p.start()
await started.wait()
console.log('parent end')
`, { deadline: 3000 })
  // The script never ends by itself, so it is killed whatever the deadline.
  assert.equal(result.killed, true, `expected the script to be kept alive; exit ${result.code}\n${result.stderr}`)
  assert.deepEqual(lines(result.stdout), ['parent end'])
})

test.serial("a script does not wait for a daemon child: it exits by itself and the daemon's late output never appears", async (t) => {
  t.timeout(T)
  const result = await runScript(`
const started = new Event()
const p = new Process({
  target: async (ev) => {
    console.log('daemon started')
    ev.set()
    await new Promise((resolve) => setTimeout(resolve, 10000))
    console.log('daemon late output')
  },
  args: [started],
  daemon: true,
})
p.start()
started.waitSync() // an awaited wait would not keep this script alive: only a daemon child runs
console.log('parent end', p.isAlive())
`)
  assertExitedCleanly(result)
  assert.ok(!result.stdout.includes('daemon late output'), result.stdout)
  // 'daemon started' may or may not make it out before the parent exits (as with
  // Python's buffered stdout in a terminated daemon).
  assert.deepEqual(lines(result.stdout).filter((line) => line !== 'daemon started'), ['parent end true'])
})

test.serial('a daemon child in an endless loop never keeps the script alive', async (t) => {
  t.timeout(T)
  const result = await runScript(`
const started = new Event()
const p = new Process({ target: (ev) => { ev.set(); for (;;) {} }, args: [started], daemon: true })
p.start()
started.waitSync()
console.log('parent end', p.daemon)
`)
  assertExitedCleanly(result)
  assert.deepEqual(lines(result.stdout), ['parent end true'])
})

test.serial('a script whose child is blocked in acquireSync can terminate it and exit', async (t) => {
  t.timeout(T)
  const result = await runScript(`
const lock = new Lock()
lock.acquireSync()
const reached = new Event()
const p = new Process({ target: (l, ev) => { ev.set(); l.acquireSync(); console.log('never') }, args: [lock, reached] })
p.start()
await reached.wait()
p.terminate()
await p.join()
console.log('terminated', p.exitCode)
`)
  assertExitedCleanly(result)
  assert.deepEqual(lines(result.stdout), ['terminated -15'])
})
