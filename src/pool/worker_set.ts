import { join } from 'node:path';
import { Worker, threadId, type ResourceLimits } from 'node:worker_threads';
import { addonForWorkers } from '../native';
import { IDENTITY_KEY, currentProcess, type WorkerIdentity } from '../process_info';
import type { WorkerMessage, WorkerStart } from './wire';

const ENTRY = join(__dirname, '..', 'worker', 'entry.js');

let poolWorkerCount = 0;

export interface WorkerSetEvents {
  /** A worker exited without being asked to (crash, process.exit, retirement). */
  onUnexpectedExit(slot: number, exitCode: number, error: unknown): void;
  onInitializerFailed(error: unknown): void;
}

/**
 * The worker threads of one pool, one per slot. Workers are unref'd while the
 * pool has no work, so an idle pool never keeps the process alive.
 */
export class WorkerSet {
  readonly #start: Omit<WorkerStart, 'slot'>;
  readonly #resourceLimits: ResourceLimits | undefined;
  readonly #events: WorkerSetEvents;
  readonly #workers: (Worker | null)[];
  readonly #stopping = new Set<Worker>();
  #ref = false;
  /** Someone awaits allExited(): keep the workers ref'd until they are gone. */
  #joining = false;
  #exitWaiters: (() => void)[] = [];

  constructor(size: number, start: Omit<WorkerStart, 'slot'>, resourceLimits: ResourceLimits | undefined, events: WorkerSetEvents) {
    this.#start = start;
    this.#resourceLimits = resourceLimits;
    this.#events = events;
    this.#workers = new Array(size).fill(null);
    for (let slot = 0; slot < size; slot++) this.spawn(slot);
  }

  get alive(): number {
    return this.#workers.filter((w) => w !== null).length;
  }

  spawn(slot: number): void {
    const parent = currentProcess();
    const identity: WorkerIdentity = {
      name: `PoolWorker-${++poolWorkerCount}`,
      daemon: true,
      parent: { name: parent.name, ident: threadId },
    };
    const worker = new Worker(ENTRY, {
      workerData: { ...this.#start, slot, [IDENTITY_KEY]: identity, ...addonForWorkers },
      resourceLimits: this.#resourceLimits,
    });
    let error: unknown;
    worker.on('error', (e) => {
      error = e;
    });
    worker.on('message', (message: WorkerMessage) => {
      if (message?.type === 'initializer-failed') error = { initializer: message.error };
    });
    worker.on('exit', (code) => {
      this.#workers[slot] = null;
      const asked = this.#stopping.delete(worker);
      if (!asked) {
        if (error && typeof error === 'object' && 'initializer' in error) this.#events.onInitializerFailed(error.initializer);
        else this.#events.onUnexpectedExit(slot, code, error);
      }
      if (this.alive === 0) for (const resolve of this.#exitWaiters.splice(0)) resolve();
    });
    if (!this.#ref) worker.unref();
    this.#workers[slot] = worker;
  }

  /** Whether the workers keep the process alive (always while joining). */
  setRef(busy: boolean): void {
    const ref = busy || this.#joining;
    if (this.#ref === ref) return;
    this.#ref = ref;
    for (const worker of this.#workers) {
      if (worker) (ref ? worker.ref() : worker.unref());
    }
  }

  /** Resolves once every worker has exited (they are kept ref'd meanwhile). */
  allExited(): Promise<void> {
    if (this.alive === 0) return Promise.resolve();
    this.#joining = true;
    this.setRef(true);
    return new Promise((resolve) => this.#exitWaiters.push(resolve));
  }

  /** Stops one worker at once; its exit is reported as unexpected, so it is
   *  replaced and whatever its slot still holds is failed. */
  stop(slot: number): void {
    void this.#workers[slot]?.terminate();
  }

  /** Stops every worker at once, even one stuck in an endless loop. */
  terminateAll(): Promise<void> {
    for (const worker of this.#workers) {
      if (worker) {
        this.#stopping.add(worker);
        void worker.terminate();
      }
    }
    return this.allExited();
  }
}
