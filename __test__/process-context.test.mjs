// Process in the process context (contract: "Process", Python's semantics):
// `new Process({ target, args, context: 'process' })` runs in an OS child
// process. Isolation (module state, env, cwd), pid/ident and
// currentProcess()/parentProcess() in the child, Python's exit codes (n, 1,
// -15, -9, -N for signal N), join/joinSync, daemon and non-daemon lifetimes,
// no orphans when the parent is SIGKILLed, output not lost at exit, shared
// objects refused naming their path, subclasses, the process-only options.
// Children report through files in a temp folder (no shared objects cross
// processes yet); waits end by what the user observes, never by fixed sleeps.
import test from 'ava'
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { Process, Queue, Lock, Value, Event, Barrier, task, wait, activeChildren, currentProcess, getContext } from '../index.mjs'

const T = 60000
const context = 'process'
const packageCjs = fileURLToPath(new URL('../index.js', import.meta.url))
const packageUrl = new URL('../index.mjs', import.meta.url).href
const repoRoot = fileURLToPath(new URL('..', import.meta.url))

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multiproc-process-context-'))
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }))

let files = 0
/** A fresh path in the temp folder. */
const tempPath = (ext = 'json') => path.join(dir, `file-${++files}.${ext}`)

/** Writes a module into the temp folder; returns its path. */
function writeModule(source, ext = 'mjs') {
  const file = tempPath(ext)
  fs.writeFileSync(file, source)
  return file
}

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'))

/** Polls until `predicate()` holds; a generous guard, not a measurement. */
async function until(predicate, what, limitMs = 30000) {
  const end = Date.now() + limitMs
  while (!predicate()) {
    if (Date.now() > end) assert.fail(`gave up waiting for ${what}`)
    await sleep(5)
  }
}

/**
 * Whether process `pid` still runs. A dead child whose new parent has not
 * reaped it yet is a zombie, which `kill(pid, 0)` still finds: on Linux its
 * state says it is dead.
 */
function running(pid) {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  if (process.platform !== 'linux') return true
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

/** Starts `p`, and always leaves it stopped after `body`. */
async function withStarted(p, body) {
  p.start()
  try {
    return await body(p)
  } finally {
    if (p.exitCode === null) p.kill()
    await p.join()
  }
}

const DEADLINE_MS = 30000

/** Runs `body` after an import of the package in a child `node`; resolves with the outcome. */
function runScript(body, { execArgv = [], deadline = DEADLINE_MS, cwd } = {}) {
  const file = writeModule(`import { Process, currentProcess, parentProcess, activeChildren, task } from ${JSON.stringify(packageUrl)}\n${body}`)
  return new Promise((resolve) => {
    execFile(process.execPath, [...execArgv, file], { timeout: deadline, killSignal: 'SIGKILL', cwd }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, killed: Boolean(error?.killed), stdout, stderr })
    })
  })
}

