/** Longest a worker waits for its console output to reach the parent (which
 *  must be free to take it: a parent blocked in a *Sync wait is not). */
const STDIO_FLUSH_LIMIT_MS = 2000;

/**
 * Worker stdout/stderr reach the parent as messages, each acknowledged before
 * the next is sent. Waiting for them before reporting a result (or exiting)
 * means the output is printed first, and not lost when the process exits.
 */
export function flushStdio(): Promise<unknown> | undefined {
  const pending = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0);
  if (pending.length === 0) return undefined;
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.all(pending.map((stream) => new Promise((resolve) => stream.write('', resolve)))),
    new Promise((resolve) => (timer = setTimeout(resolve, STDIO_FLUSH_LIMIT_MS))),
  ]).finally(() => clearTimeout(timer));
}
