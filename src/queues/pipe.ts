import { deserialize, serialize } from 'node:v8';
import { EOFError, TimeoutError } from '../errors';
import { native, type NativeChannel, type QueueTake } from '../native';
import { kShare, registerShareable, type Shareable, type ShareRecord } from '../shared/handles';
import { Outcome, blockingOptions, deliverPendingWakes, peekAsync, waitAsync, waitSync, type AsyncWait } from '../sync/waiting';
import { describe } from '../task_function';
import { BYTES, decodeItem, encodeItem } from './queue';
import { kReady, kWhenReady, type Waitable } from './wait';

const RECEIVED = 0;
const NOTHING_YET = 1;

function pipeTimeout(timeout: unknown, where: string): number {
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`${where}: timeout must be a number of milliseconds >= 0, got ${describe(timeout)}`);
  }
  return timeout;
}

// Every message is bytes, as in Python: `send(obj)` is `sendBytes` of
// `v8.serialize(obj)`. Numbers and strings travel unserialized (as on a
// Queue) and are serialized only if received as bytes.

function decodeMessage(taken: QueueTake): unknown {
  return taken.format === BYTES ? deserialize(taken.payload!) : decodeItem(taken);
}

function messageBytes(taken: QueueTake): Buffer {
  return taken.payload ?? serialize(decodeItem(taken));
}

/** Sent handles are held by their job or Process by the end of the turn. */
let releaseScheduled = false;
function releaseSentSoon(): void {
  if (releaseScheduled) return;
  releaseScheduled = true;
  setImmediate(() => {
    releaseScheduled = false;
    native.NativeChannel.releaseSent();
  }).unref();
}

/** A wake this reader does not use goes to the next reader waiting. */
function passWakeOn(reader: NativeChannel): void {
  reader.wakeReader();
  deliverPendingWakes();
}

/** Waiting for a message (or the end) on `reader`, without a thread per waiter. */
function readable(reader: NativeChannel): AsyncWait {
  return {
    start: (waker, token) => reader.waitReadable(waker, token),
    cancel: (waiter) => reader.cancel(waiter),
    // Woken just as it gave up.
    giveBack: () => passWakeOn(reader),
  };
}

/**
 * Waits until `reader` would not block. A wake it took without taking the
 * message passes on: it may be some receiver's.
 */
function whenReadable(reader: NativeChannel, options: { timeout?: number; signal?: AbortSignal }): Promise<Outcome> {
  return peekAsync(readable(reader), options, () => reader.poll(), () => passWakeOn(reader));
}

/**
 * One end of a `Pipe`, as Python's `Connection`: messages are never merged or
 * split, and an empty message is a message. Each thread holding a Connection
 * holds its own handle on its ends, as each Python process holds its own
 * descriptor: `close()` closes this thread's handle only.
 */
export class Connection<T = unknown> implements Shareable, Waitable, Disposable {
  readonly #in: NativeChannel | undefined;
  readonly #out: NativeChannel | undefined;
  #closed = false;

  /** @internal Use `Pipe()`. `incoming`: a reader handle, `outgoing`: a writer handle. */
  constructor(incoming: NativeChannel | undefined, outgoing: NativeChannel | undefined) {
    this.#in = incoming;
    this.#out = outgoing;
  }

  /** True once this handle was closed (other holders' handles may be open). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether this end can receive. */
  get readable(): boolean {
    return this.#in !== undefined;
  }

  /** Whether this end can send. */
  get writable(): boolean {
    return this.#out !== undefined;
  }

  /** Sends `obj`, as `sendBytes(v8.serialize(obj))`; refuses what cannot be cloned. */
  send(obj: T): void {
    const { format, payload } = encodeItem(obj, 'Connection.send');
    this.#send(format, payload);
  }

  /** Sends `size` bytes of `buf` from `offset` as one message; `recv()` deserializes them. */
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
    if (!this.#out.send(format, payload)) throw new Error('every handle of the other end of the pipe is closed: nobody will receive this message');
    deliverPendingWakes();
  }

  /**
   * The next message, deserialized; rejects with EOFError once every handle
   * of the other end is closed and nothing is left.
   */
  async recv(): Promise<T> {
    return decodeMessage(await this.#receive()) as T;
  }

  /** The next message as bytes (what `send` sent is `v8.serialize`d). */
  async recvBytes(): Promise<Buffer> {
    return messageBytes(await this.#receive());
  }

  /** The next message, blocking the thread; `EOFError` once every handle of the other end is closed. */
  recvSync(options?: { timeout?: number }): T {
    return decodeMessage(this.#receiveSync(options)) as T;
  }

  /** The next message as bytes, blocking the thread. */
  recvBytesSync(options?: { timeout?: number }): Buffer {
    return messageBytes(this.#receiveSync(options));
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
    const deadline = performance.now() + timeout;
    for (;;) {
      if (reader.poll()) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      // Woken but the message was taken by another reader: wait on.
      if ((await whenReadable(reader, { timeout: Number.isFinite(left) ? left : undefined })) === Outcome.TimedOut) return reader.poll();
    }
  }

  /** Whether a message is waiting (or the other end closed), blocking the thread up to `timeout` ms. */
  pollSync(timeout = 0): boolean {
    const reader = this.#reader();
    pipeTimeout(timeout, 'Connection.pollSync');
    return reader.poll() || waitSync((ms) => reader.pollSlice(ms), timeout);
  }

  /**
   * Closes this thread's handle. Once every handle of this end is closed
   * (or its thread ended), the other end's recv gets EOFError when drained
   * and its send fails.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#out?.close();
    this.#in?.close();
    deliverPendingWakes();
  }

  /** `using conn = ...`: closes this handle. */
  [Symbol.dispose](): void {
    this.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('this Connection is closed');
  }

  /** @internal For wait(): recv would not block. */
  [kReady](): boolean {
    return this.#reader().poll();
  }

  /** @internal For wait(). */
  async [kWhenReady](signal: AbortSignal): Promise<void> {
    await whenReadable(this.#reader(), { signal });
  }

  /** Each end travels as a new handle, counted from now, as a descriptor
   *  duplicated for a child is; the receiving thread takes it over. */
  [kShare](): ShareRecord {
    if (this.#closed) throw new Error('a closed Connection cannot be sent: its handle is gone');
    const ids = [this.#in, this.#out].filter((end) => end !== undefined).map((end) => end.sendHandle());
    releaseSentSoon();
    return { kind: 'Connection', ids, state: { readable: this.readable, writable: this.writable } };
  }
}

/**
 * Python's `Pipe()`: two connected ends. Duplex by default; `Pipe(false)`
 * gives `[reader, writer]`.
 */
export function Pipe<T = unknown>(duplex = true): [Connection<T>, Connection<T>] {
  if (typeof duplex !== 'boolean') throw new TypeError(`Pipe(duplex): duplex must be a boolean, got ${describe(duplex)}`);
  const [forwardIn, forwardOut] = native.NativeChannel.pipe();
  if (!duplex) return [new Connection<T>(forwardIn, undefined), new Connection<T>(undefined, forwardOut)];
  const [backwardIn, backwardOut] = native.NativeChannel.pipe();
  return [new Connection<T>(backwardIn, forwardOut), new Connection<T>(forwardIn, backwardOut)];
}

registerShareable('Connection', (record) => {
  const { readable, writable } = record.state as { readable: boolean; writable: boolean };
  const ids = [...record.ids];
  const incoming = readable ? native.NativeChannel.receive(ids.shift()!) : undefined;
  const outgoing = writable ? native.NativeChannel.receive(ids.shift()!) : undefined;
  return new Connection(incoming, outgoing);
});
