// Describes the machine and the software versions a result was measured with.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return null;
  }
};

export function pythonVersion() {
  const v = sh('python3', ['--version']);
  return v ? v.replace(/^Python\s+/, '') : null;
}

export function machineInfo(root, libs) {
  let cpu = 'unknown';
  try {
    cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? cpu;
  } catch {}
  const versions = {};
  for (const lib of libs) {
    const dir = lib === 'multiproc' ? root : `${root}/node_modules/${lib}`;
    try {
      versions[lib] = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')).version;
    } catch {
      versions[lib] = '?';
    }
  }
  // multiproc is measured from the working tree: say which commit and whether it was dirty.
  const rev = sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
  const dirty = sh('git', ['-C', root, 'status', '--porcelain', '--', 'index.ts', 'src', 'crates']);
  versions.multiproc += rev ? ` (git ${rev}${dirty ? ', uncommitted changes' : ''})` : '';
  return {
    date: new Date().toISOString(),
    nproc: sh('nproc', []) ?? String(os.availableParallelism()),
    cpu,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg: os.loadavg(),
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    python: pythonVersion(),
    versions,
  };
}
