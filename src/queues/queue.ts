import { serialize, deserialize } from 'node:v8';
import { Empty, Full, ShutDown } from '../errors';
import { native, type NativeQueue, type QueueTake } from '../native';
import { adoptNative, adopting, isShareable, kShare, registerShareable, type Shareable, type ShareRecord } from '../shared/handles';
import { Outcome, blockingOptions, deliverPendingWakes, peekAsync, waitAsync, waitOptions, waitSync, type BlockingOptions, type WaitOptions } from '../sync/waiting';
import { assertCloneable } from '../transfer/cloneable';
import { describe } from '../task_function';
import { NumberRing, RingPut } from './ring';
import { kReady, kWhenReady, type Waitable } from './wait';

const NO_OPTIONS: BlockingOptions = {};
const DONE = 0;
const WOULD_WAIT = 1;
// 2: closed.
const SHUT_DOWN = 3;

/** Time left of `timeout` (ms) from now, on each call; undefined: no limit. */
function timeLeft(timeout: number | undefined): () => number | undefined {
  if (timeout === undefined) return () => undefined;
  const deadline = performance.now() + timeout;
  return () => Math.max(0, deadline - performance.now());
}

export function closedError(kind: string): Error {
  return new Error(`${kind} is closed`);
}

/** The error for a put or get refused with `status` (closed or SHUT_DOWN). */
function ended(status: number, kind: string): Error {
  return status === SHUT_DOWN ? new ShutDown(`${kind} is shut down`) : closedError(kind);
}

// Item encodings: numbers and strings skip v8.serialize (the common case of
// small items, where serialization would be most of the cost).
const STRUCTURED = 0;
const NUMBER = 1;
const STRING = 2;
/** Raw bytes (`Connection.sendBytes`), received as a Buffer. */
export const BYTES = 3;

/** Serializes an item once, refusing what cannot travel (the queue stays unchanged). */
export function encodeItem(item: unknown, where: string): { format: number; payload: Uint8Array } {
  if (typeof item === 'number') {
    const payload = Buffer.allocUnsafe(8);
    payload.writeDoubleLE(item, 0);
    return { format: NUMBER, payload };
  }
  if (typeof item === 'string') return { format: STRING, payload: Buffer.from(item, 'utf8') };
  if (isShareable(item)) {
    throw new TypeError(`${where}: shared objects (locks, values, queues) cannot be put on a queue; pass them to the task or Process as arguments`);
  }
  // Nested ones too: an item is copied, and a copy of a shared object is not it.
  assertCloneable(item, 'item', `cannot be put on a queue or sent through a pipe (${where})`);
  return { format: STRUCTURED, payload: serialize(item) };
}

export function decodeItem(taken: QueueTake): unknown {
  if (taken.format === NUMBER) return taken.number;
  if (taken.format === STRING) return taken.text;
  if (taken.format === BYTES) return taken.payload;
  return deserialize(taken.payload!);
}

/** Yields what `get` gives until it fails once `ended()` holds. */
async function* itemsUntil<T>(get: () => Promise<T>, ended: () => boolean): AsyncGenerator<T, void, undefined> {
  for (;;) {
    let item: T;
    try {
      item = await get();
    } catch (error) {
      if (ended()) return;
      throw error;
    }
    yield item;
  }
}

/**
 * Python's `multiprocessing.Queue`: a FIFO shared by every thread, unbounded
 * (`maxsize` 0) or bounded. Items are serialized once by the producer and
 * deserialized once by the consumer.
 */
export class Queue<T = unknown> implements Shareable, Waitable {
  protected readonly native: NativeQueue;
  /** Numbers skip the native calls through this (unbounded queues only). */
  readonly #ring: NumberRing | undefined;

  constructor(maxsize = 0) {
    if (!Number.isInteger(maxsize) || maxsize < 0 || maxsize > 0xffffffff) {
      throw new RangeError(`${new.target.name} maxsize must be an integer >= 0 (0: unbounded), got ${describe(maxsize)}`);
    }
    this.native = adoptNative<NativeQueue>() ?? new native.NativeQueue(maxsize);
    this.#ring = NumberRing.over(this.native.view());
  }

  /** True if `item` went through the ring. */
  #putInRing(item: T): boolean {
    if (typeof item !== 'number' || this.#ring === undefined) return false;
    const put = this.#ring.tryPut(item);
    if (put === RingPut.PutWake) this.#passOn(() => this.native.wakeGetter());
    return put !== RingPut.Refused;
  }

