import { native, type NativeLock } from '../native';
import { adoptNative, adopting, attachNative, kCrossesProcesses, kShare, nativeRecord, registerShareable, type Destination, type Shareable, type ShareRecord } from '../shared/handles';
import { OWNER, Outcome, blockingOptions, deliverPendingWakes, waitAsync, waitOptions, waitSync, type BlockingOptions, type WaitOptions } from './waiting';

// Words of the lock's shared memory (see crates/core/src/sync/lock.rs).
/** 0, or the holder's owner token, plus CONTENDED when someone may wait. */
const STATE = 0;
const RLOCK_OWNER = 1;
const COUNT = 2;
/** Waiters parked or queued in the core, and threads of other processes
 *  asleep on the state word (see crates/core/src/sync/lock.rs). */
const WAITERS = 3;
const ON_WORD = 4;
const UNLOCKED = 0;
const CONTENDED = 1 << 30;

const NO_OPTIONS: BlockingOptions = {};

/** The lock word protocol shared by Lock and RLock: JS fast paths, native waits. */
abstract class LockBase implements Shareable {
  protected readonly native: NativeLock;
  protected readonly words: Int32Array;

  constructor() {
    this.native = adoptNative<NativeLock>() ?? new native.NativeLock();
    this.words = new Int32Array(this.native.view());
  }

  /** @internal */
  [kShare](to: Destination = 'thread'): ShareRecord {
    return nativeRecord(this instanceof RLock ? 'RLock' : 'Lock', this.native, to);
  }

  /** @internal */
  [kCrossesProcesses](): boolean {
    return true;
  }

  /** Takes the lock word for this thread, blocking as asked. A holder whose
   *  thread died no longer holds it: the native wait takes it over. */
  protected take(options: BlockingOptions): boolean {
    if (Atomics.compareExchange(this.words, STATE, UNLOCKED, OWNER) === UNLOCKED) return true;
    // A holder whose thread died still holds the word: the core takes it over.
    if (options.block === false) return this.native.acquireSlice(0, OWNER);
    // No spinning first: a waiter polling the lock word slows its holder more
    // than parking costs (measured with the `lock` benchmark).
    return waitSync((ms) => this.native.acquireSlice(ms, OWNER), options.timeout);
  }

  protected async takeAsync(options: WaitOptions): Promise<boolean> {
    if (Atomics.compareExchange(this.words, STATE, UNLOCKED, OWNER) === UNLOCKED) return true;
    const outcome = await waitAsync(
      {
        start: (waker, token) => this.native.acquireAsync(waker, token, OWNER),
        cancel: (waiter) => this.native.cancel(waiter),
        giveBack: () => this.put(),
      },
      options,
    );
    return outcome === Outcome.Woken;
  }

  /** Releases the lock word, waking a waiter if there may be one. */
  protected put(): void {
    const previous = Atomics.exchange(this.words, STATE, UNLOCKED);
    if (previous === UNLOCKED) throw new Error('release of an unlocked lock: acquire it first');
    if ((previous & CONTENDED) !== 0 && (Atomics.load(this.words, WAITERS) > 0 || Atomics.load(this.words, ON_WORD) > 0)) {
      this.native.wake();
      deliverPendingWakes();
    }
  }

  /** Whether any thread holds the lock now. */
  locked(): boolean {
    return Atomics.load(this.words, STATE) !== UNLOCKED;
  }

  abstract acquire(options?: number | WaitOptions): Promise<boolean>;
  abstract acquireSync(options?: number | BlockingOptions): boolean;
  abstract release(): void;

  /** Runs `fn` holding the lock. */
  async withLock<R>(fn: () => R | Promise<R>): Promise<Awaited<R>> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Runs `fn` holding the lock, blocking the thread to take it; releases it even if `fn` throws. */
  withLockSync<R>(fn: () => R): R {
    this.acquireSync();
    try {
      return fn();
    } finally {
      this.release();
    }
  }
}

/** Python's `Lock`: not reentrant; any thread may release it. */
export class Lock extends LockBase {
  /** Takes the lock without blocking the thread; `false` if `timeout` (ms) passed first. `{ signal }` aborts the wait. */
  acquire(options?: number | WaitOptions): Promise<boolean> {
    try {
      return this.takeAsync(waitOptions(options, 'Lock.acquire'));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Takes the lock, blocking the thread; `{ block: false }` tries once, a timeout (ms) gives up: `false` then. */
  acquireSync(options?: number | BlockingOptions): boolean {
    return this.take(options === undefined ? NO_OPTIONS : blockingOptions(options, 'Lock.acquireSync'));
  }

  /** Releases the lock (any thread may release a `Lock`); releasing a free lock throws. */
  release(): void {
    this.put();
  }
}

/**
 * Python's `RLock`: the owning thread may acquire it again; only the owner
 * may release it, once per acquire. On the main thread every async flow is
 * the same owner.
 *
 * The owner and count words are plain reads and writes (Atomics.load/store
 * are calls in Node's V8): only the owner writes them while it holds the lock
 * word, whose atomic take and release order them, and a thread comparing the
 * owner with itself finds itself only if it wrote it.
 */
export class RLock extends LockBase {
  /** Takes the lock, or one more level of it if this thread holds it, without blocking the thread; `false` on timeout. */
  acquire(options?: number | WaitOptions): Promise<boolean> {
    try {
      const parsed = waitOptions(options, 'RLock.acquire');
      if (this.reenter()) return Promise.resolve(true);
      return this.takeAsync(parsed).then((taken) => taken && this.own());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Takes the lock, or one more level of it if this thread holds it, blocking the thread; `false` on timeout. */
  acquireSync(options?: number | BlockingOptions): boolean {
    const parsed = options === undefined ? NO_OPTIONS : blockingOptions(options, 'RLock.acquireSync');
    if (this.reenter()) return true;
    return this.take(parsed) && this.own();
  }

  /** Releases one level; only the owning thread may release. */
  release(): void {
    if (this.words[RLOCK_OWNER] !== OWNER) {
      throw new Error('cannot release an RLock this thread does not own: release it where it was acquired');
    }
    if (--this.words[COUNT] > 0) return;
    this.words[RLOCK_OWNER] = 0;
    this.put();
  }

  /** Whether this thread holds it (Condition checks this before waiting). */
  isOwned(): boolean {
    return this.words[RLOCK_OWNER] === OWNER;
  }

  /** Releases every level at once, for Condition.wait; returns how many. */
  releaseAll(): number {
    const count = this.words[COUNT];
    this.words[COUNT] = 1;
    this.release();
    return count;
  }

  /** After Condition.wait re-acquired (one level): back to `count` levels. Adds
   *  rather than sets, as on the main thread the re-acquire may have re-entered
   *  a hold another async flow took meanwhile. */
  restore(count: number): void {
    this.words[COUNT] += count - 1;
  }

  private reenter(): boolean {
    if (this.words[RLOCK_OWNER] !== OWNER) return false;
    this.words[COUNT]++;
    return true;
  }

  private own(): true {
    this.words[RLOCK_OWNER] = OWNER;
    this.words[COUNT] = 1;
    return true;
  }
}

const attachLock = (record: ShareRecord) => attachNative(record, (id) => native.NativeLock.attach(id), (at) => native.NativeLock.attachAt(at));

registerShareable('Lock', (record) => adopting(attachLock(record), () => new Lock()));
registerShareable('RLock', (record) => adopting(attachLock(record), () => new RLock()));
