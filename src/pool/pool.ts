import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { TimeoutError, WorkerCrashedError, poolNotRunning } from '../errors';
import { native } from '../native';
import { replaceShared, shareIds, type ShareRecord } from '../shared/handles';
import { assertCloneable } from '../transfer/cloneable';
import { CallMode } from '../transfer/codec';
import { describe, functionSpec, type TaskRef } from '../task_function';
import { AsyncResult } from './async_result';
import { Dispatcher, type JobSink } from './dispatcher';
import { LazyMap } from './lazy_map';
import { MapProgress } from './progress';
import {
  resolvePoolOptions, validateChunksize, validateSignal, validateTimeout,
  type ApplyOptions, type ImapOptions, type MapOptions, type PoolOptions,
} from './options';
import { WorkerSet } from '../backend/thread/worker_set';
import { ChildSet } from '../backend/process/child_set';
import { refuseShared, type ContextKind } from '../backend/kind';
import type { Executor, ExecutorEvents, ExecutorStart } from './executor';
import { deliverPendingWakes } from '../sync/waiting';

type Fn<A extends unknown[] = any[], R = any> = (...args: A) => R;
/** A task function taking `A` and producing `R` (awaited), inline or by module. */
type Task<A extends unknown[], R> = Fn<A, R> | TaskRef<Fn<A, R>>;
type Input<T> = Iterable<T> | AsyncIterable<T>;

/**
 * Pools still running. When this thread's event loop runs dry ('beforeExit'),
 * no more work can come to them: they close and their workers exit after
 * handing over their console output, which would otherwise be lost with them.
 */
const openPools = new Set<Pool>();
process.on('beforeExit', () => {
  for (const pool of openPools) pool[kCloseAtExit]();
});
const kCloseAtExit = Symbol('closeAtExit');

/** Largest group of `apply` calls made in one turn that travels as one job. */
const MAX_APPLY_BATCH = 256;

interface PendingApply {
  args: unknown[];
  /** Shared objects `args` refer to (replaced by markers). */
  shared?: ShareRecord[];
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * A pool of worker threads running task functions, as Python's
 * `multiprocessing.Pool`. See the package README for the full contract.
 */
export class Pool {
  /** Number of workers. */
  readonly processes: number;
  /** Where the workers run: worker threads or child processes. */
  readonly context: ContextKind;
  #state: 'running' | 'closed' | 'terminated' = 'running';
  readonly #dispatcher: Dispatcher;
  readonly #workers: Executor;
  /** Function ids by spec (see functionSpec) and by raw function source. */
  readonly #specIds = new Map<string, number>();
  readonly #taskRefIds = new WeakMap<object, number>();
  #functionCount = 0;
  #lastFunction: unknown;
  #lastFunctionId = 0;
  #applyQueue = new Map<number, PendingApply[]>();
  #applyFlushScheduled = false;
  #terminated?: Promise<void>;
  /** The initargs, holding the shared objects among them alive as long as the
   *  pool: replacement workers attach to them by id. */
  readonly #initargs: unknown[];
  /** Held for the same reason: what replaceShared sent for them (a pipe end
   *  sent is a new handle, which lives only as long as someone holds it);
   *  released once the workers have exited after join() or terminate(). */
  #initargsSent: { release(): void } | undefined;
  /** Why the pool stopped, when the user did not stop it (see #assertRunning). */
  #stopReason?: string;
  /** map/starmap calls made while running whose async input is still being read:
   *  close() keeps the native queue open until their work is queued. */
  #accepting = 0;
  /** imap/imapUnordered iterators still reading their input. */
  readonly #lazyMaps = new Set<LazyMap<unknown>>();
  /** Most apply() calls one job carries: 1 under maxTasksPerChild, which
   *  counts jobs, so that each apply() is one task as in Python. */
  readonly #applyBatch: number;