function assertExitedCleanly(result) {
  assert.equal(result.killed, false, `the script did not exit by itself within ${DEADLINE_MS} ms\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)
  assert.equal(result.code, 0, `exit code ${result.code}\nstderr: ${result.stderr}`)
}

const lines = (text) => text.split('\n').filter((line) => line !== '')

/** Starts a script and resolves with it and the first `count` lines it prints. */
function startScript(body, count) {
  const file = writeModule(`import { Process } from ${JSON.stringify(packageUrl)}\n${body}`)
  const script = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    script.stdout.on('data', (chunk) => {
      out += chunk
      const got = lines(out)
      if (got.length >= count) resolve({ script, lines: got })
    })
    script.once('exit', (code, signal) => reject(new Error(`the script ended (${code ?? signal}) after printing ${JSON.stringify(out)}`)))
  })
}

// ====================================================== identity

test.serial('p.pid is the child OS process (not this one), p.ident === p.pid, both kept after the end', async (t) => {
  t.timeout(T)
  const out = tempPath()
  const p = new Process({ target: (file) => require('fs').writeFileSync(file, JSON.stringify(process.pid)), args: [out], context })
  assert.equal(p.pid, null)
  p.start()
  assert.ok(Number.isInteger(p.pid) && p.pid > 0, `pid ${p.pid}`)
  assert.notEqual(p.pid, process.pid)
  assert.equal(p.ident, p.pid)
  await p.join()
  assert.equal(p.exitCode, 0)
  assert.equal(readJson(out), p.pid, "the child's own process.pid")
  assert.equal(p.ident, p.pid)
})

test.serial('inside the child: currentProcess() is the Process (name, its pid, ident === pid), parentProcess() this process', async (t) => {
  t.timeout(T)
  const out = tempPath()
  const target = (file, pkg) => {
    const { currentProcess, parentProcess } = require(pkg)
    require('fs').writeFileSync(file, JSON.stringify({ current: currentProcess(), parent: parentProcess(), pid: process.pid, ppid: process.ppid }))
  }
  const p = new Process({ target, args: [out, packageCjs], name: 'alpha', context })
  p.start()
  await p.join()
  assert.equal(p.exitCode, 0)
  const seen = readJson(out)
  assert.deepEqual(seen.current, { name: 'alpha', pid: p.pid, ident: p.pid, daemon: false })
  assert.deepEqual(seen.parent, { name: 'MainProcess', pid: process.pid, ident: currentProcess().ident })
  assert.equal(seen.ppid, process.pid)
})

test.serial('a child starts its own process children: numbered per parent, their parentProcess() is the child; it waits for them', async (t) => {
  t.timeout(T)
  const out = tempPath()
  const child = (file, pkg) => {
    const { Process } = require(pkg)
    const grandchild = (f, pk, slot) => {
      const info = require(pk)
      return new Promise((resolve) => setTimeout(resolve, 100)).then(() => {
        require('fs').writeFileSync(`${f}.${slot}`, JSON.stringify({ current: info.currentProcess(), parent: info.parentProcess() }))
      })
    }
    const kids = [0, 1].map((slot) => new Process({ target: grandchild, args: [file, pkg, slot], context: 'process' }))
    kids.forEach((kid) => kid.start())
    require('fs').writeFileSync(file, JSON.stringify({ names: kids.map((kid) => kid.name), pids: kids.map((kid) => kid.pid) }))
    // returns at once: the grandchildren are still sleeping
  }
  const p = new Process({ target: child, args: [out, packageCjs], name: 'outer', context })
  p.start()
  await p.join()
  assert.equal(p.exitCode, 0)
  const { names, pids } = readJson(out)
  assert.deepEqual(names, ['Process-1', 'Process-2'])
  for (const slot of [0, 1]) {
    const { current, parent } = readJson(`${out}.${slot}`) // written before the child ended
    assert.deepEqual(current, { name: names[slot], pid: pids[slot], ident: pids[slot], daemon: false })
    assert.deepEqual(parent, { name: 'outer', pid: p.pid, ident: p.pid })
  }
})

// ==================================================== isolation

test.serial("isolation: a module-level variable, process.env and process.chdir() changed in the child are not changed here", async (t) => {
  t.timeout(T)
  const counterModule = writeModule(`
import { writeFileSync } from 'node:fs'
export let count = 0
export function bump(file) {
  count += 1
  process.env.MULTIPROC_TEST_VAR = 'child'
  process.chdir('/')
  writeFileSync(file, JSON.stringify({ count, env: process.env.MULTIPROC_TEST_VAR, cwd: process.cwd() }))
}
`)
  // The same module, loaded here too.
  const counter = await import(pathToFileURL(counterModule).href)
  process.env.MULTIPROC_TEST_VAR = 'parent'
  const cwd = process.cwd()
  const out = tempPath()
  const seenAtStart = tempPath()
  try {
    const first = new Process({ target: (file) => require('fs').writeFileSync(file, JSON.stringify(process.env.MULTIPROC_TEST_VAR)), args: [seenAtStart], context })
    first.start()
    await first.join()
    assert.equal(readJson(seenAtStart), 'parent', 'the child starts with this environment')
    const p = new Process({ target: task(pathToFileURL(counterModule), 'bump'), args: [out], context })
    p.start()
    await p.join()
    assert.equal(p.exitCode, 0)
    assert.deepEqual(readJson(out), { count: 1, env: 'child', cwd: '/' }, 'the child changed its own copies')
    assert.equal(counter.count, 0)
    assert.equal(process.env.MULTIPROC_TEST_VAR, 'parent')
    assert.equal(process.cwd(), cwd)
  } finally {
    delete process.env.MULTIPROC_TEST_VAR
  }
})

test.serial('args travel as copies: the child changing them changes nothing here', async (t) => {
  t.timeout(T)
  const items = [1, 2]
  const nested = { list: items, map: new Map([['k', 1]]) }
  const out = tempPath()
  const p = new Process({
    target: (file, arg) => {
      arg.list.push(3)
      arg.map.set('k', 2)
      require('fs').writeFileSync(file, JSON.stringify([arg.list, [...arg.map]]))
    },
    args: [out, nested],
    context,
  })
  p.start()
  await p.join()
  assert.deepEqual(readJson(out), [[1, 2, 3], [['k', 2]]])
  assert.deepEqual(items, [1, 2])
  assert.equal(nested.map.get('k'), 1)
})

// ==================================================== exit codes

test.serial('exit codes as in Python: 0, n for process.exit(n), 1 for an uncaught error, -11 for SIGSEGV', async (t) => {
  t.timeout(T)
  const cases = [
    [() => {}, 0],
    [async () => { await new Promise((resolve) => setTimeout(resolve, 10)) }, 0],
    [() => { process.exit(7) }, 7],
    [async () => { await null; process.exit(3) }, 3],
    [() => { throw new Error('boom') }, 1],
    [async () => { await null; throw new TypeError('async boom') }, 1],
    [() => { setTimeout(() => { throw new Error('late uncaught') }, 0); return new Promise(() => {}) }, 1],
    [() => { Promise.reject(new Error('unhandled rejection')); return new Promise(() => {}) }, 1],
    [() => { process.kill(process.pid, 'SIGSEGV') }, -11],
    [() => { process.kill(process.pid, 'SIGKILL') }, -9],
  ]
  const children = cases.map(([target]) => new Process({ target, context }))
  children.forEach((p) => p.start())
  await Promise.all(children.map((p) => p.join()))
  assert.deepEqual(children.map((p) => p.exitCode), cases.map(([, code]) => code))
})

test.serial('terminate() of a child in an endless loop sends SIGTERM: -15; kill() SIGKILL: -9', async (t) => {
  t.timeout(T)
  const markers = [tempPath(), tempPath()]
  const loop = (file) => { require('fs').writeFileSync(file, '1'); for (;;) {} }
  const [terminated, killed] = markers.map((file) => new Process({ target: loop, args: [file], context }))
  await withStarted(terminated, () => withStarted(killed, async () => {
    await until(() => markers.every((file) => fs.existsSync(file)), 'both children to enter their loops')
    assert.equal(terminated.isAlive(), true)
    assert.equal(terminated.exitCode, null)
    terminated.terminate()
    killed.kill()
    await Promise.all([terminated.join(), killed.join()])
    assert.equal(terminated.exitCode, -15)
    assert.equal(killed.exitCode, -9)
    assert.equal(terminated.isAlive(), false)
    assert.equal(running(terminated.pid), false)
  }))
})

test.serial('exitCode is null while the child runs, and set once join() returns; terminate()/kill() after the end change nothing', async (t) => {
  t.timeout(T)
  const go = tempPath()
  const p = new Process({
    target: async (file) => {
      while (!require('fs').existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 5))
      process.exit(5)
    },
    args: [go],
    context,
  })
  await withStarted(p, async () => {
    await p.join(100)
    assert.equal(p.exitCode, null)
    assert.equal(p.isAlive(), true)
    await p.join({ timeout: 0 })
    assert.equal(p.exitCode, null)
    fs.writeFileSync(go, '')
    await p.join()
    assert.equal(p.exitCode, 5)
    assert.equal(p.isAlive(), false)
    p.terminate()
    p.kill()
    assert.equal(p.exitCode, 5)
  })
})

test.serial('joinSync(timeout) returns with exitCode null while the child runs; joinSync() blocks until it ends', async (t) => {
  t.timeout(T)
  const p = new Process({ target: () => new Promise((resolve) => setTimeout(resolve, 300)).then(() => process.exit(6)), context })
  await withStarted(p, async () => {
    p.joinSync(50)
    assert.equal(p.exitCode, null)
    assert.equal(p.isAlive(), true)
    p.joinSync(0)
    assert.equal(p.exitCode, null)
    p.joinSync()
    assert.equal(p.exitCode, 6, 'set once joinSync() returns')
    assert.equal(p.isAlive(), false)
  })
  await p.join()
  assert.equal(p.exitCode, 6)
})

test.serial('joinSync() right after start() with large args: the start data is not held back by the blocked thread', async (t) => {
  t.timeout(T)
  const out = tempPath()
  const big = 'x'.repeat(4 * 1024 * 1024)
  const p = new Process({ target: (file, text) => require('fs').writeFileSync(file, String(text.length)), args: [out, big], context })
  p.start()
  p.joinSync()
  assert.equal(p.exitCode, 0)
  assert.equal(fs.readFileSync(out, 'utf8'), String(big.length))
})

test.serial('a loop polling isAlive() sees the child end without the event loop turning', (t) => {
  t.timeout(T)
  const p = new Process({ target: () => {}, context })
  p.start()
  const end = Date.now() + 30000
  while (p.isAlive()) assert.ok(Date.now() < end, 'the child did not end')
  assert.equal(p.exitCode, 0)
})

test.serial('close() while running is an Error; after the end it closes', async (t) => {
  t.timeout(T)
  const p = new Process({ target: () => new Promise((resolve) => setTimeout(resolve, 200)), context })
  await withStarted(p, async () => {
    assert.throws(() => p.close(), /running/)
    await p.join()
  })
  p.close()
  assert.throws(() => p.isAlive(), Error)
  assert.throws(() => p.start(), Error)
})

// ======================================= activeChildren(), wait()

test.serial('activeChildren() lists running process children; wait() returns a process child once it has ended', async (t) => {
  t.timeout(T)
  const go = tempPath()
  const p = new Process({
    target: async (file) => {
      while (!require('fs').existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 5))
    },
    args: [go],
    context,
  })
  await withStarted(p, async () => {
    assert.ok(activeChildren().includes(p))
    assert.deepEqual(await wait([p], 0), [])
    assert.deepEqual(await wait([p], 50), [])
    const ended = wait([p])
    fs.writeFileSync(go, '')
    assert.deepEqual(await ended, [p])
    assert.equal(p.exitCode, 0)
    await p.join()
    assert.ok(!activeChildren().includes(p))
  })
})

// ==================================================== subclasses, module tasks

test.serial("getContext('process').Process, and a subclass of it, start OS child processes", async (t) => {
  t.timeout(T)
  const { Process: ContextProcess } = getContext('process')
  class Sub extends ContextProcess {
    run() {}
  }
  const children = [new ContextProcess({ target: () => process.exit(2) }), new Sub()]
  children.forEach((p) => p.start())
  await Promise.all(children.map((p) => p.join()))
  assert.deepEqual(children.map((p) => p.exitCode), [2, 0])
  for (const p of children) {
    assert.ok(p instanceof Process)
    assert.notEqual(p.pid, process.pid)
    assert.equal(p.ident, p.pid)
  }
})

test.serial('a subclass with context process: run() shipped by source, own enumerable fields as `this`', async (t) => {
  t.timeout(T)
  class Worker extends Process {
    label = 'counter'
    #secret = 'private'
    constructor(out, times) {
      super({ context: 'process', name: 'sub' })
      this.out = out
      this.times = times
      this.nested = { list: [1, 2, 3] }
      this.pkg = packageCjs
    }

    helper() {
      return 'method'
    }

    get secret() {
      return this.#secret
    }

    run() {
      require('fs').writeFileSync(this.out, JSON.stringify({
        label: this.label,
        times: this.times,
        sum: this.nested.list.reduce((a, b) => a + b, 0),
        helper: typeof this.helper,
        name: require(this.pkg).currentProcess().name,
      }))
    }
  }
  const out = tempPath()
  const p = new Worker(out, 3)
  p.start()
  await p.join()
  assert.equal(p.exitCode, 0)
  assert.deepEqual(readJson(out), { label: 'counter', times: 3, sum: 6, helper: 'undefined', name: 'sub' })
  assert.equal(p.secret, 'private')
  assert.notEqual(p.pid, process.pid)
})

test.serial('a module task target runs that export with its imports', async (t) => {
  t.timeout(T)
  const tasks = writeModule(`
import { writeFileSync } from 'node:fs'
import { currentProcess } from ${JSON.stringify(packageUrl)}
const prefix = 'module state'
export function greet(file, name) { writeFileSync(file, prefix + ': hello ' + name + ' from ' + currentProcess().name) }
`)
  const out = tempPath('txt')
  const p = new Process({ target: task(pathToFileURL(tasks), 'greet'), args: [out, 'Bob'], name: 'greeter', context })
  p.start()
  await p.join()
  assert.equal(p.exitCode, 0)
  assert.equal(fs.readFileSync(out, 'utf8'), 'module state: hello Bob from greeter')
})

test.serial('.ts module tasks work when the parent runs under --import tsx (the child gets its execArgv)', async (t) => {
  t.timeout(T)
  const result = await runScript(`
const p = new Process({ target: task(${JSON.stringify(path.join(repoRoot, '__test__/fixtures/tasks.ts'))}, 'norm'), args: [{ x: 3, y: 4 }], context: 'process' })
const q = new Process({ target: task(new URL(${JSON.stringify(pathToFileURL(path.join(repoRoot, '__test__/fixtures/tasks.ts')).href)}), 'norm'), args: [{ x: 1, y: 1 }], context: 'process' })
p.start()
q.start()
await Promise.all([p.join(), q.join()])
console.log('codes', p.exitCode, q.exitCode)
`, { execArgv: ['--import', 'tsx'], cwd: repoRoot })
  assertExitedCleanly(result)
  assert.deepEqual(lines(result.stdout), ['codes 0 0'])
})

// ================================================ shared objects, bad input

test.serial('a shared object in args is refused at construction, naming its path: not supported yet', (t) => {
  t.timeout(T)
  const cases = [
    [[new Queue()], /args\[0\] is a shared object/],
    [[1, { deep: [new Barrier(2)] }], /args\[1\]\.deep\[0\] is a shared object/],
    [[new Map([['v', new Queue()]])], /args\[0\]\.get\(v\) is a shared object/],
  ]
  for (const [args, message] of cases) {
    assert.throws(() => new Process({ target: () => {}, args, context }), (error) => {
      assert.ok(error instanceof TypeError)
      assert.match(error.message, message)
      assert.match(error.message, /not supported yet/)
      return true
    })
  }
  // The thread context takes them as ever.
  new Process({ target: () => {}, args: [new Event()] })
})

test.serial("a shared object in a subclass's fields is refused at start(), naming this.<field>; nothing starts", (t) => {
  t.timeout(T)
  class Holder extends Process {
    constructor() {
      super({ context: 'process' })
      this.settings = { lock: new Lock(), barrier: new Barrier(2) }
    }

    run() {}
  }
  const p = new Holder()
  assert.throws(() => p.start(), (error) => {
    assert.ok(error instanceof TypeError)
    assert.match(error.message, /this\.settings\.barrier is a shared object/)
    assert.match(error.message, /not supported yet/)
    return true
  })
  assert.equal(p.pid, null)
  assert.ok(!activeChildren().includes(p))
})

test.serial('bad input is refused naming the option: context, execArgv, env, cwd', (t) => {
  t.timeout(T)
  assert.throws(() => new Process({ context: 'fork' }), /Process context must be 'thread' or 'process', got "fork"/)
  assert.throws(() => new Process({ context: 1 }), TypeError)
  assert.throws(() => new Process({ context, execArgv: '--foo' }), /Process execArgv must be an array of strings/)
  assert.throws(() => new Process({ context, execArgv: [1] }), /Process execArgv must be an array of strings/)
  assert.throws(() => new Process({ context, env: 'A=1' }), /Process env must be an object/)
  assert.throws(() => new Process({ context, cwd: 7 }), /Process cwd must be a string/)
  assert.throws(() => new Process({ target: 42, context }), TypeError)
  assert.throws(() => new Process({ args: 'x', context }), TypeError)
  assert.throws(() => new Process({ context, cwd: path.join(dir, 'no-such-folder') }), /Process cwd ".*no-such-folder" is not a directory/)
  const gone = fs.mkdtempSync(path.join(dir, 'gone-'))
  const p = new Process({ context, cwd: gone })
  fs.rmdirSync(gone)
  assert.throws(() => p.start(), /could not start .* in .*gone-/)
  assert.equal(p.pid, null)
  assert.ok(!activeChildren().includes(p))
})

test.serial('execArgv, env and cwd set up the child', async (t) => {
  t.timeout(T)
  const out = tempPath()
  const p = new Process({
    target: (file) => require('fs').writeFileSync(file, JSON.stringify({ execArgv: process.execArgv, env: process.env.ONLY_THIS, path: process.env.PATH ?? null, cwd: process.cwd() })),
    args: [out],
    context,
    execArgv: ['--stack-size=900'],
    env: { ONLY_THIS: 'yes' },
    cwd: os.tmpdir(),
  })
  p.start()
  await p.join()
  assert.equal(p.exitCode, 0)
  assert.deepEqual(readJson(out), { execArgv: ['--stack-size=900'], env: 'yes', path: null, cwd: fs.realpathSync(os.tmpdir()) })
})

// ============================================ scripts: output and lifetime

test.serial('output printed just before process.exit(n) in the child reaches the parent; nothing is lost', async (t) => {
  t.timeout(T)
  const result = await runScript(`
const p = new Process({
  target: () => {
    for (let i = 0; i < 5000; i++) console.log('line', i)
    process.stdout.write('last words')
    console.error('on stderr')
    process.exit(3)
  },
  context: 'process',
})
p.start()
await p.join()
console.log('')
console.log('joined', p.exitCode)
`)
  assertExitedCleanly(result)
  const out = lines(result.stdout)
  assert.deepEqual(out, [...Array.from({ length: 5000 }, (_, i) => `line ${i}`), 'last words', 'joined 3'])
  assert.deepEqual(lines(result.stderr), ['on stderr'])
})

test.serial('a script whose process children have finished, or are daemons, exits by itself', async (t) => {
  t.timeout(T)
  const result = await runScript(`
const done = new Process({ target: () => console.log('finished child'), context: 'process' })
done.start()
await done.join()
const daemon = new Process({ target: () => new Promise((resolve) => setTimeout(resolve, 20000)), daemon: true, context: 'process' })
daemon.start()
console.log('parent end', done.exitCode, daemon.isAlive())
`)
  assertExitedCleanly(result)
  assert.deepEqual(lines(result.stdout), ['finished child', 'parent end 0 true'])
})

test.serial('a running non-daemon process child keeps its parent alive until it ends, as in Python', async (t) => {
  t.timeout(T)
  const result = await runScript(`
const p = new Process({
  target: () => new Promise((resolve) => setTimeout(resolve, 300)).then(() => console.log('child finished after the parent')),
  context: 'process',
})
p.start()
console.log('parent end')
`)
  assertExitedCleanly(result)
  assert.deepEqual(lines(result.stdout), ['parent end', 'child finished after the parent'])
})

test.serial('a daemon process child is stopped when its parent exits', async (t) => {
  t.timeout(T)
  const result = await runScript(`
const p = new Process({ target: () => { for (;;) {} }, daemon: true, context: 'process' })
p.start()
console.log(p.pid)
`)
  assertExitedCleanly(result)
  const pid = Number(lines(result.stdout)[0])
  assert.ok(pid > 0)
  await until(() => !running(pid), `the daemon child ${pid} to be gone`, 1000)
})

test.serial('no orphans: when the parent is killed with SIGKILL its process children (looping or sleeping) are gone within a second', async (t) => {
  t.timeout(T)
  // Each child prints its pid (to the stdout it shares with the script) once its target runs.
  const { script, lines: pids } = await startScript(`
const looping = new Process({ target: () => { console.log(process.pid); for (;;) {} }, context: 'process' })
const sleeping = new Process({ target: () => { console.log(process.pid); return new Promise((resolve) => setTimeout(resolve, 60000)) }, context: 'process' })
const daemon = new Process({ target: () => { console.log(process.pid); return new Promise((resolve) => setTimeout(resolve, 60000)) }, context: 'process', daemon: true })
for (const p of [looping, sleeping, daemon]) p.start()
`, 3)
  const children = pids.map(Number)
  try {
    assert.ok(children.every(running), 'the children run before the parent is killed')
    script.kill('SIGKILL')
    await until(() => !children.some(running), `children ${children.join(', ')} to be gone`, 1000)
  } finally {
    for (const pid of children) if (running(pid)) process.kill(pid, 'SIGKILL')
  }
})

test.serial('a parent started with node -e runs its child entry, not the -e code again', async (t) => {
  t.timeout(T)
  const out = tempPath()
  const code = `
const { Process } = require(${JSON.stringify(packageCjs)})
const p = new Process({ target: (file) => require('fs').writeFileSync(file, 'ran'), args: [${JSON.stringify(out)}], context: 'process' })
p.start()
p.join().then(() => console.log('exit', p.exitCode))
`
  const result = await new Promise((resolve) => {
    execFile(process.execPath, ['-e', code], { timeout: DEADLINE_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => resolve({ code: error ? error.code : 0, killed: Boolean(error?.killed), stdout, stderr }))
  })
  assertExitedCleanly(result)
  assert.deepEqual(lines(result.stdout), ['exit 0'])
  assert.equal(fs.readFileSync(out, 'utf8'), 'ran')
})
