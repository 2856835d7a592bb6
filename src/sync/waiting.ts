import { waitUntil } from '../event_loop';
import { native, type AsyncWaker } from '../native';
import { describe } from '../task_function';
import { whileBlocked } from '../worker/stdio';

// The two ways every wait is offered. Blocking forms park the thread in the
// native core in slices (so a worker stays terminable); async forms register a
// waiter that the core completes through this thread's AsyncWaker, with no
// thread parked per waiter.

export const enum Outcome {
  Woken = 0,
  TimedOut = 1,
  Broken = 2,
}

/** How an async wait ends early: at `timeout` (ms), or when `signal` aborts. */
export interface WaitOptions {
  /** Milliseconds to wait at most; none: wait until done. */
  timeout?: number;
  /** Aborting it rejects the wait with the signal's reason. */
  signal?: AbortSignal;
}

/** How a blocking (`*Sync`) wait behaves, as Python's `block`/`timeout`. */
export interface BlockingOptions {
  /** `false`: try once, never wait. */
  block?: boolean;
  /** Milliseconds to wait at most; none: wait until done. */
  timeout?: number;
}

/** Reads `wait(500)` or `wait({ timeout: 500, signal })`. */
export function waitOptions(arg: number | WaitOptions | undefined, where: string): WaitOptions {
  const options = typeof arg === 'number' ? { timeout: arg } : arg ?? {};
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: expected a timeout in ms or { timeout, signal }, got ${describe(arg)}`);
  }
  checkTimeout(options.timeout, where);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError(`${where}: signal must be an AbortSignal, got ${describe(options.signal)}`);
  }
  return options;
}

/** Reads `waitSync(500)` or `acquireSync({ block, timeout })`. */
export function blockingOptions(arg: number | BlockingOptions | undefined, where: string): BlockingOptions {
  const options = typeof arg === 'number' ? { timeout: arg } : arg ?? {};
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: expected a timeout in ms or { block, timeout }, got ${describe(arg)}`);
  }
  checkTimeout(options.timeout, where);
  return options;
}

function checkTimeout(timeout: unknown, where: string): void {
  if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0)) {
    throw new RangeError(`${where}: timeout must be a number of milliseconds >= 0 (or undefined to wait forever), got ${describe(timeout)}`);
  }
}

/**
 * Blocks in slices until `slice(remainingMs)` succeeds or `timeout` passes.
 * `slice` gets -1 for "no limit" and returns true once done.
 */
export function waitSync(slice: (remainingMs: number) => boolean, timeout: number | undefined): boolean {
  const deadline = timeout === undefined ? Infinity : performance.now() + timeout;
  return whileBlocked(() => {
    for (;;) {
      const remaining = deadline === Infinity ? -1 : Math.max(0, deadline - performance.now());
      if (slice(remaining)) return true;
      if (performance.now() >= deadline) return false;
    }
  });
}

/**
 * This thread as the holder of a lock or a party to a barrier or condition
 * wait (never 0). It dies with the thread, so what the thread held passes on.
 */
export const OWNER: number = native.threadOwner();

let waker: AsyncWaker | undefined;
const waiting = new Map<number, (outcome: Outcome) => void>();
let nextToken = 1;

function threadWaker(): AsyncWaker {
  if (waker) return waker;
  waker = new native.AsyncWaker((code: number) => {
    const token = Math.floor(code / 4);
    const deliver = waiting.get(token);
    if (deliver) {
      waiting.delete(token);
      deliver((code % 4) as Outcome);
    }
  });
  // The waker does not keep the loop alive; but when a wake was already sent
  // (say, a lock handed to a waiter in this thread), turn once more to take it.
  process.on('beforeExit', () => {
    if (waker!.inFlight > 0) setImmediate(() => {});
  });
  return waker;
}

let delivering = false;

/**
 * Called after this thread may have woken a waiter (release, set, notify...).
 * If a wake is on its way to one of this thread's own async waiters, keeps
 * the event loop turning until it arrived: the waker is weak, so otherwise the
 * loop could go idle with the wake still queued, and 'beforeExit' would fire
 * (test runners such as ava take that as "the loop is done" and fail pending tests)
 * before the waiter resumes.
 */
export function deliverPendingWakes(): void {
  if (delivering || waker === undefined || waker.inFlight === 0) return;
  delivering = true;
  void waitUntil(() => waker!.inFlight === 0).then(() => {
    delivering = false;
  });
}

export interface AsyncWait {
  /** Starts the wait: -1 when done at once, else the waiter id. */
  start(waker: AsyncWaker, token: number): number;
  /** Withdraws the waiter; false if its outcome is already on the way. */
  cancel(waiter: number): boolean;
  /** Gives back what was handed to a waiter that had already given up. */
  giveBack?(): void;
}

/**
 * An async wait that takes nothing (a poll, wait()): a wake it was handed is
 * passed on with `passOn` while the thing is still ready, since that wake may
 * have been meant for a waiter that takes.
 */
export async function peekAsync(wait: AsyncWait, options: WaitOptions, ready: () => boolean, passOn: () => void): Promise<Outcome> {
  const outcome = await waitAsync(wait, options);
  if (outcome === Outcome.Woken && ready()) passOn();
  return outcome;
}

/**
 * Waits without parking a thread. Resolves with the outcome, TimedOut after
 * `timeout`; rejects with the signal's reason on abort. A waiter that gives
 * up leaves nothing behind.
 */
export function waitAsync(wait: AsyncWait, { timeout, signal }: WaitOptions): Promise<Outcome> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const token = nextToken++;
  return new Promise<Outcome>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    waiting.set(token, (outcome) => {
      if (done) return wait.giveBack?.();
      finish();
      resolve(outcome);
    });
    const waiter = wait.start(threadWaker(), token);
    if (waiter === -1) {
      // Done at once: no timer or abort listener was set up yet.
      waiting.delete(token);
      done = true;
      resolve(Outcome.Woken);
      return;
    }
    const giveUp = (settle: () => void) => {
      if (done) return;
      // Withdrawn: forget it. Too late: its outcome will arrive and be given back.
      if (wait.cancel(waiter)) waiting.delete(token);
      finish();
      settle();
    };
    const onAbort = () => giveUp(() => reject(signal!.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeout !== undefined) timer = setTimeout(() => giveUp(() => resolve(Outcome.TimedOut)), timeout);
  });
}
