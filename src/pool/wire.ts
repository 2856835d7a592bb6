// What the submitting thread and the workers agree on, besides the native queue.

/** Int32 slots of the pool's doorbell (a SharedArrayBuffer). Each is a sequence
 *  number bumped with Atomics.add and waited on with Atomics.waitAsync: the
 *  native queues hold the data, the doorbell only wakes whoever sleeps. */
export const TASK_BELL = 0;
export const RESULT_BELL = 1;
/** Not a bell: how many maps want per-item progress (workers then count items). */
export const PROGRESS_WANTED = 2;
export const BELL_SLOTS = 3;

export interface WorkerStart {
  poolId: number;
  slot: number;
  bell: Int32Array;
  /** Per slot: bytes of console output its worker wrote before its last result (see countOutput). */
  output: Int32Array;
  /** Per slot: the running job's id (mod 2^32) << 32 | its items done so far. */
  progress: BigUint64Array;
  /** Folder inline functions' `require` and relative `import()` resolve from. */
  baseDir: string;
  /** The pool's thread is blocked in a *Sync wait (see worker/stdio.ts). */
  parentBlocked: Int32Array;
  maxTasksPerChild: number;
  initializer?: { functionId: number; args: unknown[] };
}

/** Messages a worker posts to its pool (only off the hot path). */
export type WorkerMessage = { type: 'initializer-failed'; error: import('../transfer/remote_error').ErrorRecord };
