// Pool lifecycle as a user sees it: close/join/terminate/asyncDispose, workers
// that die mid-task (process.exit, uncaught async error, out of memory),
// maxTasksPerChild, initializer/initargs, abort and timeout; each in both
// contexts (a worker is told apart by its pid and thread id).
//
// Tasks that must be "running" or "stuck" coordinate with the test through
// files in a temp folder (a SharedArrayBuffer argument is copied, not shared):
// a task marks that it started by creating a file, and waits for a gate file
// that the test creates when it wants the task to finish. So no assertion
// depends on how long anything takes.
import test from 'ava'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { threadId as mainThreadId } from 'node:worker_threads'
import { Pool, TimeoutError, WorkerCrashedError } from '../index.mjs'
import { CONTEXTS } from './helpers.mjs'

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'multiproc-lifecycle-'))
test.after.always(() => fs.rmSync(scratch, { recursive: true, force: true }))

let folders = 0
/** A fresh empty folder; `gate` is a path inside it that does not exist yet. */
function sandbox() {
  const dir = path.join(scratch, `case-${++folders}`)
  const started = path.join(dir, 'started')
  fs.mkdirSync(started, { recursive: true })
  return { dir, started, gate: path.join(dir, 'gate'), open: () => fs.writeFileSync(path.join(dir, 'gate'), '') }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `predicate()` is true (the test's own timeout bounds the wait). */
async function until(predicate) {
  while (!predicate()) await sleep(5)
}

const startedCount = (started) => fs.readdirSync(started).length

/** Records how a promise settles without leaving a rejection unhandled. */
function track(promise) {
  const t = { state: 'pending', value: undefined, error: undefined }
  t.promise = promise.then(
    (value) => Object.assign(t, { state: 'fulfilled', value }),
    (error) => Object.assign(t, { state: 'rejected', error }),
  )
  return t
}

// ---- task functions (shipped by source: no outer variables) ----

/** Marks its start in `started`, then blocks until the `gate` file exists. */
const gated = ({ gate, started, tag }) => {
  const fs = require('node:fs')
  const path = require('node:path')
  if (started) fs.writeFileSync(path.join(started, String(tag)), '')
  const nap = new Int32Array(new SharedArrayBuffer(4))
  while (!fs.existsSync(gate)) Atomics.wait(nap, 0, 0, 5)
  return tag
}

/** Marks its start, then spins forever. */
const spinForever = (started, tag) => {
  require('node:fs').writeFileSync(require('node:path').join(started, String(tag)), '')
  for (;;) {}
}

/** Which worker runs a task, in either context: its process and thread. */
const workerIdTask = () => `${process.pid}:${require('node:worker_threads').threadId}`
const mainWorkerId = `${process.pid}:${mainThreadId}`

/** Waits until `parties` different workers have arrived in `dir` (or gives up
 *  after 20 s and says so), then reports its worker and the initializer seed. */
const rendezvous = (dir, parties) => {
  const fs = require('node:fs')
  const path = require('node:path')
  const worker = `${process.pid}:${require('node:worker_threads').threadId}`
  fs.writeFileSync(path.join(dir, worker), '')
  const nap = new Int32Array(new SharedArrayBuffer(4))
  const deadline = Date.now() + 20000
  while (fs.readdirSync(dir).length < parties) {
    if (Date.now() > deadline) return { worker, met: false, seed: globalThis.__seed }
    Atomics.wait(nap, 0, 0, 5)
  }
  return { worker, met: true, seed: globalThis.__seed }
}

const slowDouble = (i) => new Promise((resolve) => setTimeout(() => resolve(i * 2), 20))

/** Asserts that `pool.processes` workers can run tasks at the same time. */
async function assertAllWorkersServe(pool) {
  const { started } = sandbox()
  const tasks = Array.from({ length: pool.processes }, () => pool.apply(rendezvous, [started, pool.processes]))
  const results = await Promise.all(tasks)
  assert.ok(results.every((r) => r.met), `all ${pool.processes} workers should run concurrently: ${JSON.stringify(results)}`)
  assert.equal(new Set(results.map((r) => r.worker)).size, pool.processes)
  return results
}

async function assertStillWorks(pool) {
  const xs = Array.from({ length: 50 }, (_, i) => i)
  assert.deepEqual(await pool.map((x) => x * 3, xs), xs.map((x) => x * 3))
  assert.equal(await pool.apply((a, b) => a + b, [20, 22]), 42)
}

const notRunning = (error) => {
  assert.ok(error instanceof Error, `expected an Error, got ${error}`)
  assert.match(error.message, /not running/i)
  return true
}

for (const context of CONTEXTS) {
  // ---- close / join ----

  test.serial(`close() lets queued work finish, then join() resolves [${context}]`, async (t) => {
    t.timeout(30000)
    const pool = new Pool({ processes: 2, context })
    const applies = Array.from({ length: 12 }, (_, i) => pool.apply(slowDouble, [i]))
    const mapped = pool.map(slowDouble, Array.from({ length: 30 }, (_, i) => i), { chunksize: 2 })
    const asyncResult = pool.applyAsync(slowDouble, [100])
    pool.close()
    assert.deepEqual(await Promise.all(applies), Array.from({ length: 12 }, (_, i) => i * 2))
    assert.deepEqual(await mapped, Array.from({ length: 30 }, (_, i) => i * 2))
    assert.equal(await asyncResult.get(), 200)
    await pool.join()
  })

  test.serial(`close() while workers are busy: work already in the queue still runs [${context}]`, async (t) => {
    t.timeout(30000)
    const box = sandbox()
    const pool = new Pool({ processes: 1, context })
    const blocker = track(pool.apply(gated, [{ gate: box.gate, started: box.started, tag: 'first' }]))
    await until(() => startedCount(box.started) === 1)
    const queued = Array.from({ length: 5 }, (_, i) => track(pool.apply((x) => x * 10, [i])))
    const queuedMap = track(pool.map((x) => -x, [1, 2, 3]))
    await sleep(0) // let the applies of this turn reach the queue
    pool.close()
    box.open()
    await pool.join()
    // join() resolves once the workers exited, so every result is already in.
    await sleep(0)
    assert.equal(blocker.state, 'fulfilled')
    assert.equal(blocker.value, 'first')
    assert.deepEqual(queued.map((t) => [t.state, t.value]), [0, 1, 2, 3, 4].map((i) => ['fulfilled', i * 10]))
    assert.deepEqual([queuedMap.state, queuedMap.value], ['fulfilled', [-1, -2, -3]])
  })

  test.serial(`after close(), workers that retire or crash are still replaced while work is queued [${context}]`, async (t) => {
    t.timeout(30000)
    const retiring = new Pool({ processes: 1, context, maxTasksPerChild: 1 })
    const ids = Array.from({ length: 5 }, () => retiring.apply(workerIdTask))
    retiring.close()
    assert.equal(new Set(await Promise.all(ids)).size, 5)
    await retiring.join()

    const box = sandbox()
    const crashing = new Pool({ processes: 1, context })
    const first = crashing.apply(gated, [{ gate: box.gate, started: box.started, tag: 'first' }])
    await until(() => startedCount(box.started) === 1)
    const crash = crashing.apply(() => process.exit(4)).then(() => 'resolved?!', (error) => error)
    const rest = [crashing.apply((x) => x + 1, [1]), crashing.map((x) => x * 2, [1, 2, 3])]
    await sleep(0)
    crashing.close()
    box.open()
    assert.equal(await first, 'first')
    const crashed = await crash
    assert.ok(crashed instanceof WorkerCrashedError, `expected WorkerCrashedError, got ${crashed}`)
    assert.equal(crashed.exitCode, 4)
    assert.deepEqual(await Promise.all(rest), [2, [2, 4, 6]])
    await crashing.join()
  })

  test.serial(`map over an async iterable, then close() at once: the work still runs [${context}]`, async (t) => {
    t.timeout(30000)
    async function* numbers(n) {
      for (let i = 0; i < n; i++) {
        await sleep(1)
        yield i
      }
    }
    const pool = new Pool({ processes: 2, context })
    const mapped = pool.map((x) => x * 2, numbers(20))
    const starmapped = pool.starmap((a, b) => a + b, (async function* () {
      for (let i = 0; i < 5; i++) yield [i, 100]
    })())
    pool.close()
    assert.deepEqual(await mapped, Array.from({ length: 20 }, (_, i) => i * 2))
    assert.deepEqual(await starmapped, [100, 101, 102, 103, 104])
    await pool.join()
    await assert.rejects(pool.map((x) => x, numbers(2)), notRunning)
  })

  test.serial(`imap/imapUnordered created before close() still yield every result [${context}]`, async (t) => {
    t.timeout(30000)
    const pool = new Pool({ processes: 2, context })
    const ordered = pool.imap((x) => x + 1, [1, 2, 3, 4, 5])
    const unordered = pool.imapUnordered((x) => x * 10, [1, 2, 3])
    pool.close()
    const got = []
    for await (const value of ordered) got.push(value)
    assert.deepEqual(got, [2, 3, 4, 5, 6])
    const got2 = []
    for await (const value of unordered) got2.push(value)
    assert.deepEqual(got2.sort((a, b) => a - b), [10, 20, 30])
    await pool.join()
  })

  test.serial(`calls after close() reject with an error saying the pool is not running [${context}]`, async (t) => {
    t.timeout(30000)
    const pool = new Pool({ processes: 1, context })
    assert.equal(await pool.apply((x) => x + 1, [1]), 2)
    pool.close()
    await assert.rejects(pool.apply((x) => x + 1, [1]), notRunning)
    await assert.rejects(pool.apply((x) => x + 1, [1], { timeout: 1000 }), notRunning)
    await assert.rejects(pool.map((x) => x, [1, 2]), notRunning)
    await assert.rejects(pool.starmap((a, b) => a + b, [[1, 2]]), notRunning)
    await assert.rejects(pool.applyAsync((x) => x, [1]).get(), notRunning)
    await assert.rejects(pool.mapAsync((x) => x, [1]).get(), notRunning)
    // imap returns an iterator: either the call or its first next() must fail.
    await assert.rejects(async () => {
      const it = pool.imap((x) => x, [1, 2])
      await it.next()
    }, notRunning)
    await pool.join()
    await assert.rejects(pool.apply((x) => x, [1]), notRunning)
  })

  test.serial(`join() before close() or terminate() rejects with an Error [${context}]`, async (t) => {
    t.timeout(30000)
    const pool = new Pool({ processes: 1, context })
    await assert.rejects(pool.join(), (error) => {
      assert.ok(error instanceof Error)
      assert.match(error.message, /close|terminate/)
      return true
    })
    // The pool is still usable after the refused join.
    assert.equal(await pool.apply((x) => x * 2, [21]), 42)
    pool.close()
    await pool.join()
  })

  // ---- terminate ----

  test.serial(`terminate() rejects pending and running work before it resolves, and stops endless loops [${context}]`, async (t) => {
    t.timeout(30000)
    const box = sandbox()
    const pool = new Pool({ processes: 2, context })
    const running = [track(pool.apply(spinForever, [box.started, 'a'])), track(pool.apply(spinForever, [box.started, 'b']))]
    await until(() => startedCount(box.started) === 2)
    const pending = [
      track(pool.apply((x) => x, [1])),
      track(pool.apply((x) => x, [2], { timeout: 60000 })),
      track(pool.map((x) => x, [1, 2, 3, 4])),
      track(pool.starmap((a, b) => a + b, [[1, 2], [3, 4]])),
      track(pool.applyAsync((x) => x, [3]).then((v) => v)),
    ]
    const iterator = pool.imap((x) => x, [1, 2, 3])
    const imapNext = track(iterator.next())
    await sleep(0)
    await pool.terminate()
    for (const [i, tracked] of [...running, ...pending, imapNext].entries()) {
      assert.equal(tracked.state, 'rejected', `promise #${i} should be rejected when terminate() resolves`)
      assert.ok(tracked.error instanceof Error)
    }
    assert.match(running[0].error.message, /terminat/i)
    // The spinning workers are gone: join() resolves and the pool refuses work.
    await pool.join()
    await assert.rejects(pool.apply((x) => x, [1]), notRunning)
    // terminate() again is harmless.
    await pool.terminate()
  })

  test.serial(`terminate() on an idle pool and after close() [${context}]`, async (t) => {
    t.timeout(30000)
    const idle = new Pool({ processes: 2, context })
    assert.equal(await idle.apply((x) => x, [7]), 7)
    await idle.terminate()
    await idle.join()

    const box = sandbox()
    const closed = new Pool({ processes: 1, context })
    const stuck = track(closed.apply(gated, [{ gate: box.gate, started: box.started, tag: 1 }]))
    const queued = track(closed.apply((x) => x, [2]))
    await until(() => startedCount(box.started) === 1)
    closed.close()
    await closed.terminate()
    assert.equal(stuck.state, 'rejected')
    assert.equal(queued.state, 'rejected')
    await closed.join()
  })

  // ---- Symbol.asyncDispose ----

  test.serial(`Symbol.asyncDispose closes, joins, and loses no queued work [${context}]`, async (t) => {
    t.timeout(30000)
    const pool = new Pool({ processes: 2, context })
    assert.equal(typeof pool[Symbol.asyncDispose], 'function')
    const applies = Array.from({ length: 10 }, (_, i) => track(pool.apply(slowDouble, [i])))
    const mapped = track(pool.map(slowDouble, [1, 2, 3, 4, 5, 6, 7, 8], { chunksize: 1 }))
    await pool[Symbol.asyncDispose]()
    await sleep(0)
    assert.deepEqual(applies.map((t) => [t.state, t.value]), applies.map((_, i) => ['fulfilled', i * 2]))
    assert.deepEqual([mapped.state, mapped.value], ['fulfilled', [2, 4, 6, 8, 10, 12, 14, 16]])
    await assert.rejects(pool.apply((x) => x, [1]), notRunning)
  })

  // ---- workers that die mid-task ----

  test.serial(`process.exit(3) in a task: WorkerCrashedError with exitCode 3; other workers unaffected; pool recovers [${context}]`, async (t) => {
    t.timeout(60000)
    const box = sandbox()
    const pool = new Pool({ processes: 2, context })
    const other = track(pool.apply(gated, [{ gate: box.gate, started: box.started, tag: 'other' }]))
    await until(() => startedCount(box.started) === 1)

    const crash = await pool.apply((code) => process.exit(code), [3]).then(
      () => assert.fail('a task calling process.exit(3) must reject'),
      (error) => error,
    )
    assert.ok(crash instanceof WorkerCrashedError, `expected WorkerCrashedError, got ${crash}`)
    assert.ok(crash instanceof Error)
    assert.equal(crash.name, 'WorkerCrashedError')
    assert.equal(crash.exitCode, 3)
    assert.match(crash.message, /3/)

    // The task on the other worker keeps running and completes normally.
    assert.equal(other.state, 'pending')
    box.open()
    await other.promise
    assert.equal(other.state, 'fulfilled')
    assert.equal(other.value, 'other')

    await assertStillWorks(pool)
    await assertAllWorkersServe(pool)

    // A crash inside a map chunk rejects the map, and the pool goes on.
    await assert.rejects(
      pool.map((x) => (x === 5 ? process.exit(7) : x), [1, 2, 3, 4, 5, 6], { chunksize: 1 }),
      (error) => error instanceof WorkerCrashedError && error.exitCode === 7,
    )
    await assertStillWorks(pool)
    await assertAllWorkersServe(pool)
    pool.close()
    await pool.join()
  })

  test.serial(`an uncaught async error outside the task crashes the worker: WorkerCrashedError carrying it [${context}]`, async (t) => {
    t.timeout(60000)
    const pool = new Pool({ processes: 2, context })
    const error = await pool
      .apply(() => {
        setTimeout(() => {
          throw new Error('boom')
        }, 10)
        return new Promise(() => {})
      })
      .then(
        () => assert.fail('must reject'),
        (e) => e,
      )
    assert.ok(error instanceof WorkerCrashedError, `expected WorkerCrashedError, got ${error}`)
    assert.equal(error.name, 'WorkerCrashedError')
    assert.equal(typeof error.exitCode, 'number')
    assert.notEqual(error.exitCode, 0)
    const carried = `${error.message} ${error.cause?.message ?? ''}`
    assert.match(carried, /boom/)
    await assertStillWorks(pool)
    await assertAllWorkersServe(pool)
    pool.close()
    await pool.join()
  })

  test.serial(`a task that schedules a throw and returns normally: its result arrives, the worker is replaced [${context}]`, async (t) => {
    t.timeout(60000)
    const pool = new Pool({ processes: 1, context })
    const first = await pool.apply(() => {
      setTimeout(() => {
        throw new Error('boom later')
      }, 10)
      return { ok: true, worker: `${process.pid}:${require('node:worker_threads').threadId}` }
    })
    assert.equal(first.ok, true)
    // Synchronous tasks cannot be interrupted by that timer; keep running them
    // until one lands on the replacement worker.
    let replacement
    for (let i = 0; i < 2000 && replacement === undefined; i++) {
      const [id, value] = await pool.apply((x) => [`${process.pid}:${require('node:worker_threads').threadId}`, x + 1], [i])
      assert.equal(value, i + 1)
      if (id !== first.worker) replacement = id
      else await sleep(5)
    }
    assert.notEqual(replacement, undefined, 'the worker whose timer threw should have been replaced')
    await assertStillWorks(pool)
    pool.close()
    await pool.join()
  })

  test.serial(`out of memory in a task: WorkerCrashedError, and the next task works [${context}]`, async (t) => {
    t.timeout(60000)
    const pool = new Pool({ processes: 1, context, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } })
    const error = await pool
      .apply(() => {
        const hoard = []
        for (let i = 0; ; i++) hoard.push({ i, pad: new Array(64).fill(i) })
      })
      .then(
        () => assert.fail('must reject'),
        (e) => e,
      )
    assert.ok(error instanceof WorkerCrashedError, `expected WorkerCrashedError, got ${error?.stack ?? error}`)
    assert.equal(error.name, 'WorkerCrashedError')
    assert.equal(await pool.apply((x) => x * 2, [21]), 42)
    await assertStillWorks(pool)
    pool.close()
    await pool.join()
  })

  // ---- maxTasksPerChild ----

  test.serial(`maxTasksPerChild: 2 replaces the worker after every second task [${context}]`, async (t) => {
    t.timeout(30000)
    const pool = new Pool({ processes: 1, context, maxTasksPerChild: 2 })
    const ids = []
    for (let i = 0; i < 6; i++) ids.push(await pool.apply(workerIdTask))
    assert.equal(new Set(ids).size, 3, `expected 3 distinct workers, got ${ids}`)
    assert.equal(ids[0], ids[1])
    assert.equal(ids[2], ids[3])
    assert.equal(ids[4], ids[5])
    assert.notEqual(ids[1], ids[2])
    assert.notEqual(ids[3], ids[4])
    assert.ok(!ids.includes(mainWorkerId), 'tasks must not run on the main thread')
    await assertStillWorks(pool)
    pool.close()
    await pool.join()
  })

  // ---- initializer ----

  test.serial(`initializer(...initargs) runs in every worker before its tasks [${context}]`, async (t) => {
    t.timeout(30000)
    const pool = new Pool({
      context,
      processes: 2,
      initializer: (a, b) => {
        globalThis.__seed = a + b
      },
      initargs: [2, 3],
    })
    const seeds = await pool.map(() => globalThis.__seed, Array.from({ length: 40 }, (_, i) => i), { chunksize: 1 })
    assert.deepEqual(seeds, new Array(40).fill(5))
    const both = await assertAllWorkersServe(pool)
    assert.deepEqual(both.map((r) => r.seed), [5, 5])
    pool.close()
    await pool.join()
  })

  test.serial(`initializer also runs in replacement workers [${context}]`, async (t) => {
    t.timeout(30000)
    const pool = new Pool({
      context,
      processes: 1,
      maxTasksPerChild: 1,
      initializer: (a) => {
        globalThis.__seed = a
      },
      initargs: ['seeded'],
    })
    const results = []
    for (let i = 0; i < 3; i++) results.push(await pool.apply(() => [`${process.pid}:${require('node:worker_threads').threadId}`, globalThis.__seed]))
    assert.deepEqual(results.map((r) => r[1]), ['seeded', 'seeded', 'seeded'])
    assert.equal(new Set(results.map((r) => r[0])).size, 3)
    pool.close()
    await pool.join()
  })

  test.serial(`an initializer that throws: pending and later calls reject mentioning the initializer [${context}]`, async (t) => {
    t.timeout(30000)
    const pool = new Pool({
      context,
      processes: 2,
      initializer: () => {
        throw new Error('bad init')
      },
    })
    const mentionsInitializer = (error) => {
      assert.ok(error instanceof Error, `expected an Error, got ${error}`)
      assert.match(error.message, /initializer/i)
      return true
    }
    const pending = [pool.apply((x) => x, [1]), pool.map((x) => x, [1, 2, 3]), pool.apply((x) => x, [2], { timeout: 60000 })]
    for (const p of pending) {
      await assert.rejects(p, (error) => {
        mentionsInitializer(error)
        assert.match(error.message, /bad init/)
        return true
      })
    }
    // Later calls: the pool no longer runs, and the error says why.
    await assert.rejects(pool.apply((x) => x, [3]), (error) => notRunning(error) && mentionsInitializer(error))
    await assert.rejects(pool.map((x) => x, [3]), (error) => notRunning(error) && mentionsInitializer(error))
    await pool.join()
  })

  test.serial(`an initializer that throws does not keep the process alive [${context}]`, async (t) => {
    t.timeout(60000)
    const dir = fs.mkdtempSync(path.join(scratch, 'init-child-'))
    const script = path.join(dir, 'init-fails.mjs')
    fs.writeFileSync(
      script,
      `import { Pool } from ${JSON.stringify(new URL('../index.mjs', import.meta.url).href)}
  const pool = new Pool({ processes: 2, context: '${context}', initializer: () => { throw new Error('bad init') } })
  try {
    await pool.apply((x) => x, [1])
    console.log('resolved?!')
  } catch (error) {
    console.log('rejected:', error.message)
  }
  `,
    )
    const { code, stdout, stderr, killed } = await new Promise((resolve) => {
      execFile(process.execPath, [script], { timeout: 30000 }, (error, stdout, stderr) =>
        resolve({ code: error ? error.code : 0, killed: error?.killed ?? false, stdout, stderr }),
      )
    })
    assert.equal(killed, false, `the child did not exit by itself (stdout: ${stdout}, stderr: ${stderr})`)
    assert.equal(code, 0, stderr)
    assert.match(stdout, /^rejected: .*initializer.*bad init/im)
  })

  // ---- abort and timeout ----

  // A stopped task must really stop: the tasks below spin for ever, so a pool
  // whose workers kept running them could serve nothing afterwards.

  test.serial(`map with a signal aborted while tasks run rejects at once with the reason, stops them, drops queued items [${context}]`, async (t) => {
    t.timeout(30000)
    const box = sandbox()
    const pool = new Pool({ processes: 2, context })
    const controller = new AbortController()
    const items = Array.from({ length: 10 }, (_, tag) => [box.started, tag])
    const mapped = track(pool.starmap(spinForever, items, { chunksize: 1, signal: controller.signal }))
    await until(() => startedCount(box.started) === 2)
    const reason = new Error('stop now')
    controller.abort(reason)
    await mapped.promise
    assert.equal(mapped.state, 'rejected')
    assert.equal(mapped.error, reason)
    await assertAllWorkersServe(pool)
    await assertStillWorks(pool)
    // Only the two items that were already running ever started.
    assert.equal(startedCount(box.started), 2)
    pool.close()
    await pool.join()
  })

  test.serial(`apply with an already-aborted signal rejects with its reason [${context}]`, async (t) => {
    t.timeout(30000)
    const pool = new Pool({ processes: 1, context })
    const reason = new Error('already aborted')
    const signal = AbortSignal.abort(reason)
    await assert.rejects(pool.apply((x) => x, [1], { signal }), (error) => error === reason)
    await assert.rejects(pool.map((x) => x, [1, 2], { signal }), (error) => error === reason)
    await assert.rejects(async () => {
      const it = pool.imap((x) => x, [1, 2], { signal })
      await it.next()
    }, (error) => error === reason)
    assert.equal(await pool.apply((x) => x + 1, [1]), 2)
    pool.close()
    await pool.join()
  })

  test.serial(`apply aborted while its task runs rejects with the reason and stops the task [${context}]`, async (t) => {
    t.timeout(30000)
    const box = sandbox()
    const pool = new Pool({ processes: 1, context })
    const controller = new AbortController()
    const call = track(pool.apply(spinForever, [box.started, 1], { signal: controller.signal }))
    await until(() => startedCount(box.started) === 1)
    controller.abort()
    await call.promise
    assert.equal(call.state, 'rejected')
    assert.equal(call.error, controller.signal.reason)
    assert.equal(call.error.name, 'AbortError')
    assert.equal(await pool.apply((x) => x + 1, [1]), 2, 'the one worker was replaced')
    pool.close()
    await pool.join()
  })

  test.serial(`two endless tasks that time out do not keep a 2-worker pool busy [${context}]`, async (t) => {
    t.timeout(30000)
    const box = sandbox()
    const pool = new Pool({ processes: 2, context })
    const calls = [1, 2].map((tag) => pool.apply(spinForever, [box.started, tag], { timeout: 100 }))
    for (const call of calls) await assert.rejects(call, (e) => e instanceof TimeoutError && e.name === 'TimeoutError')
    await assertAllWorkersServe(pool)
    await assertStillWorks(pool)
    // timeout: 0 on a task that is not done at once.
    await assert.rejects(pool.apply(spinForever, [box.started, 3], { timeout: 0 }), TimeoutError)
    await assertAllWorkersServe(pool)
    // A generous timeout does not get in the way.
    assert.equal(await pool.apply((x) => x * 2, [4], { timeout: 20000 }), 8)
    pool.close()
    await pool.join()
  })

  test.serial(`stopping an aborted task loses no other caller's task [${context}]`, async (t) => {
    t.timeout(30000)
    const box = sandbox()
    const pool = new Pool({ processes: 2, context })
    const controller = new AbortController()
    // One worker holds another caller's task; the other runs the one aborted.
    const other = track(pool.apply(gated, [{ gate: box.gate, started: box.started, tag: 'other' }]))
    await until(() => startedCount(box.started) === 1)
    const aborted = track(pool.apply(spinForever, [box.started, 'runaway'], { signal: controller.signal }))
    await until(() => startedCount(box.started) === 2)
    const queued = track(pool.map((x) => x * 2, [1, 2, 3, 4, 5, 6], { chunksize: 1 }))
    controller.abort()
    await aborted.promise
    assert.equal(aborted.state, 'rejected')
    assert.deepEqual(await queued.promise.then(() => queued.value), [2, 4, 6, 8, 10, 12])
    box.open()
    await other.promise
    assert.equal(other.state, 'fulfilled', `the other caller's task: ${other.error}`)
    assert.equal(other.value, 'other')
    pool.close()
    await pool.join()
  })

  test.serial(`imap aborted while its chunks run stops them [${context}]`, async (t) => {
    t.timeout(30000)
    const box = sandbox()
    const pool = new Pool({ processes: 2, context })
    const controller = new AbortController()
    const it = pool.imap(([started, tag]) => {
      require('node:fs').writeFileSync(require('node:path').join(started, String(tag)), '')
      for (;;) {}
    }, [[box.started, 1], [box.started, 2], [box.started, 3]], { signal: controller.signal })
    const first = track(it.next())
    await until(() => startedCount(box.started) === 2)
    controller.abort()
    await first.promise
    assert.equal(first.state, 'rejected')
    assert.equal(first.error, controller.signal.reason)
    await assertAllWorkersServe(pool)
    assert.equal(startedCount(box.started), 2)
    pool.close()
    await pool.join()
  })
}
