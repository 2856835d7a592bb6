// "A process whose pools are idle or closed exits by itself": each case is a
// small script run in a child `node`, which must exit on its own (the child is
// killed after a generous deadline, and that counts as a failure) with the
// expected output. A running task, on the other hand, keeps the process alive.
import test from 'ava'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CONTEXTS, assertExited, childScripts } from './helpers.mjs'

const packageUrl = new URL('../index.mjs', import.meta.url).href
const packageCjs = new URL('../index.js', import.meta.url)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multiproc-exit-'))
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }))

/** How long a child may take before it counts as "did not exit by itself". */
const DEADLINE_MS = 30000

let scripts = 0
/** Writes `body` after an import of the package and runs it; resolves with the outcome. */
function run(body, { cjs = false } = {}) {
  const file = path.join(dir, `case-${++scripts}.${cjs ? 'cjs' : 'mjs'}`)
  const header = cjs
    ? `const { Pool, WorkerCrashedError } = require(${JSON.stringify(packageCjs.pathname)})\n`
    : `import { Pool, WorkerCrashedError } from ${JSON.stringify(packageUrl)}\n`
  fs.writeFileSync(file, header + body)
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { timeout: DEADLINE_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({
        code: error ? error.code : 0,
        signal: error?.signal ?? null,
        killed: Boolean(error?.killed),
        stdout,
        stderr,
      })
    })
  })
}

