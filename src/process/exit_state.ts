// How a thread-context Process child tells its parent it has ended, and with
// which code: two words of a SharedArrayBuffer, so the parent can block on it
// in joinSync() (Atomics.wait) or await it, and the child loads nothing to
// set it.

const DONE = 0;
const CODE = 1;

export type ExitState = Int32Array;

export function newExitState(): ExitState {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

/** Records `code` unless an exit was recorded already; wakes the waiters. */
export function recordExit(state: ExitState, code: number): void {
  if (Atomics.load(state, DONE) !== 0) return;
  Atomics.store(state, CODE, code);
  Atomics.store(state, DONE, 1);
  Atomics.notify(state, DONE);
}

/** The recorded code, or null while the child runs. */
export function recordedExit(state: ExitState): number | null {
  return Atomics.load(state, DONE) === 0 ? null : Atomics.load(state, CODE);
}

/** One slice of a blocking wait (see sync/waiting.ts waitSync): true once ended. */
export function waitExitSlice(state: ExitState, remainingMs: number): boolean {
  Atomics.wait(state, DONE, 0, remainingMs < 0 ? undefined : remainingMs);
  return Atomics.load(state, DONE) !== 0;
}

/** Resolves once the child has ended; rejects when `signal` aborts first. */
export function whenExited(state: ExitState, signal: AbortSignal): Promise<true> {
  if (Atomics.load(state, DONE) !== 0) return Promise.resolve(true);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    // A pending waitAsync does not keep the event loop alive, as the
    // thread's other async waits.
    const wait = Atomics.waitAsync(state, DONE, 0);
    void (wait.async ? wait.value : Promise.resolve()).then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
  });
}
