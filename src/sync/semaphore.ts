import { native, type NativeSemaphore } from '../native';
import { adoptNative, adopting, attachNative, kCrossesProcesses, kShare, nativeRecord, registerShareable, type Destination, type Shareable, type ShareRecord } from '../shared/handles';
import { describe } from '../task_function';
import { Outcome, blockingOptions, deliverPendingWakes, waitAsync, waitOptions, waitSync, type BlockingOptions, type WaitOptions } from './waiting';

function count(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 0x7fffffff) {
    throw new RangeError(`${what} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

/** Python's `Semaphore`: a counter that acquire decrements, waiting at zero. */
export class Semaphore implements Shareable {
  protected readonly native: NativeSemaphore;

  constructor(value = 1) {
    this.native = adoptNative<NativeSemaphore>() ?? new native.NativeSemaphore(count(value, `${new.target.name} value`, 0), this.bound(value));
  }

  /** The limit of a BoundedSemaphore (none here). */
  protected bound(_value: number): number | undefined {
    return undefined;
  }

  /** Takes one unit without blocking the thread; `false` if `timeout` (ms) passed first. `{ signal }` aborts the wait. */
  acquire(options?: number | WaitOptions): Promise<boolean> {
    try {
      const parsed = waitOptions(options, `${this.constructor.name}.acquire`);
      if (this.native.tryAcquire()) return Promise.resolve(true);
      return waitAsync(
        {
          start: (waker, token) => this.native.acquireAsync(waker, token),
          cancel: (waiter) => this.native.cancel(waiter),
          giveBack: () => this.native.release(1),
        },
        parsed,
      ).then((outcome) => outcome === Outcome.Woken);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Takes one unit, blocking the thread; `{ block: false }` tries once, a timeout (ms) gives up: `false` then. */
  acquireSync(options?: number | BlockingOptions): boolean {
    const { block, timeout } = blockingOptions(options, `${this.constructor.name}.acquireSync`);
    if (this.native.tryAcquire()) return true;
    if (block === false) return false;
    return waitSync((ms) => this.native.acquireSlice(ms), timeout);
  }

  /** Gives back `n` units, waking as many waiters. */
  release(n = 1): void {
    if (!this.native.release(count(n, `${this.constructor.name}.release(n)`, 1))) {
      throw new Error(`${this.constructor.name} released too many times: its value would exceed its initial value`);
    }
    deliverPendingWakes();
  }

  /** The units available now. */
  getValue(): number {
    return this.native.value;
  }

  /** @internal */
  [kShare](to: Destination = 'thread'): ShareRecord {
    return nativeRecord(this instanceof BoundedSemaphore ? 'BoundedSemaphore' : 'Semaphore', this.native, to);
  }

  /** @internal */
  [kCrossesProcesses](): boolean {
    return true;
  }
}

/** Python's `BoundedSemaphore`: releasing above the initial value is an error. */
export class BoundedSemaphore extends Semaphore {
  protected bound(value: number): number {
    return value;
  }
}

const attachSemaphore = (record: ShareRecord) => attachNative(record, (id) => native.NativeSemaphore.attach(id), (at) => native.NativeSemaphore.attachAt(at));
registerShareable('Semaphore', (record) => adopting(attachSemaphore(record), () => new Semaphore()));
registerShareable('BoundedSemaphore', (record) => adopting(attachSemaphore(record), () => new BoundedSemaphore()));