  /** Wakes a waiter, which may be in this thread. */
  #passOn(wake: () => void): void {
    wake();
    deliverPendingWakes();
  }

  /** Waits only while the queue is full. */
  async put(item: T, options?: number | WaitOptions): Promise<void> {
    const name = this.constructor.name;
    const parsed = waitOptions(options, `${name}.put`);
    if (this.#putInRing(item)) return;
    const { format, payload } = encodeItem(item, `${name}.put`);
    const left = timeLeft(parsed.timeout);
    for (;;) {
      const status = this.native.tryPut(format, payload);
      if (status === DONE) return deliverPendingWakes();
      if (status !== WOULD_WAIT) throw ended(status, name);
      const outcome = await waitAsync(
        {
          start: (waker, token) => this.native.waitNotFull(waker, token),
          cancel: (waiter) => this.native.cancelPut(waiter),
          // Woken just as it gave up: pass the wake on to the next putter.
          giveBack: () => this.#passOn(() => this.native.wakePutter()),
        },
        { signal: parsed.signal, timeout: left() },
      );
      if (outcome === Outcome.TimedOut) {
        const last = this.native.tryPut(format, payload);
        if (last === WOULD_WAIT) throw new Full();
        if (last !== DONE) throw ended(last, name);
        return;
      }
    }
  }

  /** Puts `item`, blocking the thread while a bounded queue is full; `Full` on timeout or with `{ block: false }`. */
  putSync(item: T, options?: BlockingOptions): void {
    const name = this.constructor.name;
    const { block, timeout } = options === undefined ? NO_OPTIONS : blockingOptions(options, `${name}.putSync`);
    if (this.#putInRing(item)) return;
    const { format, payload } = encodeItem(item, `${name}.putSync`);
    let status = this.native.tryPut(format, payload);
    if (status === WOULD_WAIT && block !== false) {
      waitSync((ms) => (status = this.native.putSlice(format, payload, ms)) !== WOULD_WAIT, timeout);
    }
    if (status === WOULD_WAIT) throw new Full();
    if (status !== DONE) throw ended(status, name);
    deliverPendingWakes();
  }

  /** Puts `item` if there is room now, else throws `Full`. */
  putNowait(item: T): void {
    this.putSync(item, { block: false });
  }

  /**
   * The next item; rejects with Empty after `timeout`, or once closed (an
   * Error) or shut down (ShutDown) and drained.
   */
  async get(options?: number | WaitOptions): Promise<T> {
    const name = this.constructor.name;
    const parsed = waitOptions(options, `${name}.get`);
    const fromRing = this.#ring?.tryTake();
    if (fromRing !== undefined) return fromRing as T;
    const left = timeLeft(parsed.timeout);
    for (;;) {
      const taken = this.native.tryGet();
      if (taken.status !== WOULD_WAIT) return this.#item(taken);
      const outcome = await waitAsync(
        {
          start: (waker, token) => this.native.waitNotEmpty(waker, token),
          cancel: (waiter) => this.native.cancelGet(waiter),
          giveBack: () => this.#passOn(() => this.native.wakeGetter()),
        },
        { signal: parsed.signal, timeout: left() },
      );
      if (outcome === Outcome.TimedOut) {
        const last = this.native.tryGet();
        if (last.status === WOULD_WAIT) throw new Empty();
        return this.#item(last);
      }
    }
  }

  /** Takes an item, blocking the thread while the queue is empty; `Empty` on timeout or with `{ block: false }`. */
  getSync(options?: BlockingOptions): T {
    const { block, timeout } = options === undefined ? NO_OPTIONS : blockingOptions(options, `${this.constructor.name}.getSync`);
    const fromRing = this.#ring?.tryTake();
    if (fromRing !== undefined) return fromRing as T;
    let taken = this.native.tryGet();
    if (taken.status === WOULD_WAIT && block !== false) {
      waitSync((ms) => (taken = this.native.getSlice(ms)).status !== WOULD_WAIT, timeout);
    }
    if (taken.status === WOULD_WAIT) throw new Empty();
    return this.#item(taken);
  }

  /** Takes an item if one is there now, else throws `Empty`. */
  getNowait(): T {
    return this.getSync({ block: false });
  }

  #item(taken: QueueTake): T {
    if (taken.status !== DONE) throw ended(taken.status, this.constructor.name);
    // Taking an item may have woken a putter waiting for room in this thread.
    deliverPendingWakes();
    return decodeItem(taken) as T;
  }

  /** The number of items in the queue now. */
  qsize(): number {
    return this.native.size();
  }

  /** Whether the queue is empty now. */
  empty(): boolean {
    return this.native.isEmpty();
  }

  /** Whether a bounded queue is full now. */
  full(): boolean {
    return this.native.isFull();
  }

  /** Later puts fail; gets drain what is left, then fail. */
  close(): void {
    this.native.close();
    deliverPendingWakes();
  }

  /**
   * Python 3.13's `shutdown`: later puts throw ShutDown; gets drain what is
   * left, then throw ShutDown, and a getter waiting on the empty queue is woken
   * with it. With `immediate` the queue is emptied at once and every waiting
   * getter and putter is woken with ShutDown; a JoinableQueue's unfinished
   * count is dropped, so `join()` returns (and items already taken may still
   * be marked done). A put racing the shutdown may still land, as with close().
   */
  shutdown(immediate = false): void {
    if (typeof immediate !== 'boolean') {
      throw new TypeError(`${this.constructor.name}.shutdown(immediate): immediate must be a boolean, got ${describe(immediate)}`);
    }
    this.native.shutdown(immediate);
    deliverPendingWakes();
  }

  /** Yields items until the queue is closed or shut down, and drained. */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return itemsUntil(() => this.get(), () => this.native.isClosed() && this.native.isEmpty());
  }

  /** @internal */
  [kShare](): ShareRecord {
    return { kind: this.constructor.name, ids: [this.native.id] };
  }

  /** @internal For wait(): a get would not wait (an item is there, or the queue is closed). */
  [kReady](): boolean {
    return !this.native.isEmpty() || this.native.isClosed();
  }

  /** @internal For wait(): resolves once an item may be there, taking none. */
  async [kWhenReady](signal: AbortSignal): Promise<void> {
    const wakeGetter = () => this.#passOn(() => this.native.wakeGetter());
    await peekAsync(
      {
        start: (waker, token) => this.native.waitNotEmpty(waker, token),
        cancel: (waiter) => this.native.cancelGet(waiter),
        giveBack: wakeGetter,
      },
      { signal },
      () => this[kReady](),
      wakeGetter,
    );
  }
}