  constructor(options?: number | PoolOptions) {
    const resolved = resolvePoolOptions(options);
    this.#initargs = resolved.initargs;
    this.processes = resolved.processes;
    this.context = resolved.context;
    this.#applyBatch = resolved.maxTasksPerChild > 0 ? 1 : MAX_APPLY_BATCH;
    this.#dispatcher = new Dispatcher(this.processes, {
      onBusyChange: (busy) => {
        // A task may have woken one of this thread's async waiters (ev.set()
        // in a worker) just before it finished: that wake is still on its
        // way, and the loop must not run dry before it arrives.
        if (!busy) deliverPendingWakes();
        this.#workers?.setRef(busy);
      },
      onRunawayJob: (slot) => this.#workers.stop(slot),
      outputWritten: () => this.#workers.outputWritten(),
    });
    let initializer;
    if (resolved.initializer !== undefined) {
      const functionId = this.#functionId(resolved.initializer, 'Pool initializer');
      resolved.initargs.forEach((arg, i) => assertCloneable(arg, `initargs[${i}]`));
      const found: ShareRecord[] = [];
      initializer = { functionId, args: replaceShared(resolved.initargs, found, this.context) as unknown[] };
      this.#initargsSent = new native.NativeHold(shareIds(found));
    }
    const start: ExecutorStart = {
      poolId: this.#dispatcher.core.id,
      bell: this.#dispatcher.bell,
      progress: this.#dispatcher.progress,
      baseDir: entryDir(),
      maxTasksPerChild: resolved.maxTasksPerChild,
      initializer,
      resourceLimits: resolved.resourceLimits,
    };
    const events: ExecutorEvents = {
      onUnexpectedExit: (slot, error) => this.#onWorkerExit(slot, error),
      onInitializerFailed: (cause) => this.#onInitializerFailed(cause),
      onStartFailed: (reason, cause) => this.#stopFor(reason, new Error(`Pool terminated: ${reason}`, { cause })),
    };
    this.#workers = this.context === 'process'
      ? new ChildSet(this.processes, start, resolved.child, events)
      : new WorkerSet(this.processes, start, events);
    openPools.add(this);
  }

  /** `fn(...args)` in a worker. */
  apply<A extends unknown[], R>(fn: Task<A, R>, args?: A, options: ApplyOptions<Awaited<R>> = {}): Promise<Awaited<R>> {
    const list = (args ?? []) as unknown[];
    try {
      this.#assertRunning();
      if (!Array.isArray(list)) throw new TypeError(`apply(fn, args): args must be an array, got ${describe(list)}`);
      validateTimeout(options.timeout, 'apply');
      validateSignal(options.signal, 'apply');
      const functionId = this.#functionId(fn);
      assertCloneable(list, 'args');
      refuseShared(list, 'args', this.context);
      const found: ShareRecord[] = [];
      const sendable = replaceShared(list, found, this.context) as unknown[];
      const shared = found.length > 0 ? found : undefined;
      if (options.signal?.aborted) return Promise.reject(options.signal.reason);
      if (options.signal === undefined && options.timeout === undefined) {
        return new Promise((resolve, reject) => this.#queueApply(functionId, { args: sendable, shared, resolve: resolve as PendingApply['resolve'], reject }));
      }
      return this.#applyCancellable(functionId, sendable, options, shared);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `apply` without awaiting: a handle with `get(timeout)`, `ready()`, callbacks. */
  applyAsync<A extends unknown[], R>(fn: Task<A, R>, args?: A, options: ApplyOptions<Awaited<R>> = {}): AsyncResult<Awaited<R>> {
    const { callback, errorCallback, ...wait } = options;
    return new AsyncResult(this.apply(fn, args, wait), callback, errorCallback);
  }

  /** `fn(item)` for every item, results in input order. */
  map<T, R>(fn: Task<[T], R>, iterable: Input<T>, options: MapOptions<Awaited<R>> = {}): Promise<Awaited<R>[]> {
    return this.#mapAll(fn, iterable, options, CallMode.Single, 'map') as Promise<Awaited<R>[]>;
  }

  /** `fn(...args)` for every argument array, results in input order. */
  starmap<A extends unknown[], R>(fn: Task<A, R>, iterable: Input<A>, options: MapOptions<Awaited<R>> = {}): Promise<Awaited<R>[]> {
    return this.#mapAll(fn, iterable, options, CallMode.Spread, 'starmap') as Promise<Awaited<R>[]>;
  }

  /** `map` without awaiting: an `AsyncResult` of the results list. */
  mapAsync<T, R>(fn: Task<[T], R>, iterable: Input<T>, options: MapOptions<Awaited<R>> = {}): AsyncResult<Awaited<R>[]> {
    return new AsyncResult(this.map(fn, iterable, options), options.callback, options.errorCallback);
  }

  /** `starmap` without awaiting: an `AsyncResult` of the results list. */
  starmapAsync<A extends unknown[], R>(fn: Task<A, R>, iterable: Input<A>, options: MapOptions<Awaited<R>> = {}): AsyncResult<Awaited<R>[]> {
    return new AsyncResult(this.starmap(fn, iterable, options), options.callback, options.errorCallback);
  }

  /** Lazy `map`: results in input order, input consumed as results are taken. */
  imap<T, R>(fn: Task<[T], R>, iterable: Input<T>, options: ImapOptions = {}): AsyncIterableIterator<Awaited<R>> {
    return this.#lazyMap(fn, iterable, options, true) as AsyncIterableIterator<Awaited<R>>;
  }

  /** Lazy `map`: results in completion order. */
  imapUnordered<T, R>(fn: Task<[T], R>, iterable: Input<T>, options: ImapOptions = {}): AsyncIterableIterator<Awaited<R>> {
    return this.#lazyMap(fn, iterable, options, false) as AsyncIterableIterator<Awaited<R>>;
  }

  /** No new work; work already queued still runs. */
  close(): void {
    if (this.#state !== 'running') return;
    openPools.delete(this);
    this.#flushApplies();
    this.#state = 'closed';
    for (const lazyMap of this.#lazyMaps) {
      this.#accepting++;
      void lazyMap.submitRest().finally(() => this.#accepted());
    }
    if (this.#accepting === 0) this.#dispatcher.close();
  }

  /** The loop ran dry: an imap nobody iterates any more is dropped (its input
   *  may be endless), then the pool closes and its workers exit. */
  [kCloseAtExit](): void {
    for (const lazyMap of this.#lazyMaps) void lazyMap.return();
    this.#lazyMaps.clear();
    this.close();
    void this.join();
  }

  /** One call that was still queueing work when close() came has finished. */
  #accepted(): void {
    if (--this.#accepting === 0 && this.#state === 'closed') this.#dispatcher.close();
  }

  /** Stops the workers now; pending and running work rejects before this resolves. */
  terminate(): Promise<void> {
    return this.#terminate(new Error('Pool terminated before this task finished'));
  }

  /** Waits for the workers to exit; call close() or terminate() first. */
  async join(): Promise<void> {
    if (this.#state === 'running') {
      throw new Error('Pool.join() waits for workers to exit: call pool.close() or pool.terminate() first');
    }
    await this.#workers.allExited();
    this.#initargsSent?.release();
    this.#dispatcher.drainNow();
  }

  /** `await using pool = new Pool()`: close, then join (no queued work is lost). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.join();
  }

  #assertRunning(): void {
    if (this.#state !== 'running') throw poolNotRunning(this.#stopReason);
  }

  // Called for every task, so the common cases are cheap: the same function
  // object again, or a fresh closure of a source already registered.
  #functionId(fn: unknown, what?: string): number {
    if (fn === this.#lastFunction) return this.#lastFunctionId;
    const source = typeof fn === 'function' ? Function.prototype.toString.call(fn) : undefined;
    let id = source === undefined ? this.#taskRefIds.get(fn as object) : this.#specIds.get(source);
    if (id === undefined) {
      const spec = functionSpec(fn, what);
      id = this.#specIds.get(spec);
      if (id === undefined) {
        id = ++this.#functionCount;
        this.#specIds.set(spec, id);
        this.#dispatcher.core.registerFunction(id, spec);
      }
      if (source !== undefined) this.#specIds.set(source, id);
      else this.#taskRefIds.set(fn as object, id);
    }
    this.#lastFunction = fn;
    this.#lastFunctionId = id;
    return id;
  }

  // apply() calls made in one turn travel together, a few jobs per worker, so
  // 100k tiny tasks cost a few hundred native round trips, not 100k.
  #queueApply(functionId: number, pending: PendingApply): void {
    let list = this.#applyQueue.get(functionId);
    if (list === undefined) this.#applyQueue.set(functionId, (list = []));
    list.push(pending);
    if (!this.#applyFlushScheduled) {
      this.#applyFlushScheduled = true;
      queueMicrotask(() => this.#flushApplies());
    }
  }

  #flushApplies(): void {
    this.#applyFlushScheduled = false;
    const queue = this.#applyQueue;
    if (queue.size === 0) return;
    this.#applyQueue = new Map();
    for (const [functionId, pending] of queue) {
      const size = Math.min(this.#applyBatch, Math.ceil(pending.length / (4 * this.processes)));
      for (let start = 0; start < pending.length; start += size) {
        const group = pending.slice(start, start + size);
        try {
          const sink: JobSink = {
            settle(results, errors) {
              for (let i = 0; i < group.length; i++) {
                if (errors?.has(i)) group[i].reject(errors.get(i));
                else group[i].resolve(results[i]);
              }
            },
            fail(error) {
              for (const p of group) p.reject(error);
            },
          };
          this.#dispatcher.submit(functionId, CallMode.Spread, group.map((p) => p.args), sink, group.flatMap((p) => p.shared ?? []));
        } catch (error) {
          for (const p of group) p.reject(error);
        }
      }
    }
  }

  #applyCancellable(functionId: number, args: unknown[], options: ApplyOptions<any>, shared: ShareRecord[] | undefined): Promise<any> {
    const { signal, timeout } = options;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const cancel = (error: unknown) => {
        cleanup();
        this.#dispatcher.cancel(jobId, true);
        reject(error);
      };
      const onAbort = () => cancel(signal!.reason);
      const jobId = this.#dispatcher.submit(functionId, CallMode.Spread, [args], {
        settle(results, errors) {
          cleanup();
          if (errors?.has(0)) reject(errors.get(0));
          else resolve(results[0]);
        },
        fail(error) {
          cleanup();
          reject(error);
        },
      }, shared);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeout !== undefined) {
        timer = setTimeout(() => cancel(new TimeoutError(`apply: no result within ${timeout} ms`)), timeout);
      }
    });
  }

  async #mapAll(fn: unknown, iterable: unknown, options: MapOptions<any>, mode: CallMode, method: string): Promise<unknown[]> {
    this.#assertRunning();
    const chunksize = validateChunksize(options.chunksize);
    validateSignal(options.signal, method);
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
      throw new TypeError(`${method}: onProgress must be a function, got ${describe(options.onProgress)}`);
    }
    const functionId = this.#functionId(fn);
    // A sync input is read now, so its work is queued before this call returns
    // and a close() right after the call still runs it. An async input is read
    // later; until its work is queued, close() leaves the native queue open.
    if (isSyncInput(iterable)) return this.#submitMap(functionId, materializeSync(iterable), options, mode, method);
    this.#accepting++;
    try {
      const items = await materialize(iterable, method);
      if (this.#state === 'terminated') throw poolNotRunning(this.#stopReason);
      return this.#submitMap(functionId, items, options, mode, method);
    } finally {
      this.#accepted();
    }
  }

  #submitMap(functionId: number, items: ArrayLike<unknown> & { slice(a: number, b: number): unknown }, options: MapOptions<any>, mode: CallMode, method: string): Promise<unknown[]> {
    const chunksize = options.chunksize;
    let objects = false;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (typeof item === 'number' && mode === CallMode.Single) continue;
      validateItem(item, i, mode, method);
      objects ||= typeof item === 'object' && item !== null;
    }
    if (objects) refuseShared(items, 'iterable', this.context);
    const found: ShareRecord[] = [];
    if (objects) items = replaceShared(items, found, this.context) as unknown[];
    const shared = found.length > 0 ? found : undefined;
    const { signal, onProgress } = options;
    signal?.throwIfAborted();
    const total = items.length;
    if (total === 0) return Promise.resolve([]);
    const size = chunksize ?? Math.ceil(total / (4 * this.processes));
    return new Promise((resolve, reject) => {
      const out = new Array(total);
      const jobs = new Set<number>();
      const progress = onProgress && new MapProgress(this.#dispatcher, jobs, total, onProgress);
      let done = 0;
      let settled = false;
      // `aborted`: the caller gave up, so its running tasks are stopped too.
      const finish = (error?: unknown, aborted = false) => {
        if (settled) return;
        settled = true;
        progress?.stop();
        signal?.removeEventListener('abort', onAbort);
        for (const id of jobs) this.#dispatcher.cancel(id, aborted);
        if (error === undefined) resolve(out);
        else reject(error);
      };
      const onAbort = () => finish(signal!.reason, true);
      try {
        for (let start = 0; start < total; start += size) {
          const base = start;
          const chunk = items.slice(start, start + size) as ArrayLike<unknown>;
          const sink: JobSink = {
            settle: (results, errors) => {
              jobs.delete(id);
              if (errors !== null) return finish(errors.values().next().value);
              for (let i = 0; i < results.length; i++) out[base + i] = results[i];
              done += results.length;
              progress?.settled(results.length);
              if (done === total) finish();
            },
            fail: (error) => {
              jobs.delete(id);
              finish(error);
            },
          };
          const id = this.#dispatcher.submit(functionId, mode, chunk, sink, shared);
          jobs.add(id);
        }
      } catch (error) {
        finish(error);
      }
      if (!settled) signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #lazyMap(fn: unknown, iterable: unknown, options: ImapOptions, ordered: boolean): AsyncIterableIterator<unknown> {
    const method = ordered ? 'imap' : 'imapUnordered';
    this.#assertRunning();
    const chunksize = validateChunksize(options.chunksize) ?? 1;
    validateSignal(options.signal, method);
    const functionId = this.#functionId(fn);
    const lazyMap: LazyMap<unknown> = new LazyMap(
      {
        submit: (items, sink) => {
          const found: ShareRecord[] = [];
          return this.#dispatcher.submit(functionId, CallMode.Single, replaceShared(items, found, this.context) as unknown[], sink, found);
        },
        cancel: (id, stopRunning) => this.#dispatcher.cancel(id, stopRunning),
        validate: (item, index) => {
          validateItem(item, index, CallMode.Single, method);
          refuseShared(item, `iterable[${index}]`, this.context);
        },
        release: () => this.#lazyMaps.delete(lazyMap),
      },
      iteratorOf(iterable, method),
      { chunksize, workers: this.processes, ordered, signal: options.signal },
    );
    this.#lazyMaps.add(lazyMap);
    return lazyMap;
  }

  #terminate(error: unknown): Promise<void> {
    if (this.#terminated) return this.#terminated;
    openPools.delete(this);
    this.#state = 'terminated';
    const queued = [...this.#applyQueue.values()].flat();
    this.#applyQueue.clear();
    for (const pending of queued) pending.reject(error);
    this.#dispatcher.terminate(error);
    this.#terminated = this.#workers.terminateAll().then(() => this.#initargsSent?.release());
    return this.#terminated;
  }

  #onWorkerExit(slot: number, error: WorkerCrashedError): void {
    this.#dispatcher.failHeld(slot, error);
    this.#dispatcher.ringResults();
    const work = this.#state === 'running' || (this.#state === 'closed' && (this.#dispatcher.core.queued > 0 || this.#accepting > 0));
    if (work) this.#workers.spawn(slot);
  }

  #onInitializerFailed(cause: unknown): void {
    const message = cause instanceof Error ? cause.message : String(cause);
    this.#stopFor(`its initializer failed in a worker (${message})`, new Error(`Pool initializer failed in a worker (${message}); the pool was terminated`, { cause }));
  }

  /** Terminates the pool for a reason of its own: unfinished work fails with
   *  `error`, later calls say `why`. */
  #stopFor(why: string, error: Error): void {
    if (this.#state !== 'terminated') this.#stopReason = `it was terminated because ${why}`;
    void this.#terminate(error);
  }
}

function validateItem(item: unknown, index: number, mode: CallMode, method: string): void {
  if (mode === CallMode.Spread && !Array.isArray(item)) {
    throw new TypeError(`${method}: iterable[${index}] must be an array of arguments, got ${describe(item)}`);
  }
  const type = typeof item;
  if (type === 'object' || type === 'function' || type === 'symbol') assertCloneable(item, `iterable[${index}]`);
}

function isSyncInput(iterable: unknown): iterable is Iterable<unknown> {
  const source = iterable as Partial<Iterable<unknown> & AsyncIterable<unknown>> | null | undefined;
  return source != null && typeof source[Symbol.asyncIterator] !== 'function' && typeof source[Symbol.iterator] === 'function';
}

function materializeSync(iterable: Iterable<unknown>): ArrayLike<unknown> & { slice(a: number, b: number): unknown } {
  if (Array.isArray(iterable)) return iterable;
  if (ArrayBuffer.isView(iterable) && !(iterable instanceof DataView)) return iterable as unknown as unknown[];
  return Array.from(iterable);
}

async function materialize(iterable: unknown, method: string): Promise<ArrayLike<unknown> & { slice(a: number, b: number): unknown }> {
  if (Array.isArray(iterable)) return iterable;
  if (ArrayBuffer.isView(iterable) && !(iterable instanceof DataView)) return iterable as unknown as unknown[];
  const iterator = iteratorOf(iterable, method);
  const items: unknown[] = [];
  for (;;) {
    const step = await iterator.next();
    if (step.done) return items;
    items.push(step.value);
  }
}

function iteratorOf(iterable: unknown, method: string): Iterator<unknown> | AsyncIterator<unknown> {
  const source = iterable as Partial<Iterable<unknown> & AsyncIterable<unknown>> | null | undefined;
  if (source != null && typeof source[Symbol.asyncIterator] === 'function') return source[Symbol.asyncIterator]!();
  if (source != null && typeof source[Symbol.iterator] === 'function') return source[Symbol.iterator]!();
  throw new TypeError(`${method}: iterable must be an iterable or async iterable, got ${describe(iterable)}`);
}

/** Where inline functions' `require` resolves from: the entry script's folder. */
function entryDir(): string {
  const entry = process.argv[1];
  return entry && existsSync(entry) ? dirname(entry) : process.cwd();
}
