import { writeSync } from 'node:fs';
import { Socket } from 'node:net';

/**
 * Framed messages over a process-context child's extra pipe (fd 3): each frame
 * is a u32 little-endian length, a u8 type, then the body. Frames sent in one
 * turn of the event loop leave in one write, as the thread context's jobs
 * leave in one native call.
 */
export class Channel {
  readonly socket: Socket;
  #pending: Buffer[] = [];
  #flushScheduled = false;
  /** The chunks of a frame not yet complete, and how many bytes it needs (at least a header's). */
  #partial: Buffer[] = [];
  #partialLength = 0;
  #needed = 0;

  constructor(socket: Socket, onFrame: (type: number, body: Buffer) => void) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      // A big frame comes in many chunks: joined once, when all are in.
      if (this.#partial.length > 0) {
        this.#partial.push(chunk);
        this.#partialLength += chunk.length;
        if (this.#partialLength < this.#needed) return;
        chunk = Buffer.concat(this.#partial, this.#partialLength);
        this.#partial = [];
        this.#partialLength = 0;
      }
      let at = 0;
      while (chunk.length - at >= 5) {
        const length = chunk.readUInt32LE(at);
        if (chunk.length - at - 4 < length) break;
        const type = chunk[at + 4];
        const body = chunk.subarray(at + 5, at + 4 + length);
        at += 4 + length;
        onFrame(type, body);
      }
      if (at < chunk.length) {
        const rest = chunk.subarray(at);
        this.#partial.push(rest);
        this.#partialLength = rest.length;
        this.#needed = rest.length >= 4 ? 4 + rest.readUInt32LE(0) : 5;
      }
    });
    // The other side went away: its 'exit' (or the parent's end) says why.
    socket.on('error', () => {});
  }

  /** Queues one frame; `parts` are concatenated into its body. */
  send(type: number, ...parts: Uint8Array[]): void {
    let length = 1;
    for (const part of parts) length += part.byteLength;
    const head = Buffer.allocUnsafe(5);
    head.writeUInt32LE(length, 0);
    head[4] = type;
    this.#pending.push(head, ...parts.map((part) => (Buffer.isBuffer(part) ? part : Buffer.from(part.buffer, part.byteOffset, part.byteLength))));
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => this.flush());
  }

  /**
   * Writes one frame before returning, blocking until the pipe has taken it
   * all, as Python's Process.start() writes its child's data: a parent that
   * blocks in joinSync() right after must not leave the frame unsent.
   */
  sendSync(type: number, body: Uint8Array): void {
    // libuv writes a blocking pipe in full at once; the same fd is read too, so only for this write.
    const handle = (this.socket as unknown as { _handle?: { setBlocking?(blocking: boolean): number } })._handle;
    handle?.setBlocking?.(true);
    try {
      this.send(type, body);
      this.flush();
    } finally {
      handle?.setBlocking?.(false);
    }
  }

  /** Writes what is queued now; `done` runs once it has left this process. */
  flush(done?: () => void): void {
    this.#flushScheduled = false;
    const pending = this.#pending;
    this.#pending = [];
    if (this.socket.destroyed) return;
    if (pending.length === 0) {
      if (done) this.socket.write(Buffer.alloc(0), () => done());
      return;
    }
    this.socket.write(pending.length === 1 ? pending[0] : Buffer.concat(pending), done && (() => done()));
  }
}

/** In a process-context child: the channel to its parent (fd 3). Here, not
 *  in spawn.ts, so a child loads none of the spawning side. */
export function parentChannel(onFrame: (type: number, body: Buffer) => void): Channel {
  return new Channel(new Socket({ fd: 3, readable: true, writable: true }), onFrame);
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes one frame to `fd` before returning, as a child reports from inside a
 * synchronous task loop (progress) or right before it exits. The fd is
 * non-blocking (libuv reads it too): when the pipe is full, wait for the
 * parent to read.
 */
export function writeFrameSync(fd: number, type: number, ...parts: Uint8Array[]): void {
  let length = 1;
  for (const part of parts) length += part.byteLength;
  const frame = Buffer.allocUnsafe(4 + length);
  frame.writeUInt32LE(length, 0);
  frame[4] = type;
  let at = 5;
  for (const part of parts) {
    frame.set(part, at);
    at += part.byteLength;
  }
  for (let sent = 0; sent < frame.length;) {
    try {
      sent += writeSync(fd, frame, sent);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
