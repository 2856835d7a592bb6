import type { ResourceLimits } from 'node:worker_threads';
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
  /** Only `'thread'` (the default) so far; `'process'` is refused as not yet supported. */
  context?: 'thread' | 'process';
  /** Memory limits for each worker thread (`worker_threads` `resourceLimits`). */
  resourceLimits?: ResourceLimits;
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
  processes: number;
  initializer?: TaskFn;
  initargs: unknown[];
  maxTasksPerChild: number;
  resourceLimits?: ResourceLimits;
}

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
  if (options.context !== undefined && options.context !== 'thread') {
    if (options.context === 'process') {
      throw new Error("Pool context 'process' is not yet supported; use the default context 'thread'");
    }
    throw new TypeError(`Pool context must be 'thread' or 'process', got ${describe(options.context)}`);
  }
  const processes = options.processes === undefined ? cpuCount() : positiveInteger(options.processes, 'Pool processes');
  const maxTasksPerChild = options.maxTasksPerChild === undefined
    ? 0
    : positiveInteger(options.maxTasksPerChild, 'Pool maxTasksPerChild');
  const initargs = options.initargs ?? [];
  if (!Array.isArray(initargs)) throw new TypeError(`Pool initargs must be an array, got ${describe(initargs)}`);
  return { processes, initializer: options.initializer, initargs, maxTasksPerChild, resourceLimits: options.resourceLimits };
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
