// The user's install path, end to end, as a release makes it: this platform's
// npm package with the addon `npm install` built (where `napi artifacts` puts
// it), the root package with the optionalDependencies `napi pre-publish` writes,
// both packed with `npm pack` and installed into an empty project whose PATH
// holds only `node` and `npm` (no cargo, no rustc, no shell tools). There a
// Pool, a Queue between Processes and a Lock run through `require`, `import` and
// TypeScript checked by `tsc --strict`; and installed without its platform
// package, `require('multiproc')` says which package is missing and what to do.
//
// npm resolves the optionalDependencies on the other platforms' packages too.
// They are not published anywhere this test can reach, so npm runs with
// `--offline` and an empty cache of its own: their manifests fail with
// ENOTCACHED at once, npm drops them as failed optional dependencies, and the
// tarball given on the command line satisfies this platform's one.
import test from 'ava'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)
const rootManifest = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'))
const { name, version } = rootManifest
const binaryName = rootManifest.napi.binaryName
const isWindows = process.platform === 'win32'

// napi-rs's name for this machine's target, as in `npm/<id>` and `<binary>.<id>.node`.
function platformId() {
  const { platform, arch } = process
  if (platform === 'linux') {
    if (process.report) process.report.excludeNetwork = true // no DNS look-ups in the report
    const glibc = process.report?.getReport()?.header?.glibcVersionRuntime
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
  }
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

const id = platformId()
const platformDir = path.join(repo, 'npm', id)
const addonName = `${binaryName}.${id}.node`
const platformPackage = `${name}-${id}`
const skip = fs.existsSync(path.join(platformDir, 'package.json'))
  ? false
  : `no npm/${id} package for this platform`
// ava's skip takes no reason: say it once. (With every test skipped, ava runs no hooks.)
const platformTest = skip ? test.serial.skip : test.serial
if (skip) console.log(`install.test.mjs skipped: ${skip}`)

// npm's JS entry point: the one running `npm test`, else the `npm` found on PATH.
function npmCliPath() {
  const fromNpm = process.env.npm_execpath
  if (fromNpm && /npm-cli\.js$/.test(fromNpm)) return fromNpm
  for (const dir of (process.env.PATH ?? process.env.Path ?? '').split(path.delimiter)) {
    if (!dir) continue
    if (isWindows) {
      const cli = path.join(dir, 'node_modules', 'npm', 'bin', 'npm-cli.js')
      if (fs.existsSync(cli)) return cli
    } else if (fs.existsSync(path.join(dir, 'npm'))) {
      return fs.realpathSync(path.join(dir, 'npm'))
    }
  }
  throw new Error('npm not found on PATH')
}

// Runs a command; resolves with its output, or rejects with the output in the message.
function run(cmd, args, { cwd, env, timeout = 120_000 }) {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd, env, timeout, killSignal: 'SIGKILL', maxBuffer: 64 << 20, windowsHide: true },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr })
        error.message += `\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`
        reject(error)
      },
    )
  })
}

// Every file below `dir`, as paths relative to it with forward slashes.
function walk(dir, prefix = '') {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix + entry.name
    return entry.isDirectory() ? [rel + '/', ...walk(path.join(dir, entry.name), rel + '/')] : [rel]
  })
}

// An empty project with this package.json, and `npm install --offline` of `tarballs` in it.
async function project(dir, tarballs) {
  fs.mkdirSync(dir)
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: path.basename(dir), version: '1.0.0', private: true }))
  await npm(['install', '--offline', ...tarballs], dir)
  return dir
}

let tmp // everything this test writes
let env // a clean environment whose PATH holds only node and npm
let npm // (args, cwd) => run npm with that environment
let scratch // the user's project, with both packages installed
let bare // a project with only the root package installed
let rootPack // `npm pack --json` entry of the root package as released