/** Python's `JoinableQueue`: a Queue whose consumers mark items done. */
export class JoinableQueue<T = unknown> extends Queue<T> {
  /** One item taken with get() is fully processed. */
  taskDone(): void {
    if (!this.native.taskDone()) throw new Error('JoinableQueue.taskDone() called more times than there were items put');
    deliverPendingWakes();
  }

  /** Resolves once every item put has been marked done. */
  async join(options?: number | WaitOptions): Promise<void> {
    const parsed = waitOptions(options, 'JoinableQueue.join');
    const outcome = await waitAsync(
      { start: (waker, token) => this.native.waitAllDone(waker, token), cancel: (waiter) => this.native.cancelJoin(waiter) },
      parsed,
    );
    if (outcome === Outcome.TimedOut) throw new Error(`JoinableQueue.join: items still unfinished after ${parsed.timeout} ms`);
  }

  /** Blocks the thread until every item put has been marked done; throws if `timeout` (ms) passes first. */
  joinSync(timeout?: number): void {
    const parsed = blockingOptions(timeout, 'JoinableQueue.joinSync');
    if (!waitSync((ms) => this.native.joinSlice(ms), parsed.timeout)) {
      throw new Error(`JoinableQueue.joinSync: items still unfinished after ${parsed.timeout} ms`);
    }
  }
}

/** The queue behind a SimpleQueue (so named in its error messages). */
const SimpleCore = class SimpleQueue<T> extends Queue<T> {
  isClosed(): boolean {
    return this.native.isClosed();
  }
};

/**
 * Python's `SimpleQueue`: unbounded; put never waits. Once closed (by any
 * thread), `put`, `get`, `getSync` and `empty` throw, as Python's do on a
 * closed handle; a getter waiting when it closes is woken with that error.
 */
export class SimpleQueue<T = unknown> implements Shareable, Waitable {
  readonly #queue: InstanceType<typeof SimpleCore<T>>;

  constructor() {
    const adopted = adoptNative<NativeQueue>();
    this.#queue = adopted ? adopting(adopted, () => new SimpleCore<T>()) : new SimpleCore<T>();
  }

  #open(): InstanceType<typeof SimpleCore<T>> {
    if (this.#queue.isClosed()) throw closedError('SimpleQueue');
    return this.#queue;
  }

  /** Puts `item` (never waits: a SimpleQueue is unbounded). */
  put(item: T): void {
    this.#open().putSync(item);
  }

  /** Takes an item, waiting without blocking the thread. */
  async get(options?: number | WaitOptions): Promise<T> {
    return this.#open().get(options);
  }

  /** Takes an item, blocking the thread. */
  getSync(options?: BlockingOptions): T {
    return this.#open().getSync(options);
  }

  /** Whether the queue is empty now. */
  empty(): boolean {
    return this.#open().empty();
  }

  /** Closes the queue: later calls throw. */
  close(): void {
    this.#queue.close();
  }

  /** Yields items until the queue is closed. */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return itemsUntil(() => this.get(), () => this.#queue.isClosed());
  }

  /** @internal */
  [kShare](): ShareRecord {
    return { ...this.#queue[kShare](), kind: 'SimpleQueue' };
  }

  /** @internal For wait(). */
  [kReady](): boolean {
    return this.#queue[kReady]();
  }

  /** @internal For wait(). */
  [kWhenReady](signal: AbortSignal): Promise<void> {
    return this.#queue[kWhenReady](signal);
  }
}

for (const [kind, Kind] of [['Queue', Queue], ['JoinableQueue', JoinableQueue], ['SimpleQueue', SimpleQueue]] as const) {
  registerShareable(kind, (record) => adopting(native.NativeQueue.attach(record.ids[0]), () => new Kind()));
}
