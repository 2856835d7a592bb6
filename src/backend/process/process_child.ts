// The process context's Process children: an OS process (node running
// process_entry.ts) that gets its start data over the channel.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { native } from '../../native';
import type { WorkerIdentity } from '../../process_info';
import type { ChildStart, StartedChild } from '../../process/started';
import { whileBlocked } from '../../worker/stdio';
import { START_FRAME } from './process_wire';
import { exitCodeOf, spawnChild, type ChildOptions } from './spawn';

const ENTRY = join(__dirname, 'process_entry.js');

/** Windows has no way yet to read an exit status without reaping (see crates/core). */
const CAN_PEEK = process.platform !== 'win32';

/** Daemon children still running; stopped when this thread exits, as Python's atexit does. */
const daemons = new Set<ChildProcess>();
let stopsDaemonsAtExit = false;

function stopAtExit(child: ChildProcess): void {
  daemons.add(child);
  if (stopsDaemonsAtExit) return;
  stopsDaemonsAtExit = true;
  process.on('exit', () => {
    for (const daemon of daemons) daemon.kill('SIGTERM');
  });
}

export function startProcessChild(start: ChildStart, identity: WorkerIdentity, options: ChildOptions): StartedChild {
  const { child, channel } = spawnChild(ENTRY, identity, options, () => {});
  // Spawn failures are also reported as an 'error' event; start() has thrown already.
  child.on('error', () => {});
  const pid = child.pid;
  if (pid === undefined) {
    channel.socket.destroy();
    const where = options.cwd === undefined ? '' : ` in ${options.cwd}`;
    throw new Error(`Process.start(): could not start ${process.execPath}${where} as a child process`);
  }
  // The channel never keeps this process alive: the child's handle does, unless it is a daemon.
  channel.socket.unref();
  channel.sendSync(START_FRAME, serialize(start));
  if (identity.daemon) stopAtExit(child);
  let code: number | null = null;
  const ended = new Promise<void>((resolve) => {
    child.once('exit', (status, signal) => {
      code ??= exitCodeOf(status, signal);
      daemons.delete(child);
      channel.socket.destroy();
      // Its stdout and stderr are ours: what it printed is out already.
      resolve();
    });
  });
  /** The child's status from the OS (not reaped), null while it runs. */
  const peek = (timeout: number | undefined): number | null => {
    try {
      return native.waitChildExit(pid, timeout);
    } catch (error) {
      // libuv reaped it with another child whose 'exit' event came first; this one's is next.
      if (CAN_PEEK) return null;
      throw error;
    }
  };
  // Read from the OS, so a loop polling isAlive() sees the end without the event loop turning.
  const exitCode = (): number | null => (code === null && CAN_PEEK ? (code = peek(0)) : code);
  return {
    pid,
    ident: pid,
    ended,
    exitCode,
    waitSync(timeout) {
      if (exitCode() !== null) return;
      code = whileBlocked(() => peek(timeout));
    },
    stop: (signal) => void child.kill(signal),
    ref: () => void child.ref(),
    unref: () => void child.unref(),
    whenEnded: (signal) =>
      new Promise((resolve, reject) => {
        if (code !== null) return resolve(true);
        if (signal.aborted) return reject(signal.reason);
        const onExit = () => {
          signal.removeEventListener('abort', onAbort);
          resolve(true);
        };
        const onAbort = () => {
          child.off('exit', onExit);
          reject(signal.reason);
        };
        child.once('exit', onExit);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
  };
}