test.before(async (t) => {
  t.timeout(300_000)
  for (const built of ['index.js', 'binding.js', addonName]) {
    assert.ok(fs.existsSync(path.join(repo, built)), `${built} is missing: run \`npm install\` first`)
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'multiproc-install-'))

  const npmCli = npmCliPath()
  const bin = path.join(tmp, 'bin')
  fs.mkdirSync(bin)
  let pathDirs
  if (isWindows) {
    // Symlinks need privileges there; node's own folder (node.exe, npm.cmd) will do,
    // and the cargo check below proves it holds no Rust toolchain.
    pathDirs = [path.dirname(process.execPath)]
  } else {
    fs.symlinkSync(fs.realpathSync(process.execPath), path.join(bin, 'node'))
    fs.symlinkSync(npmCli, path.join(bin, 'npm'))
    pathDirs = [bin]
  }
  env = {}
  for (const [key, value] of Object.entries(process.env)) {
    // Drop PATH (any spelling) and the outer npm's npm_* settings.
    if (/^path$/i.test(key) || /^npm_/i.test(key) || key === 'INIT_CWD') continue
    env[key] = value
  }
  env.PATH = pathDirs.join(path.delimiter)

  const cache = path.join(tmp, 'npm-cache')
  const common = ['--cache', cache, '--no-audit', '--no-fund', '--no-update-notifier']
  npm = (args, cwd) =>
    isWindows
      ? run(process.execPath, [npmCli, ...args, ...common], { cwd, env })
      : run('npm', [...args, ...common], { cwd, env })

  const packs = path.join(tmp, 'packs')
  fs.mkdirSync(packs)
  const pack = async (dir, extra = []) => {
    const { stdout } = await npm(['pack', '--json', '--pack-destination', packs, ...extra], dir)
    const [entry] = JSON.parse(stdout)
    return entry
  }

  // The release's publish job, staged: the root package as packed, the npm/
  // folders with each target's addon in place (this platform's real one; the
  // others are built by other jobs of the release, and only their presence is
  // checked), then `napi pre-publish` writing the optionalDependencies.
  const release = path.join(tmp, 'release')
  fs.mkdirSync(release)
  const packed = await pack(repo, ['--ignore-scripts']) // `prepare` already ran in `npm install`
  await run('tar', ['-xzf', path.join(packs, packed.filename), '-C', release, '--strip-components=1'], { cwd: tmp })
  fs.cpSync(path.join(repo, 'npm'), path.join(release, 'npm'), { recursive: true })
  for (const dir of fs.readdirSync(path.join(release, 'npm'))) {
    const addon = path.join(release, 'npm', dir, `${binaryName}.${dir}.node`)
    if (dir === id) fs.copyFileSync(path.join(repo, addonName), addon)
    else fs.writeFileSync(addon, 'built by another job of the release')
  }
  const napiCli = path.join(path.dirname(require.resolve('@napi-rs/cli/package.json')), require('@napi-rs/cli/package.json').bin.napi)
  await run(process.execPath, [napiCli, 'pre-publish', '-t', 'npm', '--no-gh-release', '--skip-optional-publish'], { cwd: release, env })
  fs.unlinkSync(path.join(packs, packed.filename))

  const platformPack = await pack(path.join(release, 'npm', id))
  assert.ok(
    platformPack.files.some((f) => f.path === addonName),
    `${platformPackage} tarball lacks ${addonName}`,
  )
  rootPack = await pack(release, ['--ignore-scripts'])

  const tarballs = [platformPack, rootPack].map((entry) => path.join(packs, entry.filename))
  ;[scratch, bare] = await Promise.all([
    project(path.join(tmp, 'scratch'), tarballs),
    project(path.join(tmp, 'bare'), tarballs.slice(1)),
  ])
  // TypeScript as a user has it: the compiler and Node's types, from this repo.
  for (const pkg of ['typescript', '@types/node']) {
    const link = path.join(scratch, 'node_modules', pkg)
    fs.mkdirSync(path.dirname(link), { recursive: true })
    fs.symlinkSync(path.join(repo, 'node_modules', pkg), link, 'junction')
  }
})

test.after.always(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 })
})

platformTest('the install PATH has node and npm but no cargo or rustc', async (t) => {
  t.timeout(60_000)
  for (const tool of ['cargo', 'rustc']) {
    await assert.rejects(run(tool, ['--version'], { cwd: tmp, env }), { code: 'ENOENT' }, `${tool} found on PATH`)
  }
  const { stdout } = await npm(['--version'], tmp)
  assert.match(stdout.trim(), /^\d+\.\d+\.\d+/)
})

