import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { contextKind, refuseOptions, refuseShared, type ContextKind } from '../backend/kind';
import { startProcessChild } from '../backend/process/process_child';
import { CHILD_OPTIONS, childOptions, type ChildOptions } from '../backend/process/spawn';
import { native } from '../native';
import { currentProcess, type WorkerIdentity } from '../process_info';
import { kReady, kWhenReady, type Waitable } from '../queues/wait';
import { replaceShared, shareIds, type ShareRecord } from '../shared/handles';
import { waitOptions } from '../sync/waiting';
import { describe, functionSpec, isTaskRef, type TaskFn } from '../task_function';
import { assertCloneable } from '../transfer/cloneable';
import { childEnded, childStarted, nextProcessName } from './registry';
import type { ChildStart, StartChild, StartedChild } from './started';
import { startThreadChild } from './thread_child';

export interface ProcessOptions<A extends unknown[] = any[]> {
  target?: TaskFn<(...args: A) => unknown>;
  /** Checked against `target`'s parameters. */
  args?: NoInfer<A>;
  name?: string;
  daemon?: boolean;
  /** 'thread' (default): a worker thread of this process; 'process': an OS child process. */
  context?: ContextKind;
  /** Process context: the child's Node options (default this process's, so loaders such as `--import tsx` apply). */
  execArgv?: string[];
  /** Process context: the child's environment (default this process's). */
  env?: NodeJS.ProcessEnv;
  /** Process context: the child's working directory (default this process's). */
  cwd?: string;
}

const STARTERS: Record<ContextKind, StartChild> = { thread: startThreadChild, process: startProcessChild };

function entryDir(): string {
  const entry = process.argv[1];
  return entry && existsSync(entry) ? dirname(entry) : process.cwd();
}

/**
 * Python's `multiprocessing.Process`: `target(...args)` (or a subclass's
 * `run()`) runs in a worker thread of this process (context 'thread', the
 * default) or in an OS child process (context 'process').
 */
export class Process<A extends unknown[] = any[]> implements Waitable {
  #target: TaskFn | undefined;
  #args: unknown[];
  #name: string;
  #daemon: boolean;
  #kind: ContextKind;
  #childOptions: ChildOptions;
  #child: StartedChild | undefined;
  #closed = false;

