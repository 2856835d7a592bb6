import { setTimeout as sleep } from 'node:timers/promises';

/**
 * This thread's "blocked in a *Sync wait" count, shared with the threads it
 * starts. Their console output reaches this thread as messages its event loop
 * takes; while it is blocked it cannot, and may even be waiting on them.
 */
export const blockedFlag = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

/** Runs a blocking wait with this thread marked as blocked. */
export function whileBlocked<T>(wait: () => T): T {
  Atomics.add(blockedFlag, 0, 1);
  try {
    return wait();
  } finally {
    Atomics.sub(blockedFlag, 0, 1);
  }
}

let parentBlocked: Int32Array | undefined;

/** Tells this worker its parent's flag (from its start-up data). */
export function watchParent(flag: Int32Array): void {
  parentBlocked = flag;
}

let written = 0;

/**
 * Counts the bytes this worker writes to stdout and stderr. A write's callback
 * runs once the parent thread has asked for more, which can be before it has
 * taken the bytes in: so a result could overtake the output printed before
 * it. The worker publishes its count with each result (`publishOutput`), and
 * the parent delivers results once it has received that much (see
 * WorkerSet.outputWritten).
 */
export function countOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      const bytes = typeof chunk === 'string'
        ? Buffer.byteLength(chunk, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8')
        : (chunk as Uint8Array).byteLength;
      written = (written + bytes) | 0;
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof stream.write;
  }
}

/** Publishes the bytes written so far (call after flushStdio, before reporting). */
export function publishOutput(counter: Int32Array, slot: number): void {
  Atomics.store(counter, slot, written);
}

/** How often a waiting worker checks whether its parent got blocked. */
const POLL_MS = 20;

/**
 * Worker stdout/stderr reach the parent as messages, each acknowledged before
 * the next is sent. Waiting for them before reporting a result (or exiting)
 * means the output is printed first, and not lost when the process exits.
 * Undefined when nothing is pending (the common case costs no await).
 */
export function flushStdio(): Promise<void> | undefined {
  const pending = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0);
  if (pending.length === 0) return undefined;
  return waitFlushed(Promise.all(pending.map((stream) => new Promise((resolve) => stream.write('', resolve)))));
}

async function waitFlushed(flushed: Promise<unknown>): Promise<void> {
  let done = false;
  void flushed.then(() => (done = true));
  while (!done) {
    // A parent blocked in a *Sync wait cannot take the output, and may be
    // waiting for this very thread: go on rather than deadlock.
    if (parentBlocked !== undefined && Atomics.load(parentBlocked, 0) > 0) return;
    await Promise.race([flushed, sleep(POLL_MS)]);
  }
}