platformTest('the released root package ships the built JS, no Rust sources or addons, and pins every platform package', (t) => {
  t.timeout(60_000)
  const packed = rootPack.files.map((f) => f.path)
  const installed = walk(path.join(scratch, 'node_modules', name))
  for (const list of [packed, installed]) {
    const rust = list.filter((f) => f.startsWith('crates/') || f.endsWith('.rs') || f === 'Cargo.toml')
    assert.deepEqual(rust, [], 'Rust sources in the package')
    assert.deepEqual(
      list.filter((f) => f.endsWith('.node')),
      [],
      'a native addon in the root package (it belongs in the platform packages)',
    )
  }
  // Every entry point package.json names is in the package.
  const entries = [rootManifest.main, rootManifest.types]
  const collect = (value) => {
    if (typeof value === 'string') entries.push(value)
    else if (value && typeof value === 'object') Object.values(value).forEach(collect)
  }
  collect(rootManifest.exports)
  for (const entry of entries.filter(Boolean)) {
    const rel = path.posix.normalize(entry)
    assert.ok(installed.includes(rel), `${entry} (named in package.json) is not in the package`)
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(scratch, 'node_modules', name, 'package.json'), 'utf8'))
  assert.deepEqual(
    Object.entries(manifest.optionalDependencies ?? {}).sort(),
    fs.readdirSync(path.join(repo, 'npm')).map((dir) => [`${name}-${dir}`, version]).sort(),
    'optionalDependencies: one exact pin per npm/ package',
  )
})

// Pool.map; a Queue from one Process to another; two Processes adding under a Lock.
// `header` imports the package; the body may `await` (it runs inside an async function).
const workload = `
  const pool = new Pool(2)
  const squares = await pool.map(square, [1, 2, 3, 4, 5])
  pool.close()
  await pool.join()

  const items = new Queue()
  const sums = new Queue()
  const producer = new Process({ target: (q, n) => { for (let i = 1; i <= n; i++) q.putSync(i) }, args: [items, 100] })
  const consumer = new Process({
    target: (q, out, n) => { let sum = 0; for (let i = 0; i < n; i++) sum += q.getSync(); out.putSync(sum) },
    args: [items, sums, 100],
  })
  producer.start()
  consumer.start()
  const sum = await sums.get()

  const lock = new Lock()
  const counter = new Value('i', 0, { lock: false })
  const adders = [0, 1].map(() => new Process({
    target: (lock, counter, n) => { for (let i = 0; i < n; i++) lock.withLockSync(() => { counter.value += 1 }) },
    args: [lock, counter, 5000],
  }))
  adders.forEach((p) => p.start())
  const all = [producer, consumer, ...adders]
  for (const p of all) await p.join()
  console.log(JSON.stringify({ squares, sum, counter: counter.value, exitCodes: all.map((p) => p.exitCode) }))
`
const expected = { squares: [1, 4, 9, 16, 25], sum: 5050, counter: 10_000, exitCodes: [0, 0, 0, 0] }

// Runs `file` with the clean environment; its last line of output, parsed.
async function runScript(file) {
  const { stdout } = await run(process.execPath, [file], { cwd: path.dirname(file), env, timeout: 60_000 })
  const lines = stdout.trim().split('\n')
  return { result: JSON.parse(lines.at(-1)), before: lines.slice(0, -1) }
}

platformTest(`require("${name}") runs a Pool, a Queue between Processes and a Lock, with the addon from ${platformPackage}`, async (t) => {
  t.timeout(90_000)
  const file = path.join(scratch, 'use-require.cjs')
  fs.writeFileSync(
    file,
    `const { Pool, Queue, Process, Lock, Value } = require('${name}')\n` +
      `function square(x) { return x * x }\n` +
      `;(async () => {\n` +
      `  console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.endsWith('.node'))))\n` +
      `${workload}\n` +
      `})().catch((err) => { console.error(err); process.exitCode = 1 })\n`,
  )
  const { result, before } = await runScript(file)
  assert.deepEqual(result, expected)
  const addon = fs.realpathSync(path.join(scratch, 'node_modules', platformPackage, addonName))
  assert.deepEqual(
    JSON.parse(before[0]).map((f) => fs.realpathSync(f)),
    [addon],
    'the binding was not loaded from the platform package',
  )
})

