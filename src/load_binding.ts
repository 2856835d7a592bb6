// Loads the generated napi-rs loader (binding.js, kept as `napi build` writes
// it). When it finds no addon, its message blames an npm bug and lists the
// WASI package multiproc does not publish; this names what this platform needs
// and the two ways to get it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as Binding from '../binding';

const ROOT = join(__dirname, '..');

interface Manifest {
  name: string;
  version: string;
  repository?: { url?: string };
  napi: { binaryName: string; targets: string[] };
}

const CPUS: Record<string, string> = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32', armv7: 'arm' };
const SYSTEMS: Record<string, string> = { linux: 'linux', darwin: 'darwin', windows: 'win32', freebsd: 'freebsd' };

/** napi-rs's name for a Rust target, as in `npm/<id>/` and `<binary>.<id>.node`. */
function platformIdOf(triple: string): string {
  const [cpu, , system, abi] = triple.split('-'); // x86_64-unknown-linux-gnu, aarch64-apple-darwin
  return [SYSTEMS[system] ?? system, CPUS[cpu] ?? cpu, abi].filter(Boolean).join('-');
}

/** This machine's napi-rs platform id. */
function hostPlatformId(): string {
  const { platform, arch } = process;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  if (platform !== 'linux') return `${platform}-${arch}`;
  // No DNS look-ups in the report (a Node 20 option @types/node does not list).
  (process.report as { excludeNetwork?: boolean }).excludeNetwork = true;
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return `linux-${arch}-${header?.glibcVersionRuntime ? 'gnu' : 'musl'}`;
}

/** The addon file that would have been loaded, if either place has one. */
function findAddon(manifest: Manifest, id: string): string | undefined {
  const local = join(ROOT, `${manifest.napi.binaryName}.${id}.node`);
  if (existsSync(local)) return local;
  try {
    return require.resolve(`${manifest.name}-${id}`, { paths: [ROOT] });
  } catch {
    return undefined;
  }
}

function missingAddon(manifest: Manifest, id: string): Error {
  const { name, version } = manifest;
  const pkg = `${name}-${id}`;
  const published = manifest.napi.targets.map(platformIdOf);
  const repo = (manifest.repository?.url ?? '').replace(/^git\+/, '').replace(/\.git$/, '');
  const build =
    `build it from source (needs Rust stable and cargo): git clone ${repo}, then in the clone ` +
    `npm ci --ignore-scripts && npm run build, and install that folder (npm install /path/to/clone) ` +
    `or copy the ${manifest.napi.binaryName}.${id}.node it built into ${ROOT}`;
  const message = published.includes(id)
    ? `${name} found no native addon for this platform (${id}). It comes in the package ${pkg}@${version}, ` +
      `an optional dependency of ${name}, which is not installed. Either:\n` +
      `- install it: reinstall without --no-optional or --omit=optional (nor omit=optional in .npmrc); a ` +
      `package-lock.json written on another platform can lack it (npm's bug https://github.com/npm/cli/issues/4828: ` +
      `delete node_modules and package-lock.json, then npm install); or add it: npm install ${pkg}@${version}\n` +
      `- or ${build}`
    : `${name} publishes no prebuilt native addon for this platform (${id}; prebuilt: ${published.join(', ')}). ` +
      `To use it here, ${build}`;
  return Object.assign(new Error(message), { code: 'ERR_MULTIPROC_ADDON_NOT_FOUND' });
}

export function loadBinding(): typeof Binding {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../binding.js');
  } catch (error) {
    // A path the user chose, or a binding.js that is not there: napi-rs's error or Node's says it.
    if (process.env.NAPI_RS_NATIVE_LIBRARY_PATH || (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') throw error;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const manifest: Manifest = require('../package.json');
    const id = hostPlatformId();
    const found = findAddon(manifest, id);
    if (found === undefined) throw missingAddon(manifest, id);
    // Found but not loadable (a libc or CPU mismatch, a damaged file): the loader's
    // "cannot find" would mislead, so say what the dynamic linker said.
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(found);
    } catch (cause) {
      throw Object.assign(
        new Error(`${manifest.name}'s native addon ${found} did not load: ${(cause as Error).message}`, { cause }),
        { code: 'ERR_MULTIPROC_ADDON_LOAD' },
      );
    }
    throw error;
  }
}