function assertExitedCleanly(result) {
  assert.equal(
    result.killed,
    false,
    `the child did not exit by itself within ${DEADLINE_MS} ms\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
  )
  assert.equal(result.code, 0, `exit code ${result.code} (signal ${result.signal})\nstderr: ${result.stderr}`)
}

const lines = (stdout) => stdout.split('\n').filter((line) => line !== '')

async function consoleOutputSurvivesExit(context) {
  const result = await run(`
const pool = new Pool({ processes: 2, context: '${context}' })
await pool.map((x) => {
  for (let i = 0; i < 50; i++) console.log('item', x, i)
  console.error('err', x)
}, [1, 2, 3, 4], { chunksize: 1 })
console.log('done')
`)
  assertExitedCleanly(result)
  const out = lines(result.stdout)
  const expected = [1, 2, 3, 4].flatMap((x) => Array.from({ length: 50 }, (_, i) => `item ${x} ${i}`))
  assert.equal(out.length, expected.length + 1, `expected ${expected.length + 1} lines, got ${out.length}`)
  assert.deepEqual(out.filter((line) => line !== 'done').sort(), expected.sort())
  assert.equal(out.at(-1), 'done')
  assert.deepEqual(lines(result.stderr).sort(), ['err 1', 'err 2', 'err 3', 'err 4'])
}

for (const context of CONTEXTS) {
  test.serial(`(a) a pool left open after its map exits by itself with the result printed [${context}]`, async (t) => {
    t.timeout(60000)
    const result = await run(`
  const pool = new Pool({ processes: 2, context: '${context}' })
  const squares = await pool.map((x) => x * x, [1, 2, 3, 4])
  console.log(JSON.stringify(squares))
  `)
    assertExitedCleanly(result)
    assert.deepEqual(lines(result.stdout), ['[1,4,9,16]'])
  })

  test.serial(`(a) the same through require() [${context}]`, async (t) => {
    t.timeout(60000)
    const result = await run(
      `
  const pool = new Pool({ processes: 2, context: '${context}' })
  pool.map((x) => x + 1, [1, 2, 3]).then((r) => console.log(JSON.stringify(r)))
  `,
      { cjs: true },
    )
    assertExitedCleanly(result)
    assert.deepEqual(lines(result.stdout), ['[2,3,4]'])
  })

  test.serial(`(a) a pool that never ran anything does not keep the process alive [${context}]`, async (t) => {
    t.timeout(60000)
    const result = await run(`
  const pool = new Pool({ processes: 2, context: '${context}' })
  console.log('created', pool.processes)
  `)
    assertExitedCleanly(result)
    assert.deepEqual(lines(result.stdout), ['created 2'])
  })

  test.serial(`(b) a closed pool exits, with or without join() [${context}]`, async (t) => {
    t.timeout(60000)
    const closed = await run(`
  const pool = new Pool({ processes: 2, context: '${context}' })
  console.log(await pool.apply((a, b) => a * b, [6, 7]))
  pool.close()
  `)
    assertExitedCleanly(closed)
    assert.deepEqual(lines(closed.stdout), ['42'])

    const joined = await run(`
  const pool = new Pool({ processes: 2, context: '${context}' })
  const results = pool.map((x) => new Promise((r) => setTimeout(() => r(x * 2), 20)), [1, 2, 3, 4, 5, 6])
  pool.close()
  await pool.join()
  console.log('joined', JSON.stringify(await results))
  `)
    assertExitedCleanly(joined)
    assert.deepEqual(lines(joined.stdout), ['joined [2,4,6,8,10,12]'])
  })

  test.serial(`(b) join() keeps the process alive until the workers exited [${context}]`, async (t) => {
    t.timeout(60000)
    // Queued applies finish during join(): the results arrive while join() waits.
    const result = await run(`
  const pool = new Pool({ processes: 1, context: '${context}' })
  const queued = Array.from({ length: 6 }, (_, i) => pool.apply((x) => {
    const nap = new Int32Array(new SharedArrayBuffer(4))
    Atomics.wait(nap, 0, 0, 20)
    return x * 10
  }, [i]))
  await new Promise((r) => setTimeout(r, 10))
  pool.close()
  await pool.join()
  console.log('joined', JSON.stringify(await Promise.all(queued)))
  `)
    assertExitedCleanly(result)
    assert.deepEqual(lines(result.stdout), ['joined [0,10,20,30,40,50]'])
  })

  test.serial(`(b) Symbol.asyncDispose: results are in when it resolves, then the process exits [${context}]`, async (t) => {
    t.timeout(60000)
    const result = await run(`
  const pool = new Pool({ processes: 2, context: '${context}' })
  const results = pool.map((x) => new Promise((r) => setTimeout(() => r(x + 100), 10)), [1, 2, 3, 4])
  await pool[Symbol.asyncDispose]()
  console.log('disposed', JSON.stringify(await results))
  `)
    assertExitedCleanly(result)
    assert.deepEqual(lines(result.stdout), ['disposed [101,102,103,104]'])
  })

  test.serial(`(c) a running task keeps the process alive until its result is printed [${context}]`, async (t) => {
    t.timeout(60000)
    // Nothing is awaited at top level: only the pool's running work keeps the
    // event loop alive.
    const result = await run(`
  const pool = new Pool({ processes: 2, context: '${context}' })
  const slow = (x) => new Promise((resolve) => setTimeout(() => resolve(x * 2), 300))
  pool.map(slow, [1, 2, 3, 4]).then((r) => console.log('map', JSON.stringify(r)))
  pool.apply(slow, [50]).then((r) => console.log('apply', r))
  pool.applyAsync(slow, [7], { callback: (r) => console.log('applyAsync', r) })
  const spin = (x) => { const end = Date.now() + 300; while (Date.now() < end) {} return -x }
  pool.apply(spin, [9]).then((r) => console.log('spin', r))
  `)
    assertExitedCleanly(result)
    assert.deepEqual(lines(result.stdout).sort(), ['apply 100', 'applyAsync 14', 'map [2,4,6,8]', 'spin -9'])
  })

  test.serial(`(c) an imap being consumed keeps the process alive to the end [${context}]`, async (t) => {
    t.timeout(60000)
    const result = await run(`
  const pool = new Pool({ processes: 2, context: '${context}' })
  ;(async () => {
    let sum = 0
    for await (const v of pool.imap((x) => new Promise((r) => setTimeout(() => r(x), 5)), Array.from({ length: 50 }, (_, i) => i))) sum += v
    console.log('sum', sum)
  })()
  `)
    assertExitedCleanly(result)
    assert.deepEqual(lines(result.stdout), ['sum 1225'])
  })

  test.serial(`(d) terminate() stops a task stuck in an endless loop and the process exits [${context}]`, async (t) => {
    t.timeout(60000)
    const result = await run(`
  const pool = new Pool({ processes: 2, context: '${context}' })
  const stuck = pool.apply(() => { for (;;) {} }).then(
    () => console.log('resolved?!'),
    (error) => console.log('rejected'),
  )
  await new Promise((r) => setTimeout(r, 200))
  await pool.terminate()
  console.log('terminated')
  `)
    assertExitedCleanly(result)
    assert.deepEqual(lines(result.stdout), ['rejected', 'terminated'])
  })

  test.serial(`(e) console.log inside a task reaches the parent stdout [${context}]`, async (t) => {
    t.timeout(60000)
    const result = await run(`
  const pool = new Pool({ processes: 2, context: '${context}' })
  const r = await pool.apply((x) => { console.log('hello from the worker', x); return x + 1 }, [41])
  console.log('result', r)
  pool.close()
  await pool.join()
  `)
    assertExitedCleanly(result)
    assert.ok(lines(result.stdout).includes('hello from the worker 41'), `stdout was: ${result.stdout}`)
    assert.ok(lines(result.stdout).includes('result 42'), `stdout was: ${result.stdout}`)
  })

  test.serial(`(e) console output of a pool left open is not lost when the process exits by itself [${context}]`, async (t) => {
    t.timeout(90000)
    // Losing output is a race, so the script runs a few times; every run must
    // deliver every line.
    for (let attempt = 0; attempt < 3; attempt++) await consoleOutputSurvivesExit(context)
  })

  test.serial(`a pool whose worker crashed, was replaced or timed out still exits by itself [${context}]`, async (t) => {
    t.timeout(60000)
    const result = await run(`
  const pool = new Pool({ processes: 2, context: '${context}', maxTasksPerChild: 1 })
  try {
    await pool.apply(() => process.exit(5))
  } catch (error) {
    console.log('crashed', error instanceof WorkerCrashedError, error.exitCode)
  }
  try {
    await pool.apply(() => { setTimeout(() => { throw new Error('boom') }, 5); return new Promise(() => {}) })
  } catch (error) {
    console.log('crashed', error instanceof WorkerCrashedError)
  }
  try {
    await pool.apply(() => new Promise((r) => setTimeout(r, 500)), [], { timeout: 20 })
  } catch (error) {
    console.log(error.name)
  }
  console.log(JSON.stringify(await pool.map((x) => x * 2, [1, 2, 3], { chunksize: 1 })))
  `)
    assertExitedCleanly(result)
    assert.deepEqual(lines(result.stdout), ['crashed true 5', 'crashed true', 'TimeoutError', '[2,4,6]'])
  })

  test.serial(`an imap abandoned after a few items does not keep the process alive [${context}]`, async (t) => {
    t.timeout(60000)
    const result = await run(`
  const pool = new Pool({ processes: 2, context: '${context}' })
  function* forever() { for (let i = 0; ; i++) yield i }
  const seen = []
  for await (const v of pool.imap((x) => x * 2, forever())) {
    seen.push(v)
    if (seen.length === 5) break
  }
  const it = pool.imapUnordered((x) => x, forever(), { chunksize: 10 })
  await it.next()
  console.log(JSON.stringify(seen))
  `)
    assertExitedCleanly(result)
    assert.deepEqual(lines(result.stdout), ['[0,2,4,6,8]'])
  })
}

// A worker's ev.set() sends its wake to the main thread just before its task
// finishes; the pool then goes idle, and the loop used to run dry before the
// wake arrived: 'beforeExit' fired mid-script and closed the pool.
// Thread only: the wake comes from a shared Event.
test.serial('a wake sent by a task just before it finished arrives before the loop runs dry [thread]', async (t) => {
  t.timeout(60000)
  const runChild = childScripts(t.teardown)
  assertExited(await runChild(`
let early = 0
process.on('beforeExit', () => early++)
const pool = new Pool(2)
const ev = new Event()
for (let round = 0; round < 30; round++) {
  const woken = ev.wait()
  await pool.apply((ev) => ev.set(), [ev])
  await woken
  ev.clear()
}
console.log(early, await pool.apply((x) => x + 1, [1]))
`), '0 2')
})
