// What a pool and its process-context children say on the channel (fd 3).

/** Parent → child. */
export const enum ToChild {
  /** v8.serialize(PoolChildStart): the first frame. */
  Start = 1,
  /** u32 function id, then the function's spec (utf-8), before its first job. */
  Function = 2,
  /** f64 job id, u32 function id, u32 format, u8 count progress, then the payload. */
  Job = 3,
  /** No more work: exit once the job in hand is reported. */
  Exit = 4,
}

/** Child → parent. */
export const enum ToParent {
  /** f64 job id, u8 ok, u32 format, then the payload. */
  Result = 10,
  /** f64 job id, u32 items done. */
  Progress = 11,
  /** v8.serialize(ErrorRecord): the initializer threw; the child exits. */
  InitializerFailed = 12,
  /** The initializer ran (if any): the child runs jobs. */
  Ready = 13,
  /** The child is exiting by itself (process.exit, an uncaught error, its own
   *  end): u8 whether a job had started, then the uncaught error's
   *  v8.serialize(ErrorRecord), if that is why. */
  Exiting = 14,
}

export const JOB_HEADER = 17;
export const RESULT_HEADER = 13;

export interface PoolChildStart {
  slot: number;
  parentPid: number;
  baseDir: string;
  maxTasksPerChild: number;
  initializer?: { functionId: number; spec: string; args: unknown[] };
}
