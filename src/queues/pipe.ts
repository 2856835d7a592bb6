import { EOFError, TimeoutError } from '../errors';
import { native, type NativeChannel, type QueueTake } from '../native';
import { kShare, registerShareable, type Shareable, type ShareRecord } from '../shared/handles';
import { Outcome, blockingOptions, deliverPendingWakes, waitAsync, waitSync, type AsyncWait } from '../sync/waiting';
import { describe } from '../task_function';
import { BYTES, decodeItem, encodeItem } from './queue';

const RECEIVED = 0;
const NOTHING_YET = 1;

function pipeTimeout(timeout: unknown, where: string): number {
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`${where}: timeout must be a number of milliseconds >= 0, got ${describe(timeout)}`);
  }
  return timeout;
}

/**
 * One end of a `Pipe`, as Python's `Connection`: messages are never merged or
 * split, and an empty message is a message.
 */
/** Waiting for a message (or the end) on `reader`, without a thread per waiter. */
function readable(reader: NativeChannel): AsyncWait {
  return {
    start: (waker, token) => reader.waitReadable(waker, token),
    cancel: (waiter) => reader.cancel(waiter),
    // Woken just as it gave up: pass the wake on to the next reader.
    giveBack: () => {
      reader.wakeReader();
      deliverPendingWakes();
    },
  };
}

export class Connection<T = unknown> implements Shareable {
  readonly #in: NativeChannel | undefined;
  readonly #out: NativeChannel | undefined;
  #closed = false;

  /** @internal Use `Pipe()`. */
  constructor(incoming: NativeChannel | undefined, outgoing: NativeChannel | undefined) {
    this.#in = incoming;
    this.#out = outgoing;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get readable(): boolean {
    return this.#in !== undefined;
  }

  get writable(): boolean {
    return this.#out !== undefined;
  }

  send(obj: T): void {
    const { format, payload } = encodeItem(obj, 'Connection.send');
    this.#send(format, payload);
  }

  sendBytes(buf: ArrayBufferView | ArrayBuffer, offset = 0, size?: number): void {
    const bytes = ArrayBuffer.isView(buf) ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : buf instanceof ArrayBuffer ? new Uint8Array(buf) : undefined;
    if (!bytes) throw new TypeError(`Connection.sendBytes: buf must be a Buffer, typed array or ArrayBuffer, got ${describe(buf)}`);
    if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) {
      throw new RangeError(`Connection.sendBytes: offset ${describe(offset)} is outside the buffer (length ${bytes.length})`);
    }
    const length = size ?? bytes.length - offset;
    if (!Number.isInteger(length) || length < 0 || offset + length > bytes.length) {
      throw new RangeError(`Connection.sendBytes: size ${describe(size)} from offset ${offset} is outside the buffer (length ${bytes.length})`);
    }
    this.#send(BYTES, bytes.subarray(offset, offset + length));
  }

  #send(format: number, payload: Uint8Array): void {
    this.#assertOpen();
    if (!this.#out) throw new Error('this Connection is the reading end of a one-way Pipe: it cannot send');
    if (!this.#out.send(format, payload)) throw new Error('the other end of the pipe is closed: nobody will receive this message');
    deliverPendingWakes();
  }

  /** The next message; rejects with EOFError once the other end closed and nothing is left. */
  async recv(): Promise<T> {
    return decodeItem(await this.#receive()) as T;
  }

  async recvBytes(): Promise<Buffer> {
    return this.#bytes(await this.#receive());
  }

  recvSync(options?: { timeout?: number }): T {
    return decodeItem(this.#receiveSync(options)) as T;
  }

  recvBytesSync(options?: { timeout?: number }): Buffer {
    return this.#bytes(this.#receiveSync(options));
  }

  #bytes(taken: QueueTake): Buffer {
    if (taken.payload) return taken.payload;
    return Buffer.from(taken.text ?? '', 'utf8');
  }

  #reader(): NativeChannel {
    this.#assertOpen();
    if (!this.#in) throw new Error('this Connection is the writing end of a one-way Pipe: it cannot receive');
    return this.#in;
  }

  async #receive(): Promise<QueueTake> {
    const reader = this.#reader();
    for (;;) {
      const taken = reader.tryRecv();
      if (taken.status === RECEIVED) return taken;
      if (taken.status !== NOTHING_YET) throw new EOFError();
      await waitAsync(readable(reader), {});
    }
  }

  #receiveSync(options: { timeout?: number } | undefined): QueueTake {
    const reader = this.#reader();
    const { timeout } = blockingOptions(options, 'Connection.recvSync');
    let taken = reader.tryRecv();
    if (taken.status === NOTHING_YET) waitSync((ms) => (taken = reader.recvSlice(ms)).status !== NOTHING_YET, timeout);
    if (taken.status === NOTHING_YET) throw new TimeoutError(`Connection.recvSync: no message within ${timeout} ms`);
    if (taken.status !== RECEIVED) throw new EOFError();
    return taken;
  }

  /** True when a message is waiting or the other end closed (recv would not block). */
  async poll(timeout = 0): Promise<boolean> {
    const reader = this.#reader();
    pipeTimeout(timeout, 'Connection.poll');
    if (reader.poll()) return true;
    const outcome = await waitAsync(readable(reader), { timeout });
    return outcome === Outcome.Woken || reader.poll();
  }

  pollSync(timeout = 0): boolean {
    const reader = this.#reader();
    pipeTimeout(timeout, 'Connection.pollSync');
    return reader.poll() || waitSync((ms) => reader.pollSlice(ms), timeout);
  }

  /** Closes this end: the other end's recv gets EOFError once drained; its send fails. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#out?.closeWriter();
    this.#in?.closeReader();
    deliverPendingWakes();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('this Connection is closed');
  }

  [kShare](): ShareRecord {
    const ids = [this.#in?.id, this.#out?.id].filter((id): id is number => id !== undefined);
    return { kind: 'Connection', ids, state: { readable: this.readable, writable: this.writable } };
  }
}

/**
 * Python's `Pipe()`: two connected ends. Duplex by default; `Pipe(false)`
 * gives `[reader, writer]`.
 */
export function Pipe<T = unknown>(duplex = true): [Connection<T>, Connection<T>] {
  if (typeof duplex !== 'boolean') throw new TypeError(`Pipe(duplex): duplex must be a boolean, got ${describe(duplex)}`);
  const forward = new native.NativeChannel();
  if (!duplex) return [new Connection<T>(forward, undefined), new Connection<T>(undefined, forward)];
  const backward = new native.NativeChannel();
  return [new Connection<T>(backward, forward), new Connection<T>(forward, backward)];
}

registerShareable('Connection', (record) => {
  const { readable, writable } = record.state as { readable: boolean; writable: boolean };
  const ids = [...record.ids];
  const incoming = readable ? native.NativeChannel.attach(ids.shift()!) : undefined;
  const outgoing = writable ? native.NativeChannel.attach(ids.shift()!) : undefined;
  return new Connection(incoming, outgoing);
});
