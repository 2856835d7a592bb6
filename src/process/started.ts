// What differs between a Process whose child is a worker thread and one whose
// child is an OS process: how it is started, stopped and waited for.
import type { ChildOptions } from '../backend/process/spawn';
import type { WorkerIdentity } from '../process_info';

/** What every child receives, whatever runs it. */
export interface ChildStart {
  /** The function spec (task_function.ts) of the target or the subclass's run(). */
  target: string;
  args: unknown[];
  /** A subclass's own enumerable fields, the target's `this`. */
  self: Record<string, unknown>;
  /** The folder inline targets' `require` resolves from (the parent's entry's). */
  baseDir: string;
}

/** A running (or ended) child, as one context runs it. */
export interface StartedChild {
  /** The child's OS process id. */
  readonly pid: number;
  /** Its thread id (thread context) or pid (process context). */
  readonly ident: number;
  /** Resolves once the child has ended and its output has been written out. */
  readonly ended: Promise<void>;
  /** null while running; Python's exit code once ended (or stopped). */
  exitCode(): number | null;
  /** Blocks this thread until the child has ended, at most `timeout` ms. */
  waitSync(timeout: number | undefined): void;
  /** Stops it at once: SIGTERM (terminate) or SIGKILL (kill). */
  stop(signal: 'SIGTERM' | 'SIGKILL'): void;
  /** Whether it keeps this thread's event loop alive. */
  ref(): void;
  unref(): void;
  /** For wait(): resolves once it has ended; rejects with the reason on abort. */
  whenEnded(signal: AbortSignal): Promise<unknown>;
}

/** `options`: the process context's own (the thread context refuses them). */
export type StartChild = (start: ChildStart, identity: WorkerIdentity, options: ChildOptions) => StartedChild;
