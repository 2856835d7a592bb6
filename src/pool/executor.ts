// What a Pool needs from whatever runs its jobs: worker threads
// (backend/thread/worker_set.ts) or child processes (backend/process/child_set.ts).
// Both take jobs from the same native TaskPool, so queueing, cancelling and
// failing jobs (Dispatcher) is the same for every context.
import type { ResourceLimits } from 'node:worker_threads';
import type { WorkerCrashedError } from '../errors';
import { currentProcess, type WorkerIdentity } from '../process_info';

export interface ExecutorEvents {
  /** A worker exited without being asked to (crash, process.exit, retirement). */
  onUnexpectedExit(slot: number, error: WorkerCrashedError): void;
  /** The initializer threw in a worker (its error, revived). */
  onInitializerFailed(error: unknown): void;
  /** A worker could not start, and a replacement would not either. */
  onStartFailed(reason: string, cause?: unknown): void;
}

/** What every worker of a pool starts with, whatever runs it. */
export interface ExecutorStart {
  poolId: number;
  bell: Int32Array;
  /** Per slot: the running job's id (mod 2^32) << 32 | its items done so far. */
  progress: BigUint64Array;
  /** Folder inline functions' `require` and relative `import()` resolve from. */
  baseDir: string;
  maxTasksPerChild: number;
  initializer?: { functionId: number; args: unknown[] };
  resourceLimits?: ResourceLimits;
}

/** One worker per slot; an idle pool's workers never keep the process alive. */
export interface Executor {
  readonly alive: number;
  /** Starts the worker of `slot` (at start, and to replace one that exited). */
  spawn(slot: number): void;
  /** Resolves once the output workers printed before their results so far has
   *  reached this process's stdout/stderr (undefined: it has). */
  outputWritten(): Promise<void> | undefined;
  /** Whether the workers keep the process alive (always while joining). */
  setRef(busy: boolean): void;
  /** Resolves once every worker has exited (they are kept ref'd meanwhile). */
  allExited(): Promise<void>;
  /** Stops one worker at once; reported as an unexpected exit, so it is replaced. */
  stop(slot: number): void;
  /** Stops every worker at once, even one stuck in an endless loop. */
  terminateAll(): Promise<void>;
}

let poolWorkers = 0;

/** Python names pool workers by a count across all pools of the process. */
function nextPoolWorkerName(): string {
  return `PoolWorker-${++poolWorkers}`;
}

/** Who a pool worker is, for its currentProcess() and parentProcess(). */
export function poolWorkerIdentity(): WorkerIdentity {
  const parent = currentProcess();
  return { name: nextPoolWorkerName(), daemon: true, parent: { name: parent.name, ident: parent.ident, pid: process.pid } };
}

/**
 * An executor's worker per slot, and whether they keep the process alive:
 * only while the pool has work, and always while someone awaits allExited().
 */
export class WorkerSlots<W> {
  readonly workers: (W | null)[];
  readonly #refWorker: (worker: W, ref: boolean) => void;
  #ref = false;
  #joining = false;
  #exitWaiters: (() => void)[] = [];

  constructor(size: number, refWorker: (worker: W, ref: boolean) => void) {
    this.workers = new Array(size).fill(null);
    this.#refWorker = refWorker;
  }

  get alive(): number {
    return this.workers.filter((worker) => worker !== null).length;
  }

  /** `worker` now runs `slot`. */
  add(slot: number, worker: W): void {
    this.workers[slot] = worker;
    this.#refWorker(worker, this.#ref);
  }

  /** The worker of `slot` has exited; `report` (which may start a
   *  replacement) runs before allExited() can resolve. */
  remove(slot: number, report: () => void): void {
    this.workers[slot] = null;
    report();
    if (this.alive === 0) for (const resolve of this.#exitWaiters.splice(0)) resolve();
  }

  setRef(busy: boolean): void {
    const ref = busy || this.#joining;
    if (this.#ref === ref) return;
    this.#ref = ref;
    for (const worker of this.workers) if (worker !== null) this.#refWorker(worker, ref);
  }

  allExited(): Promise<void> {
    if (this.alive === 0) return Promise.resolve();
    this.#joining = true;
    this.setRef(true);
    return new Promise((resolve) => this.#exitWaiters.push(resolve));
  }
}
