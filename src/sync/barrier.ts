import { BrokenBarrierError } from '../errors';
import { native, type NativeBarrier } from '../native';
import { adoptNative, adopting, kShare, registerShareable, type Shareable, type ShareRecord } from '../shared/handles';
import { describe, functionSpec } from '../task_function';
import { compileSpecSync } from '../worker/compile';
import { OWNER, Outcome, blockingOptions, deliverPendingWakes, waitAsync, waitOptions, waitSync } from './waiting';

/** Options of `new Barrier(parties, options)`. */
export interface BarrierOptions {
  /** Run by one thread (the last to arrive) before the others are released.
   *  Travels to workers by source, like an inline task function. */
  action?: () => void;
  /** Default timeout (ms) of `wait`; a wait that times out breaks the barrier. */
  timeout?: number;
}

/**
 * Python's `Barrier`: `parties` threads wait until all have arrived; each gets
 * an index 0..parties-1, distinct within a round.
 */
export class Barrier implements Shareable {
  readonly #native: NativeBarrier;
  readonly #action: (() => void) | undefined;
  readonly #actionSpec: string | undefined;
  readonly #timeout: number | undefined;

  constructor(parties: number, options: BarrierOptions = {}) {
    if (!Number.isInteger(parties) || parties < 1) {
      throw new RangeError(`Barrier parties must be a positive integer, got ${describe(parties)}`);
    }
    if (options.action !== undefined && typeof options.action !== 'function') {
      throw new TypeError(`Barrier action must be a function, got ${describe(options.action)}`);
    }
    this.#actionSpec = options.action === undefined ? undefined : functionSpec(options.action, 'Barrier action');
    this.#action = options.action;
    this.#timeout = blockingOptions(options.timeout, 'Barrier').timeout;
    this.#native = adoptNative<NativeBarrier>() ?? new native.NativeBarrier(parties);
  }

  /** How many threads must arrive to pass. */
  get parties(): number {
    return this.#native.parties;
  }

  /** How many threads wait now. */
  get nWaiting(): number {
    return this.#native.nWaiting;
  }

  /** Whether the barrier is broken (aborted, reset during a wait, a wait timed out, or the action threw). */
  get broken(): boolean {
    return this.#native.broken;
  }

  /** Resolves with this thread's index once all parties arrived. */
  async wait(timeout?: number): Promise<number> {
    const parsed = waitOptions(timeout ?? this.#timeout, 'Barrier.wait');
    if (parsed.signal?.aborted) throw parsed.signal.reason;
    const arrival = this.#arrive();
    if (arrival.last) return this.#complete(arrival);
    let outcome: Outcome;
    try {
      outcome = await waitAsync(
        {
          start: (waker, token) => this.#native.waitAsync(arrival.generation, waker, token),
          cancel: (waiter) => this.#native.cancel(waiter),
        },
        parsed,
      );
    } catch (reason) {
      // Aborted by its signal: a party that left cannot count as arrived, so
      // the round is broken for the others, as a timeout breaks it.
      if (!this.#native.roundEnded(arrival.generation)) this.abort();
      throw reason;
    }
    if (outcome === Outcome.TimedOut) this.abort();
    // Broken: abort() or reset() while waiting (reset also ends the round).
    if (outcome === Outcome.Broken || !this.#native.roundEnded(arrival.generation)) throw new BrokenBarrierError();
    return arrival.index;
  }

  /** Blocks the thread until all parties arrived; returns this thread's index (0..parties-1), or throws `BrokenBarrierError`. */
  waitSync(timeout?: number): number {
    const parsed = blockingOptions(timeout ?? this.#timeout, 'Barrier.waitSync');
    const arrival = this.#arrive();
    if (arrival.last) return this.#complete(arrival);
    let state = 0;
    const ended = waitSync((ms) => (state = this.#native.waitSlice(arrival.generation, ms)) !== 0, parsed.timeout);
    if (!ended) this.abort();
    if (state !== 1) throw new BrokenBarrierError();
    return arrival.index;
  }

  /** Breaks the barrier: waiting and future waits fail until reset(). */
  abort(): void {
    this.#native.abort();
    deliverPendingWakes();
  }

  /** Back to the empty state in one step: threads waiting now get
   *  BrokenBarrierError, and those that wait again meet in a new round. */
  reset(): void {
    this.#native.reset();
    deliverPendingWakes();
  }

  #arrive() {
    const arrival = this.#native.arrive(OWNER);
    if (arrival === null) throw new BrokenBarrierError();
    return arrival;
  }

  #complete(arrival: { index: number; generation: number }): number {
    try {
      this.#action?.();
    } catch (error) {
      this.abort();
      throw error;
    }
    this.#native.release(arrival.generation);
    deliverPendingWakes();
    return arrival.index;
  }

  /** @internal */
  [kShare](): ShareRecord {
    return { kind: 'Barrier', ids: [this.#native.id], state: { action: this.#actionSpec, timeout: this.#timeout } };
  }
}

registerShareable('Barrier', (record) => {
  const { action, timeout } = record.state as { action?: string; timeout?: number };
  const nativeBarrier = native.NativeBarrier.attach(record.ids[0]);
  return adopting(nativeBarrier, () => new Barrier(nativeBarrier.parties, {
    action: action === undefined ? undefined : (compileSpecSync(action) as () => void),
    timeout,
  }));
});
