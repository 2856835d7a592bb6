import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { Worker, threadId } from 'node:worker_threads';
import { addonForWorkers, native } from '../native';
import { IDENTITY_KEY, currentProcess, type WorkerIdentity } from '../process_info';
import { kReady, kWhenReady, type Waitable } from '../queues/wait';
import { replaceShared, shareIds, type ShareRecord } from '../shared/handles';
import { Value } from '../shared_memory/value';
import { Event } from '../sync/event';
import { waitOptions } from '../sync/waiting';
import { describe, functionSpec, isTaskRef, type TaskFn } from '../task_function';
import { assertCloneable } from '../transfer/cloneable';
import { childEnded, childStarted, nextProcessName } from './registry';
import { blockedFlag } from '../worker/stdio';

const CHILD_ENTRY = join(__dirname, 'child.js');
/** Exit codes Python reports for terminate() and kill(). */
const TERMINATED = -15;
const KILLED = -9;

export interface ProcessOptions<A extends unknown[] = any[]> {
  target?: TaskFn<(...args: A) => unknown>;
  /** Checked against `target`'s parameters. */
  args?: NoInfer<A>;
  name?: string;
  daemon?: boolean;
  context?: 'thread' | 'process';
}

/** What a child thread receives (see child.ts). */
export interface ProcessStart {
  target: string;
  args: unknown[];
  self: Record<string, unknown>;
  baseDir: string;
  /** This thread is blocked in a *Sync wait (see worker/stdio.ts). */
  parentBlocked: Int32Array;
  /** Markers of the exit-code Value and the done Event the child sets. */
  finished: unknown[];
}

