// Python's multiprocessing.connection.wait(): the first of several objects to
// become ready, built on each object's own async wait (no thread, no polling).
import { waitOptions, type WaitOptions } from '../sync/waiting';
import { describe } from '../task_function';

export const kReady = Symbol('multiproc.ready');
export const kWhenReady = Symbol('multiproc.whenReady');

/** What `wait()` can wait on: a `Connection`, a `Process`, a queue. */
export interface Waitable {
  /** @internal Ready now; throws if it cannot be waited on (a closed Connection, a Process not started). */
  [kReady](): boolean;
  /** @internal Resolves once it may be ready; on abort rejects with the reason, leaving no waiter. */
  [kWhenReady](signal: AbortSignal): Promise<unknown>;
}

function isWaitable(value: unknown): value is Waitable {
  return typeof value === 'object' && value !== null && typeof (value as Waitable)[kReady] === 'function';
}

/** The ready ones among `objects`, in their order; errors name the index. */
function readyAmong<T extends Waitable>(objects: readonly T[]): T[] {
  return objects.filter((object, i) => {
    try {
      return object[kReady]();
    } catch (error) {
      const Kind = error instanceof TypeError ? TypeError : Error;
      throw new Kind(`wait(objects): objects[${i}]: ${(error as Error).message}`, { cause: error });
    }
  });
}

/** True once one of `objects` may be ready, false after `ms`; every other wait is withdrawn. */
async function oneWakes(objects: readonly Waitable[], ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const woken = objects.map((object) => object[kWhenReady](stop.signal).then(() => true));
    // The losers reject when withdrawn below.
    for (const one of woken) one.catch(() => {});
    const timedOut = new Promise<boolean>((resolve) => {
      if (Number.isFinite(ms)) timer = setTimeout(() => resolve(false), ms);
    });
    return await Promise.race([...woken, timedOut]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
}

/**
 * Python's `multiprocessing.connection.wait`: resolves with the ready ones
 * among `objects`, in their order: a Connection with a message waiting or
 * at end of file, a Process that has ended, a queue that is not empty (or
 * closed). After `timeout` ms with none ready it resolves with `[]`;
 * `timeout: 0` only looks. Waiting takes no message or item, costs no CPU,
 * and keeps the process alive only through its timeout timer.
 */
export async function wait<T extends Waitable>(objects: readonly T[], timeout?: number | WaitOptions): Promise<T[]> {
  if (!Array.isArray(objects)) {
    throw new TypeError(`wait(objects): objects must be an array of Connections, Processes and queues, got ${describe(objects)}`);
  }
  objects.forEach((object: unknown, i) => {
    if (!isWaitable(object)) {
      throw new TypeError(`wait(objects): objects[${i}] is ${describe(object)}; wait() takes Connections, Processes and queues (Queue, JoinableQueue, SimpleQueue)`);
    }
  });
  const { timeout: limit, signal } = waitOptions(timeout, 'wait');
  signal?.throwIfAborted();
  const deadline = limit === undefined ? Infinity : performance.now() + limit;
  for (;;) {
    const ready = readyAmong(objects);
    const left = deadline - performance.now();
    if (ready.length > 0 || left <= 0) return ready;
    // Woken but nothing ready (another consumer was first): wait again.
    if (!(await oneWakes(objects, left, signal))) return readyAmong(objects);
  }
}
