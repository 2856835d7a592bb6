// The user's install path, end to end: pack this platform's npm package (with the
// addon `npm install` built) and the root package, install both tarballs into an
// empty project with a PATH that holds only `node` and `npm` (no cargo, no rustc,
// no shell tools), and run `Pool.map` through `require` and through `import`.
//
// npm resolves the root package's optionalDependencies on the other platforms'
// packages too. They are not published anywhere this test can reach, so npm runs
// with `--offline` and an empty cache of its own: their manifests fail with
// ENOTCACHED at once, npm drops them as failed optional dependencies, and the
// tarball given on the command line satisfies this platform's one.
import test, { after, before } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = fileURLToPath(new URL('..', import.meta.url))
const rootManifest = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'))
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
const platformPackage = `${rootManifest.name}-${id}`
const skip = fs.existsSync(path.join(platformDir, 'package.json'))
  ? false
  : `no npm/${id} package for this platform`

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

let tmp // everything this test writes
let env // a clean environment whose PATH holds only node and npm
let npm // (args) => run npm with that environment
let scratch // the user's project
let rootPack // `npm pack --json` entry of the root package

before(
  async () => {
    if (skip) return
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
      // Drop PATH (any spelling), the outer npm's npm_* settings and the test runner's marker.
      if (/^path$/i.test(key) || /^npm_/i.test(key) || key === 'INIT_CWD' || key === 'NODE_TEST_CONTEXT') continue
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

    // This platform's package, as `napi artifacts` fills it in a release.
    const platformCopy = path.join(tmp, id)
    fs.mkdirSync(platformCopy)
    for (const file of fs.readdirSync(platformDir)) {
      fs.copyFileSync(path.join(platformDir, file), path.join(platformCopy, file))
    }
    fs.copyFileSync(path.join(repo, addonName), path.join(platformCopy, addonName))
    const platformPack = await pack(platformCopy)
    assert.ok(
      platformPack.files.some((f) => f.path === addonName),
      `${platformPackage} tarball lacks ${addonName}`,
    )

    // The root package as built (`prepare` already ran in `npm install`; not again here).
    rootPack = await pack(repo, ['--ignore-scripts'])

    scratch = path.join(tmp, 'scratch')
    fs.mkdirSync(scratch)
    fs.writeFileSync(
      path.join(scratch, 'package.json'),
      JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }, null, 2),
    )
    await npm(
      ['install', '--offline', path.join(packs, platformPack.filename), path.join(packs, rootPack.filename)],
      scratch,
    )
  },
  { timeout: 300_000 },
)

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 })
})

test('the install PATH has node and npm but no cargo or rustc', { skip, timeout: 60_000 }, async () => {
  for (const tool of ['cargo', 'rustc']) {
    await assert.rejects(run(tool, ['--version'], { cwd: tmp, env }), { code: 'ENOENT' }, `${tool} found on PATH`)
  }
  const { stdout } = await npm(['--version'], tmp)
  assert.match(stdout.trim(), /^\d+\.\d+\.\d+/)
})

test('the packed root package ships the built JS and no Rust sources or addons', { skip, timeout: 60_000 }, () => {
  const packed = rootPack.files.map((f) => f.path)
  const installed = walk(path.join(scratch, 'node_modules', rootManifest.name))
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
})

const poolScript = `
  const pool = new Pool(2)
  console.log(JSON.stringify(await pool.map(square, [1, 2, 3, 4, 5])))
  await pool.close()
  await pool.join()
`

test(
  `require("multiproc") runs Pool.map, with the addon from ${platformPackage}`,
  { skip, timeout: 90_000 },
  async () => {
    const file = path.join(scratch, 'use-require.cjs')
    fs.writeFileSync(
      file,
      `const { Pool } = require('multiproc')\n` +
        `function square(x) { return x * x }\n` +
        `;(async () => {${poolScript}\n` +
        `  console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.endsWith('.node'))))\n` +
        `})().catch((err) => { console.error(err); process.exitCode = 1 })\n`,
    )
    const { stdout } = await run(process.execPath, [file], { cwd: scratch, env, timeout: 60_000 })
    const [result, addons, ...rest] = stdout.trim().split('\n')
    assert.equal(result, '[1,4,9,16,25]')
    assert.deepEqual(rest, [])
    const expected = fs.realpathSync(path.join(scratch, 'node_modules', platformPackage, addonName))
    assert.deepEqual(
      JSON.parse(addons).map((f) => fs.realpathSync(f)),
      [expected],
      'the binding was not loaded from the platform package',
    )
  },
)

test('import { Pool } from "multiproc" runs Pool.map from the installed packages', { skip, timeout: 90_000 }, async () => {
  const file = path.join(scratch, 'use-import.mjs')
  fs.writeFileSync(
    file,
    `import { Pool } from 'multiproc'\n` + `function square(x) { return x * x }\n` + poolScript,
  )
  const { stdout } = await run(process.execPath, [file], { cwd: scratch, env, timeout: 60_000 })
  assert.equal(stdout.trim(), '[1,4,9,16,25]')
})
