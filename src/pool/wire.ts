// What the submitting thread and the workers agree on, besides the native queue.
import type { ExecutorStart } from './executor';

/** Int32 slots of the pool's doorbell (a SharedArrayBuffer). Each is a sequence
 *  number bumped with Atomics.add and waited on with Atomics.waitAsync: the
 *  native queues hold the data, the doorbell only wakes whoever sleeps. */
export const TASK_BELL = 0;
export const RESULT_BELL = 1;
/** Not a bell: how many maps want per-item progress (workers then count items). */
export const PROGRESS_WANTED = 2;
export const BELL_SLOTS = 3;

/** What a pool worker thread starts with (see ExecutorStart). */
export interface WorkerStart extends Omit<ExecutorStart, 'resourceLimits'> {
  slot: number;
  /** Per slot: bytes of console output its worker wrote before its last result (see countOutput). */
  output: Int32Array;
  /** The pool's thread is blocked in a *Sync wait (see worker/stdio.ts). */
  parentBlocked: Int32Array;
}

/** Messages a worker posts to its pool (only off the hot path). */
export type WorkerMessage = { type: 'initializer-failed'; error: import('../transfer/remote_error').ErrorRecord };
