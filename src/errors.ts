/** A wait (`AsyncResult.get`, `apply` with `timeout`, ...) ran out of time. */
export class TimeoutError extends Error {
  constructor(message = 'timed out') {
    super(message);
    this.name = 'TimeoutError';
  }
}

/**
 * The worker running this task exited before finishing it (`process.exit`, an
 * uncaught error outside the task, out of memory). The pool has already
 * started a replacement.
 */
export class WorkerCrashedError extends Error {
  /** The worker's exit code (`process.exit(n)`'s `n`; 1 for an uncaught error). */
  readonly exitCode: number;
  constructor(exitCode: number, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super(`the worker running this task exited with code ${exitCode} before finishing it${why}`, { cause });
    this.name = 'WorkerCrashedError';
    this.exitCode = exitCode;
  }
}

/** `why`: how the pool stopped, when it was not the user's close()/terminate(). */
export function poolNotRunning(why = 'it was closed or terminated'): Error {
  return new Error(`Pool not running: ${why}; create a new Pool for more work`);
}

/** A Barrier wait failed: the barrier was aborted, reset, timed out, or its action threw. */
export class BrokenBarrierError extends Error {
  constructor(message = 'the barrier is broken: it was aborted, reset, or a wait timed out') {
    super(message);
    this.name = 'BrokenBarrierError';
  }
}

/** `get` found the queue empty (no wait asked for, or the timeout passed). */
export class Empty extends Error {
  constructor(message = 'the queue is empty') {
    super(message);
    this.name = 'Empty';
  }
}

/** `put` found the bounded queue full (no wait asked for, or the timeout passed). */
export class Full extends Error {
  constructor(message = 'the queue is full') {
    super(message);
    this.name = 'Full';
  }
}

/**
 * The queue was shut down (`q.shutdown()`, Python 3.13's `queue.ShutDown`): a
 * put after it, or a get once nothing is left (at once after
 * `shutdown(true)`).
 */
export class ShutDown extends Error {
  constructor(message = 'the queue is shut down') {
    super(message);
    this.name = 'ShutDown';
  }
}

/** `recv` after the other end of the pipe closed and nothing is left. */
export class EOFError extends Error {
  constructor(message = 'the other end of the pipe is closed and nothing is left to receive') {
    super(message);
    this.name = 'EOFError';
  }
}