  constructor(options: ProcessOptions<A> = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`new Process(options): options must be an object, got ${describe(options)}`);
    }
    const { target, args = [], name, daemon, context } = options;
    this.#kind = contextKind(context, 'Process');
    if (this.#kind === 'thread') refuseOptions(options, CHILD_OPTIONS, 'thread', 'Process');
    if (target !== undefined && typeof target !== 'function' && !isTaskRef(target)) {
      throw new TypeError(`Process target must be a function or task(module, exportName), got ${describe(target)}`);
    }
    if (!Array.isArray(args)) throw new TypeError(`Process args must be an array, got ${describe(args)}`);
    refuseShared(args, 'args', this.#kind);
    if (name !== undefined && typeof name !== 'string') throw new TypeError(`Process name must be a string, got ${describe(name)}`);
    this.#childOptions = childOptions(options, 'Process');
    this.#target = target;
    this.#args = args;
    this.#name = name ?? nextProcessName();
    this.#daemon = daemon ?? currentProcess().daemon;
  }

  /** The code run in the child: `target(...args)` by default; override it. */
  run(): unknown {
    return undefined;
  }

  get name(): string {
    return this.#name;
  }

  set name(name: string) {
    if (typeof name !== 'string') throw new TypeError(`Process name must be a string, got ${describe(name)}`);
    this.#name = name;
  }

  get daemon(): boolean {
    return this.#daemon;
  }

  set daemon(daemon: boolean) {
    if (this.#child) throw new Error('Process.daemon can only be set before start()');
    this.#daemon = Boolean(daemon);
  }

  /** The child's OS process id (in the thread context, this process's); null before start. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** The child's thread id (thread context) or pid (process context); null before start. */
  get ident(): number | null {
    return this.#child?.ident ?? null;
  }

  /** null while running (or before start); 0 normal; 1 uncaught error; n for
   *  process.exit(n); -15 after terminate(); -9 after kill(); -N for death by
   *  signal N (process context). */
  get exitCode(): number | null {
    return this.#child?.exitCode() ?? null;
  }

  start(): void {
    this.#assertOpen();
    if (this.#child) throw new Error('Process.start(): a process can only be started once');
    const subclassRun = this.run !== Process.prototype.run;
    const target = subclassRun ? this.run : this.#target;
    const spec = target === undefined ? JSON.stringify({ source: '() => undefined' }) : functionSpec(target, 'Process target');
    this.#args.forEach((arg, i) => assertCloneable(arg, `args[${i}]`));
    const self = subclassRun ? { ...this } : {};
    refuseShared(self, 'this', this.#kind);
    Object.entries(self).forEach(([key, value]) => assertCloneable(value, `this.${key}`));
    const found: ShareRecord[] = [];
    const start: ChildStart = {
      target: spec,
      args: replaceShared(this.#args, found, this.#kind) as unknown[],
      self: replaceShared(self, found, this.#kind) as Record<string, unknown>,
      baseDir: entryDir(),
    };
    // The shared objects sent live until the child has ended, whether or not
    // it attached (a pipe end sent counts from now, as in Python).
    const sent = new native.NativeHold(shareIds(found));
    const parent = currentProcess();
    const identity: WorkerIdentity = {
      name: this.#name,
      daemon: this.#daemon,
      parent: { name: parent.name, ident: parent.ident, pid: process.pid },
    };
    const child = STARTERS[this.#kind](start, identity, this.#childOptions);
    this.#child = child;
    // Daemon children never keep the parent alive; others do, as in Python.
    if (this.#daemon) child.unref();
    childStarted(this);
    void child.ended.then(() => {
      sent.release();
      childEnded(this);
    });
  }

  /** Resolves when the child has finished, or after `timeout` ms (check exitCode). */
  async join(timeout?: number): Promise<void> {
    this.#assertOpen();
    const { timeout: limit } = waitOptions(timeout, 'Process.join');
    const child = this.#child;
    if (!child) throw new Error('Process.join(): the process was not started');
    // Asking to wait for a daemon child keeps the parent alive meanwhile, as
    // Pool.join() does; on its own a daemon child never does.
    if (this.#daemon) child.ref();
    try {
      if (limit === undefined) return await child.ended;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([child.ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, limit)))]);
      clearTimeout(timer);
    } finally {
      if (this.#daemon) child.unref();
    }
  }

  /** Blocks this thread until the child has finished, or `timeout` ms. */
  joinSync(timeout?: number): void {
    this.#assertOpen();
    const { timeout: limit } = waitOptions(timeout, 'Process.joinSync');
    if (!this.#child) throw new Error('Process.joinSync(): the process was not started');
    this.#child.waitSync(limit);
  }

  isAlive(): boolean {
    if (this.#closed) throw new Error('Process.isAlive(): the process object is closed');
    return this.#child !== undefined && this.exitCode === null;
  }

  /** Stops the child at once, even in an endless loop or a blocking wait
   *  (process context: SIGTERM). */
  terminate(): void {
    this.#stop('SIGTERM');
  }

  /** As terminate() (process context: SIGKILL). */
  kill(): void {
    this.#stop('SIGKILL');
  }

  #stop(signal: 'SIGTERM' | 'SIGKILL'): void {
    this.#assertOpen();
    if (!this.#child || this.exitCode !== null) return;
    this.#child.stop(signal);
  }

  /** @internal For wait(): the process has ended. */
  [kReady](): boolean {
    if (!this.#child) throw new Error('the Process was not started');
    return this.exitCode !== null;
  }

  /** @internal For wait(). */
  [kWhenReady](signal: AbortSignal): Promise<unknown> {
    return this.#child!.whenEnded(signal);
  }

  /** Releases the process object; most methods then throw. */
  close(): void {
    if (this.#child && this.exitCode === null) {
      throw new Error('Process.close(): the process is still running; join() or terminate() it first');
    }
    this.#closed = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the Process object is closed');
  }
}
