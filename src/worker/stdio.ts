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

/**
 * Counts the bytes this worker writes to stdout and stderr into `counter[slot]`
 * (mod 2^32). Node acknowledges a worker's output before its parent has taken
 * it in, so the parent compares this count with the bytes it received before
 * it delivers this worker's results (see WorkerSet.outputPending).
 */
export function countOutput(counter: Int32Array, slot: number): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      const bytes = typeof chunk === 'string'
        ? Buffer.byteLength(chunk, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8')
        : (chunk as Uint8Array).byteLength;
      Atomics.add(counter, slot, bytes);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof stream.write;
  }
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
