import type { ResourceLimits } from 'node:worker_threads';
import { contextKind, refuseOptions, refuseShared, type ContextKind } from '../backend/kind';
import { CHILD_OPTIONS, childOptions, type ChildOptions } from '../backend/process/spawn';
import { cpuCount } from '../process_info';
import { describe, type TaskFn } from '../task_function';

/** Options of `new Pool(options)`. */
export interface PoolOptions {
  /** Number of worker threads; default `cpuCount()`. */
  processes?: number;
  /** Runs once in each worker before it takes tasks. */
  initializer?: TaskFn;
  /** Arguments of `initializer`. */
  initargs?: unknown[];
  /** Replace a worker after it has run this many tasks (chunks). */
  maxTasksPerChild?: number;
  /** Worker threads (default) or OS child processes (`'process'`). */
  context?: ContextKind;
  /** Memory limits of each worker: `worker_threads` `resourceLimits`; in the
   *  process context mapped onto the child's V8 heap flags. */
  resourceLimits?: ResourceLimits;
  /** Process context: Node options of each child (default the parent's `process.execArgv`). */
  execArgv?: string[];
  /** Process context: environment of each child (default the parent's `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Process context: working directory of each child (default the parent's). */
  cwd?: string;
}

/** How a wait for a result ends early: at `timeout` (ms), or when `signal` aborts. */
export interface WaitOptions {
  /** Milliseconds at most; then the call rejects with `TimeoutError` and a running task is stopped. */
  timeout?: number;
  /** Aborting it rejects the call and stops its task. */
  signal?: AbortSignal;
}

/** Options of `map`, `starmap` and their async forms. */
export interface MapOptions<R = unknown> {
  /** Items per job; default `ceil(n / (4 * processes))`, as Python. */
  chunksize?: number;
  /** Aborting it rejects the call and stops its running tasks. */
  signal?: AbortSignal;
  /** Called as items complete, per item (coalesced to about 20 calls a second);
   *  the last call has `done === total`. */
  onProgress?: (done: number, total: number | undefined) => void;
  /** Called with the results when all are in. */
  callback?: (results: R[]) => void;
  /** Called with the error if the call fails. */
  errorCallback?: (error: unknown) => void;
}

/** Options of `imap` and `imapUnordered`. */
export interface ImapOptions {
  /** Items per job; default 1, as Python. */
  chunksize?: number;
  /** Aborting it ends the iteration with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of `apply` and `applyAsync`. */
export interface ApplyOptions<R = unknown> extends WaitOptions {
  /** Called with the result when it is in. */
  callback?: (result: R) => void;
  /** Called with the error if the call fails. */
  errorCallback?: (error: unknown) => void;
}

export interface ResolvedPoolOptions {
  context: ContextKind;
  processes: number;
  initializer?: TaskFn;
  initargs: unknown[];
  maxTasksPerChild: number;
  resourceLimits?: ResourceLimits;
  /** How process-context children are started. */
  child: ChildOptions;
}

/** resourceLimits fields a child process has no flag for. */
const THREAD_ONLY_LIMITS = ['codeRangeSizeMb'] as const;

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

export function resolvePoolOptions(arg: number | PoolOptions | undefined): ResolvedPoolOptions {
  const options: PoolOptions = typeof arg === 'number' ? { processes: arg } : arg ?? {};
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`new Pool(options): options must be a number or an object, got ${describe(arg)}`);
  }
  const context = contextKind(options.context, 'Pool');
  if (context === 'thread') refuseOptions(options, CHILD_OPTIONS, context, 'Pool');
  else if (options.resourceLimits !== undefined) refuseOptions(options.resourceLimits, THREAD_ONLY_LIMITS, context, 'Pool resourceLimits');
  const child = childOptions(options, 'Pool');
  const processes = options.processes === undefined ? cpuCount() : positiveInteger(options.processes, 'Pool processes');
  const maxTasksPerChild = options.maxTasksPerChild === undefined
    ? 0
    : positiveInteger(options.maxTasksPerChild, 'Pool maxTasksPerChild');
  const initargs = options.initargs ?? [];
  if (!Array.isArray(initargs)) throw new TypeError(`Pool initargs must be an array, got ${describe(initargs)}`);
  refuseShared(initargs, 'initargs', context);
  return { context, processes, initializer: options.initializer, initargs, maxTasksPerChild, resourceLimits: options.resourceLimits, child };
}

export function validateChunksize(chunksize: unknown): number | undefined {
  return chunksize === undefined ? undefined : positiveInteger(chunksize, 'chunksize');
}

export function validateTimeout(timeout: unknown, where: string): void {
  if (timeout === undefined) return;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`${where}: timeout must be a number of milliseconds >= 0 (or undefined to wait forever), got ${describe(timeout)}`);
  }
}

export function validateSignal(signal: unknown, where: string): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${where}: signal must be an AbortSignal, got ${describe(signal)}`);
  }
}
