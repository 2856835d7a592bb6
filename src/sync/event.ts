import { native, type NativeEvent } from '../native';
import { adoptNative, adopting, attachNative, kCrossesProcesses, kShare, nativeRecord, registerShareable, type Destination, type Shareable, type ShareRecord } from '../shared/handles';
import { Outcome, blockingOptions, deliverPendingWakes, waitAsync, waitOptions, waitSync, type WaitOptions } from './waiting';

/** Python's `Event`: a flag threads wait on until it is set. */
export class Event implements Shareable {
  readonly #native: NativeEvent = adoptNative<NativeEvent>() ?? new native.NativeEvent();

  /** Sets the flag, waking every waiter. */
  set(): void {
    this.#native.set();
    deliverPendingWakes();
  }

  /** Clears the flag. */
  clear(): void {
    this.#native.clear();
  }

  /** Whether the flag is set. */
  isSet(): boolean {
    return this.#native.isSet();
  }

  /** True once set; false if `timeout` passed first. */
  wait(options?: number | WaitOptions): Promise<boolean> {
    try {
      const parsed = waitOptions(options, 'Event.wait');
      if (this.#native.isSet()) return Promise.resolve(true);
      return waitAsync(
        { start: (waker, token) => this.#native.waitAsync(waker, token), cancel: (waiter) => this.#native.cancel(waiter) },
        parsed,
      ).then((outcome) => outcome === Outcome.Woken);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Blocks the thread until the flag is set; `false` if `timeout` (ms) passed first. */
  waitSync(timeout?: number): boolean {
    const parsed = blockingOptions(timeout, 'Event.waitSync');
    return this.#native.isSet() || waitSync((ms) => this.#native.waitSlice(ms), parsed.timeout);
  }

  /** @internal */
  [kShare](to: Destination = 'thread'): ShareRecord {
    return nativeRecord('Event', this.#native, to);
  }

  /** @internal */
  [kCrossesProcesses](): boolean {
    return true;
  }
}

registerShareable('Event', (record) =>
  adopting(attachNative(record, (id) => native.NativeEvent.attach(id), (at) => native.NativeEvent.attachAt(at)), () => new Event()));
