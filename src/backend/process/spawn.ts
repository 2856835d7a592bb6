import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { CHILD_IDENTITY_ENV, type WorkerIdentity } from '../../process_info';
import { Channel } from './channel';

/** How a process-context child is started (Pool and Process options). */
export interface ChildOptions {
  /** Node options of the child; default the parent's (childExecArgv), so loaders (`--import tsx`) apply. */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  resourceLimits?: ResourceLimits;
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

/** Node options that say what node runs (or watch or debug it), not how: a
 * child runs its entry, whatever its parent was started to run. */
const NOT_FOR_CHILDREN = new Set(['-e', '--eval', '-p', '--print', '-c', '--check', '-i', '--interactive', '--test', '--watch', '--watch-path', '--inspect', '--inspect-brk', '--inspect-wait']);
/** Those of them whose value may be the next argument. */
const TAKES_VALUE = new Set(['-e', '--eval', '-p', '--print', '--watch-path']);

/** This process's Node options, as a child should get them (`--import tsx` kept, `-e code` dropped). */
export function childExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const [name] = execArgv[i].split('=', 1);
    if (!NOT_FOR_CHILDREN.has(name)) kept.push(execArgv[i]);
    else if (TAKES_VALUE.has(name) && name === execArgv[i]) i++;
  }
  return kept;
}

/**
 * Starts `node entry` as a process-context child: stdin from /dev/null,
 * stdout and stderr shared with this process (so nothing it prints is lost
 * when it exits), and a framed channel on fd 3.
 */
export function spawnChild(entry: string, identity: WorkerIdentity, options: ChildOptions, onFrame: (type: number, body: Buffer) => void): SpawnedChild {
  const execArgv = [...(options.execArgv ?? childExecArgv()), ...heapFlags(options.resourceLimits)];
  const child = spawn(process.execPath, [...execArgv, entry], {
    cwd: options.cwd,
    env: { ...(options.env ?? process.env), [CHILD_IDENTITY_ENV]: JSON.stringify(identity) },
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
  });
  const socket = child.stdio[3] as Socket;
  return { child, channel: new Channel(socket, onFrame) };
}

/** In a process-context child: the channel to its parent (fd 3). */
export function parentChannel(onFrame: (type: number, body: Buffer) => void): Channel {
  return new Channel(new Socket({ fd: 3, readable: true, writable: true }), onFrame);
}

/** Python's exit code for a child's end: n, or -N for death by signal N. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal === null ? undefined : constants.signals[signal];
  return number === undefined ? 1 : -number;
}