/** Resolves once `stream` (a worker's stdout/stderr, piped to ours) has ended. */
function drained(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

function entryDir(): string {
  const entry = process.argv[1];
  return entry && existsSync(entry) ? dirname(entry) : process.cwd();
}

/**
 * Python's `multiprocessing.Process`, in the thread context: `target(...args)`
 * (or a subclass's `run()`) runs in its own worker thread.
 */
export class Process<A extends unknown[] = any[]> implements Waitable {
  #target: TaskFn | undefined;
  #args: unknown[];
  #name: string;
  #daemon: boolean;
  #worker: Worker | undefined;
  /** The child's thread id, kept: Worker.threadId turns -1 once the thread exits. */
  #ident: number | null = null;
  #exitCode: Value | undefined;
  #done: Event | undefined;
  /** Set by terminate()/kill(): the code Python reports for them. */
  #stopCode: number | undefined;
  #exited: Promise<void> | undefined;
  #closed = false;

  constructor(options: ProcessOptions<A> = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`new Process(options): options must be an object, got ${describe(options)}`);
    }
    const { target, args = [], name, daemon, context } = options;
    if (context !== undefined && context !== 'thread') {
      if (context === 'process') throw new Error("Process context 'process' is not yet supported; use the default context 'thread'");
      throw new TypeError(`Process context must be 'thread' or 'process', got ${describe(context)}`);
    }
    if (target !== undefined && typeof target !== 'function' && !isTaskRef(target)) {
      throw new TypeError(`Process target must be a function or task(module, exportName), got ${describe(target)}`);
    }
    if (!Array.isArray(args)) throw new TypeError(`Process args must be an array, got ${describe(args)}`);
    if (name !== undefined && typeof name !== 'string') throw new TypeError(`Process name must be a string, got ${describe(name)}`);
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
    if (this.#worker) throw new Error('Process.daemon can only be set before start()');
    this.#daemon = Boolean(daemon);
  }

  /** The OS process id (in the thread context, the parent's); null before start. */
  get pid(): number | null {
    return this.#worker ? process.pid : null;
  }

  /** The child's thread id; null before start. */
  get ident(): number | null {
    return this.#ident;
  }

  /** null while running (or before start); 0 normal; 1 uncaught error; n for
   *  process.exit(n); -15 after terminate(); -9 after kill(). */
  get exitCode(): number | null {
    if (this.#stopCode !== undefined) return this.#stopCode;
    if (!this.#done?.isSet()) return null;
    return this.#exitCode!.value;
  }

  start(): void {
    this.#assertOpen();
    if (this.#worker) throw new Error('Process.start(): a process can only be started once');
    const subclassRun = this.run !== Process.prototype.run;
    const target = subclassRun ? this.run : this.#target;
    const spec = target === undefined ? JSON.stringify({ source: '() => undefined' }) : functionSpec(target, 'Process target');
    this.#args.forEach((arg, i) => assertCloneable(arg, `args[${i}]`));
    const self = subclassRun ? { ...this } : {};
    Object.entries(self).forEach(([key, value]) => assertCloneable(value, `this.${key}`));
    this.#exitCode = new Value('i', 0, { lock: false });
    this.#done = new Event();
    const found: ShareRecord[] = [];
    const start: ProcessStart = {
      target: spec,
      args: replaceShared(this.#args, found) as unknown[],
      self: replaceShared(self, found) as Record<string, unknown>,
      baseDir: entryDir(),
      parentBlocked: blockedFlag,
      finished: replaceShared([this.#exitCode, this.#done], found) as unknown[],
    };
    // The shared objects sent live until the child has ended, whether or not
    // it attached (a pipe end sent counts from now, as in Python).
    const sent = new native.NativeHold(shareIds(found));
    const parent = currentProcess();
    const identity: WorkerIdentity = { name: this.#name, daemon: this.#daemon, parent: { name: parent.name, ident: threadId } };
    const worker = new Worker(CHILD_ENTRY, { workerData: { ...start, [IDENTITY_KEY]: identity, ...addonForWorkers } });
    this.#worker = worker;
    this.#ident = worker.threadId;
    // Daemon children never keep the parent alive; others do, as in Python.
    if (this.#daemon) worker.unref();
    childStarted(this);
    this.#exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        sent.release();
        // Crashes that bypassed the child's own bookkeeping (out of memory...).
        if (!this.#done!.isSet()) {
          this.#exitCode!.value = code;
          this.#done!.set();
        }
        childEnded(this);
        // The child's last output may still be on its way through this
        // thread's side of its stdout/stderr pipes; join() resolves once it
        // has been written out, so it comes before what the parent prints next.
        void Promise.all([worker.stdout, worker.stderr].map(drained)).then(() => resolve());
      });
    });
    worker.on('error', () => {
      // Reported by the child itself on stderr; the exit code says the rest.
    });
  }

  /** Resolves when the child has finished, or after `timeout` ms (check exitCode). */
  async join(timeout?: number): Promise<void> {
    this.#assertOpen();
    const { timeout: limit } = waitOptions(timeout, 'Process.join');
    const worker = this.#worker;
    if (!worker) throw new Error('Process.join(): the process was not started');
    // Asking to wait for a daemon child keeps the parent alive meanwhile, as
    // Pool.join() does; on its own a daemon child never does.
    if (this.#daemon) worker.ref();
    try {
      if (limit === undefined) return await this.#exited;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, limit)))]);
      clearTimeout(timer);
    } finally {
      if (this.#daemon) worker.unref();
    }
  }

  /** Blocks this thread until the child has finished, or `timeout` ms. */
  joinSync(timeout?: number): void {
    this.#assertOpen();
    if (!this.#worker) throw new Error('Process.joinSync(): the process was not started');
    if (this.#stopCode === undefined) this.#done!.waitSync(timeout);
  }

  isAlive(): boolean {
    if (this.#closed) throw new Error('Process.isAlive(): the process object is closed');
    return this.#worker !== undefined && this.exitCode === null;
  }

  /** Stops the child at once, even in an endless loop or a blocking wait. */
  terminate(): void {
    this.#stop(TERMINATED);
  }

  kill(): void {
    this.#stop(KILLED);
  }

  #stop(code: number): void {
    this.#assertOpen();
    if (!this.#worker || this.exitCode !== null) return;
    this.#stopCode = code;
    void this.#worker.terminate();
  }

  /** @internal For wait(): the process has ended. */
  [kReady](): boolean {
    if (!this.#worker) throw new Error('the Process was not started');
    return this.exitCode !== null;
  }

  /** @internal For wait(). */
  [kWhenReady](signal: AbortSignal): Promise<boolean> {
    return this.#done!.wait({ signal });
  }

  /** Releases the process object; most methods then throw. */
  close(): void {
    if (this.#worker && this.exitCode === null) {
      throw new Error('Process.close(): the process is still running; join() or terminate() it first');
    }
    this.#closed = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the Process object is closed');
  }
}
