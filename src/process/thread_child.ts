// The thread context's Process children: a worker thread of this process
// runs child.ts.
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { addonForWorkers } from '../native';
import { IDENTITY_KEY, type WorkerIdentity } from '../process_info';
import { waitSync } from '../sync/waiting';
import { blockedFlag } from '../worker/stdio';
import { newExitState, recordExit, recordedExit, waitExitSlice, whenExited, type ExitState } from './exit_state';
import type { ChildStart, StartedChild } from './started';

const CHILD_ENTRY = join(__dirname, 'child.js');
/** Exit codes Python reports for terminate() and kill(): a thread has no signal to die of. */
const STOP_CODES = { SIGTERM: -15, SIGKILL: -9 } as const;

/** What a child thread receives (see child.ts). */
export interface ThreadChildStart extends ChildStart {
  /** This thread is blocked in a *Sync wait (see worker/stdio.ts). */
  parentBlocked: Int32Array;
  /** Where the child records its exit code. */
  finished: ExitState;
}

/** Resolves once `stream` (a worker's stdout/stderr, piped to ours) has ended. */
function drained(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

export function startThreadChild(start: ChildStart, identity: WorkerIdentity): StartedChild {
  // Set by the child itself, so joinSync() can wait while this thread is blocked.
  const finished = newExitState();
  const data: ThreadChildStart = { ...start, parentBlocked: blockedFlag, finished };
  const worker = new Worker(CHILD_ENTRY, { workerData: { ...data, [IDENTITY_KEY]: identity, ...addonForWorkers } });
  let stopCode: number | undefined;
  const ended = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      // Crashes that bypassed the child's own bookkeeping (out of memory...).
      recordExit(finished, code);
      // The child's last output may still be on its way through this
      // thread's side of its stdout/stderr pipes; join() resolves once it
      // has been written out, so it comes before what the parent prints next.
      void Promise.all([worker.stdout, worker.stderr].map(drained)).then(() => resolve());
    });
  });
  worker.on('error', () => {
    // Reported by the child itself on stderr; the exit code says the rest.
  });
  return {
    pid: process.pid,
    // Kept: Worker.threadId turns -1 once the thread exits.
    ident: worker.threadId,
    ended,
    exitCode: () => stopCode ?? recordedExit(finished),
    waitSync(timeout) {
      if (stopCode === undefined) waitSync((ms) => waitExitSlice(finished, ms), timeout);
    },
    stop(signal) {
      stopCode = STOP_CODES[signal];
      void worker.terminate();
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    whenEnded: (signal) => whenExited(finished, signal),
  };
}