platformTest(`import { Pool, ... } from "${name}" runs the same from the installed packages`, async (t) => {
  t.timeout(90_000)
  const file = path.join(scratch, 'use-import.mjs')
  fs.writeFileSync(
    file,
    `import { Pool, Queue, Process, Lock, Value } from '${name}'\n` + `function square(x) { return x * x }\n` + workload,
  )
  const { result, before } = await runScript(file)
  assert.deepEqual(result, expected)
  assert.deepEqual(before, [])
})

platformTest('TypeScript checked by tsc --strict against the installed types runs the same', async (t) => {
  t.timeout(120_000)
  const dir = path.join(scratch, 'ts')
  fs.mkdirSync(dir)
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', types: ['node'], outDir: 'out' },
      files: ['main.mts'],
    }),
  )
  // The same workload, typed; the expected errors prove the types are the package's, not `any`.
  const typed = workload
    .replace('(q, n) =>', '(q: Queue<number>, n: number) =>')
    .replace('(q, out, n) =>', '(q: Queue<number>, out: Queue<number>, n: number) =>')
    .replace('(lock, counter, n) =>', '(lock: Lock, counter: Value, n: number) =>')
    .replaceAll('new Queue()', 'new Queue<number>()')
  assert.equal((typed.match(/: number\) =>/g) ?? []).length, 3, 'every Process target is typed')
  fs.writeFileSync(
    path.join(dir, 'main.mts'),
    `import { Pool, Queue, Process, Lock, Value } from '${name}'\n` +
      `function square(x: number): number { return x * x }\n` +
      `export function mistakes(pool: Pool) {\n` +
      `  // @ts-expect-error: square takes numbers\n` +
      `  void pool.map(square, ['a'])\n` +
      `  // @ts-expect-error: the results are numbers\n` +
      `  const wrong: Promise<string[]> = pool.map(square, [1])\n` +
      `  return wrong\n` +
      `}\n` +
      typed,
  )
  const tsc = path.join(scratch, 'node_modules', 'typescript', 'bin', 'tsc')
  await run(process.execPath, [tsc, '-p', dir], { cwd: dir, env })
  const { result, before } = await runScript(path.join(dir, 'out', 'main.mjs'))
  assert.deepEqual(result, expected)
  assert.deepEqual(before, [])
})

// Runs `file`, which should fail; what the user sees: exit code and stderr.
function runFailing(file) {
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { cwd: path.dirname(file), env, timeout: 60_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stderr })
    })
  })
}

platformTest(`without ${platformPackage}, require and import fail naming it and the two ways to get an addon`, async (t) => {
  t.timeout(60_000)
  fs.writeFileSync(path.join(bare, 'use-require.cjs'), `require('${name}')`)
  fs.writeFileSync(path.join(bare, 'use-import.mjs'), `import '${name}'`)
  for (const file of ['use-require.cjs', 'use-import.mjs']) {
    const { code, stderr } = await runFailing(path.join(bare, file))
    assert.equal(code, 1, `${file}: exit code`)
    assert.match(stderr, /code: 'ERR_MULTIPROC_ADDON_NOT_FOUND'/, `${file}: ${stderr}`)
    assert.ok(stderr.includes(`found no native addon for this platform (${id})`), `${file}: ${stderr}`)
    assert.ok(stderr.includes(`npm install ${platformPackage}@${version}`), `${file}: names the package: ${stderr}`)
    assert.match(stderr, /--omit=optional/, `${file}: says how to install it`)
    assert.match(stderr, /npm run build/, `${file}: says how to build it`)
    assert.doesNotMatch(stderr, /wasm32|wasi/, `${file}: no WASI package (there is none)`)
  }
})

platformTest('an addon that is there but does not load is reported as such, with the reason', async (t) => {
  t.timeout(60_000)
  const damaged = path.join(tmp, 'damaged')
  fs.cpSync(path.join(bare, 'node_modules'), path.join(damaged, 'node_modules'), { recursive: true })
  const addon = path.join(damaged, 'node_modules', name, addonName)
  fs.writeFileSync(addon, 'not an addon')
  const file = path.join(damaged, 'use-require.cjs')
  fs.writeFileSync(file, `require('${name}')`)
  const { code, stderr } = await runFailing(file)
  assert.equal(code, 1)
  assert.match(stderr, /code: 'ERR_MULTIPROC_ADDON_LOAD'/, stderr)
  assert.ok(stderr.includes(`${name}'s native addon ${addon} did not load: `), stderr)
})
