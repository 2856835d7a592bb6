import { native, type NativeCondition } from '../native';
import { adoptNative, adopting, kShare, registerShareable, revive, type Shareable, type ShareRecord } from '../shared/handles';
import { describe } from '../task_function';
import { Lock, RLock } from './lock';
import { OWNER, Outcome, blockingOptions, deliverPendingWakes, waitAsync, waitOptions, waitSync, type BlockingOptions, type WaitOptions } from './waiting';

/**
 * Python's `Condition`: wait until notified, holding a Lock or RLock (a fresh
 * RLock by default) around the check. Waiting or notifying without holding
 * the lock is an error.
 */
export class Condition implements Shareable {
  readonly #native: NativeCondition;
  readonly #lock: Lock | RLock;

  constructor(lock?: Lock | RLock) {
    if (lock !== undefined && !(lock instanceof Lock) && !(lock instanceof RLock)) {
      throw new TypeError(`Condition(lock): lock must be a Lock or RLock, got ${describe(lock)}`);
    }
    this.#native = adoptNative<NativeCondition>() ?? new native.NativeCondition();
    this.#lock = lock ?? new RLock();
  }

  /** Takes the underlying lock without blocking the thread (see `Lock.acquire`). */
  acquire(options?: number | WaitOptions): Promise<boolean> {
    return this.#lock.acquire(options);
  }

  /** Takes the underlying lock, blocking the thread (see `Lock.acquireSync`). */
  acquireSync(options?: number | BlockingOptions): boolean {
    return this.#lock.acquireSync(options);
  }

  /** Releases the underlying lock. */
  release(): void {
    this.#lock.release();
  }

  /** Runs `fn` holding the underlying lock. */
  withLock<R>(fn: () => R | Promise<R>): Promise<Awaited<R>> {
    return this.#lock.withLock(fn);
  }

  /** Runs `fn` holding the underlying lock, blocking the thread to take it. */
  withLockSync<R>(fn: () => R): R {
    return this.#lock.withLockSync(fn);
  }

  /**
   * Releases the lock, waits for a notify (or `timeout`), re-acquires. As in
   * Python, the wait is queued before the lock is released, so a notify (made
   * holding the lock) either finds it queued or came before it; true only if
   * this wait was one of those a notify chose.
   */
  async wait(options?: number | WaitOptions): Promise<boolean> {
    const parsed = waitOptions(options, 'Condition.wait');
    this.#assertHeld('wait');
    // waitAsync queues the waiter before it returns.
    const waited = waitAsync(
      { start: (waker, token) => this.#native.waitAsync(waker, token, OWNER), cancel: (waiter) => this.#native.cancel(waiter) },
      parsed,
    );
    const held = this.#releaseHeld();
    try {
      return (await waited) === Outcome.Woken;
    } finally {
      await this.#lock.acquire();
      this.#restore(held);
    }
  }

  /** Releases the lock, blocks until notified, takes the lock again; `false` if `timeout` (ms) passed first. */
  waitSync(timeout?: number): boolean {
    const parsed = blockingOptions(timeout, 'Condition.waitSync');
    this.#assertHeld('waitSync');
    // One place in the queue for the whole wait, however it is sliced, so
    // notify(1) wakes exactly one blocked thread.
    const ticket = this.#native.beginWait(OWNER);
    const held = this.#releaseHeld();
    try {
      waitSync((ms) => this.#native.waitTicket(ticket, ms), parsed.timeout);
      return this.#native.endWait(ticket);
    } finally {
      this.#lock.acquireSync();
      this.#restore(held);
    }
  }

  /** How many waits are queued now (Python's `len(cond._waiters)`): for
   *  diagnostics and tests that need to know a waiter is in place. */
  get _waiters(): number {
    return this.#native.waiting;
  }

  /** Waits until `predicate()` is truthy; returns its last value. */
  async waitFor<T>(predicate: () => T, timeout?: number): Promise<T> {
    const deadline = timeout === undefined ? undefined : performance.now() + timeout;
    let result = predicate();
    while (!result) {
      const left = deadline === undefined ? undefined : deadline - performance.now();
      if (left !== undefined && left <= 0) break;
      await this.wait(left);
      result = predicate();
    }
    return result;
  }

  /** Blocks (as `waitSync`) until `predicate()` is truthy; returns its last value. */
  waitForSync<T>(predicate: () => T, timeout?: number): T {
    const deadline = timeout === undefined ? undefined : performance.now() + timeout;
    let result = predicate();
    while (!result) {
      const left = deadline === undefined ? undefined : deadline - performance.now();
      if (left !== undefined && left <= 0) break;
      this.waitSync(left);
      result = predicate();
    }
    return result;
  }

  /** Wakes up to `n` waiting threads. */
  notify(n = 1): void {
    this.#assertHeld('notify');
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`Condition.notify(n): n must be an integer >= 0, got ${describe(n)}`);
    this.#native.notify(n);
    deliverPendingWakes();
  }

  /** Wakes every waiting thread. */
  notifyAll(): void {
    this.#assertHeld('notifyAll');
    this.#native.notifyAll();
    deliverPendingWakes();
  }

  #assertHeld(method: string): void {
    const held = this.#lock instanceof RLock ? this.#lock.isOwned() : this.#lock.locked();
    if (!held) throw new Error(`Condition.${method}() needs the condition's lock: acquire it first (cannot ${method} on an un-acquired lock)`);
  }

  /** Releases the lock completely (every RLock level) before waiting. */
  #releaseHeld(): number {
    if (this.#lock instanceof RLock) return this.#lock.releaseAll();
    this.#lock.release();
    return 1;
  }

  #restore(held: number): void {
    if (this.#lock instanceof RLock) this.#lock.restore(held);
  }

  /** @internal */
  [kShare](): ShareRecord {
    const lock = this.#lock[kShare]();
    return { kind: 'Condition', ids: [this.#native.id, ...lock.ids], state: lock };
  }
}

registerShareable('Condition', (record) => {
  const lock = revive(record.state as ShareRecord) as Lock | RLock;
  return adopting(native.NativeCondition.attach(record.ids[0]), () => new Condition(lock));
});
