import { TimeoutError } from '../errors';
import { validateTimeout } from './options';

/**
 * The handle `applyAsync`/`mapAsync` return, as Python's `AsyncResult`; it is
 * also awaitable. A failure never becomes an unhandled rejection by itself:
 * it is kept until `get()` or `then()` asks for it.
 */
export class AsyncResult<R> implements PromiseLike<R> {
  readonly #promise: Promise<R>;
  #state: 'pending' | 'fulfilled' | 'rejected' = 'pending';

  constructor(promise: Promise<R>, callback?: (value: R) => void, errorCallback?: (error: unknown) => void) {
    this.#promise = promise;
    promise.then(
      (value) => {
        this.#state = 'fulfilled';
        if (callback) runCallback(callback, value);
      },
      (error) => {
        this.#state = 'rejected';
        if (errorCallback) runCallback(errorCallback, error);
      },
    );
  }

  /** The result; rejects with the task's error, or TimeoutError after `timeout` ms. */
  get(timeout?: number): Promise<R> {
    validateTimeout(timeout, 'AsyncResult.get(timeout)');
    if (timeout === undefined || this.#state !== 'pending') return this.#promise.then();
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(`result not ready within ${timeout} ms`)), timeout);
      this.#promise.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }

  /** Resolves once the result is ready or `timeout` ms have passed; never rejects. */
  wait(timeout?: number): Promise<void> {
    return this.get(timeout).then(
      () => undefined,
      () => undefined,
    );
  }

  ready(): boolean {
    return this.#state !== 'pending';
  }

  /** Whether the call completed without an error; throws if it is not ready yet. */
  successful(): boolean {
    if (this.#state === 'pending') throw new Error('AsyncResult is not ready: await wait() or check ready() first');
    return this.#state === 'fulfilled';
  }

  then<A = R, B = never>(
    onfulfilled?: ((value: R) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#promise.then(onfulfilled, onrejected);
  }
}

// A throwing callback is the caller's bug: surface it as an uncaught exception,
// as Python prints it, rather than losing it in a promise chain.
function runCallback<T>(callback: (value: T) => void, value: T): void {
  try {
    callback(value);
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
}
