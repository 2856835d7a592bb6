import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { forChildren } from '../../native';
import { CHILD_IDENTITY_ENV, type WorkerIdentity } from '../../process_info';
import { trackerForChild } from '../../shared_memory/tracker';
import { describe } from '../../task_function';
import { Channel } from './channel';

/** How a process-context child is started (Pool and Process options). */
export interface ChildOptions {
  /** Node options of the child; default the parent's (less `-e` code, test and
   *  inspector flags), so loaders such as `--import tsx` apply. */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  resourceLimits?: ResourceLimits;
}

/** The options only a process-context child takes (refused in the thread context). */
export const CHILD_OPTIONS = ['execArgv', 'env', 'cwd'] as const;

/** Checks a Pool's or Process's `execArgv`, `env` and `cwd` (`where`: 'Pool'...); returns them. */
export function childOptions({ execArgv, env, cwd }: ChildOptions, where: string): ChildOptions {
  if (execArgv !== undefined && (!Array.isArray(execArgv) || execArgv.some((arg) => typeof arg !== 'string'))) {
    throw new TypeError(`${where} execArgv must be an array of strings, got ${describe(execArgv)}`);
  }
  if (env !== undefined && (typeof env !== 'object' || env === null)) throw new TypeError(`${where} env must be an object, got ${describe(env)}`);
  if (cwd !== undefined) {
    if (typeof cwd !== 'string') throw new TypeError(`${where} cwd must be a string, got ${describe(cwd)}`);
    if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${where} cwd ${JSON.stringify(cwd)} is not a directory`);
  }
  return { execArgv, env, cwd };
}

export interface SpawnedChild {
  child: ChildProcess;
  channel: Channel;
}

/** The V8 heap flags that stand for a worker thread's `resourceLimits`. */
export function heapFlags(limits: ResourceLimits | undefined): string[] {
  if (limits === undefined) return [];
  const flags: string[] = [];
  if (limits.maxOldGenerationSizeMb !== undefined) flags.push(`--max-old-space-size=${limits.maxOldGenerationSizeMb}`);
  // V8's young generation is three semi-spaces (two for the scavenger, one new-large-object).
  if (limits.maxYoungGenerationSizeMb !== undefined) flags.push(`--max-semi-space-size=${Math.max(1, Math.floor(limits.maxYoungGenerationSizeMb / 3))}`);
  if (limits.stackSizeMb !== undefined) flags.push(`--stack-size=${Math.floor(limits.stackSizeMb * 1024)}`);
  return flags;
}

/** Options of the parent that would make a child do something else than run
 *  its entry (evaluate the parent's `-e` code again, run tests, wait for a
 *  debugger on a port the parent holds), with whether they take a value. */
const NOT_INHERITED = new Map<string, boolean>([
  ['-e', true], ['--eval', true], ['-p', true], ['--print', true], ['-pe', true],
  ['-i', false], ['--interactive', false], ['-c', false], ['--check', false], ['--input-type', true],
]);
const NOT_INHERITED_PREFIX = /^--(test|watch|inspect|debug)/;

/** The parent's execArgv without what must not pass to a child. */
export function inheritedExecArgv(args: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const name = arg.split('=')[0];
    if (NOT_INHERITED.has(name)) {
      if (NOT_INHERITED.get(name) && !arg.includes('=')) i++;
      continue;
    }
    if (NOT_INHERITED_PREFIX.test(arg)) continue;
    kept.push(arg);
  }
  return kept;
}

/**
 * Starts `node entry` as a process-context child: stdin from /dev/null,
 * stdout and stderr shared with this process (so nothing it prints is lost
 * when it exits), a framed channel on fd 3, and (POSIX) this program's
 * shared memory tracker pipe on fd 4.
 */
export function spawnChild(entry: string, identity: WorkerIdentity, options: ChildOptions, onFrame: (type: number, body: Buffer) => void): SpawnedChild {
  const execArgv = [...(options.execArgv ?? inheritedExecArgv()), ...heapFlags(options.resourceLimits)];
  const tracker = trackerForChild();
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...execArgv, entry], {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), [CHILD_IDENTITY_ENV]: JSON.stringify(identity), ...forChildren(), ...tracker.env },
      stdio: ['ignore', 'inherit', 'inherit', 'pipe', ...tracker.stdio],
    });
  } finally {
    tracker.start();
  }
  const socket = child.stdio[3] as Socket;
  return { child, channel: new Channel(socket, onFrame) };
}

/** Python's exit code for a child's end: n, or -N for death by signal N. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal === null ? undefined : constants.signals[signal];
  return number === undefined ? 1 : -number;
}
