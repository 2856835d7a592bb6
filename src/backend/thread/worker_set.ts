import { join } from 'node:path';
import { Worker, threadId } from 'node:worker_threads';
import { WorkerCrashedError } from '../../errors';
import { waitUntil } from '../../event_loop';
import { addonForWorkers } from '../../native';
import { IDENTITY_KEY, currentProcess, type WorkerIdentity } from '../../process_info';
import { nextPoolWorkerName, type Executor, type ExecutorEvents, type ExecutorStart } from '../../pool/executor';
import { fromErrorRecord, type ErrorRecord } from '../../transfer/remote_error';
import { blockedFlag } from '../../worker/stdio';
import type { WorkerMessage, WorkerStart } from '../../pool/wire';

const ENTRY = join(__dirname, '..', '..', 'worker', 'entry.js');

/** Longest a result waits for the output its worker printed before it. */
const OUTPUT_WAIT_MS = 2000;

/**
 * The worker threads of one pool, one per slot. Workers are unref'd while the
 * pool has no work, so an idle pool never keeps the process alive.
 */
export class WorkerSet implements Executor {
  readonly #start: Omit<WorkerStart, 'slot' | 'output'>;
  readonly #resourceLimits: ExecutorStart['resourceLimits'];
  readonly #events: ExecutorEvents;
  readonly #workers: (Worker | null)[];
  readonly #stopping = new Set<Worker>();
  /** Per slot, bytes of console output its worker wrote before its last
   *  result (shared with it), and bytes received here (mod 2^32). */
  readonly #written: Int32Array;
  readonly #received: Int32Array;
  #ref = false;
  /** Someone awaits allExited(): keep the workers ref'd until they are gone. */
  #joining = false;
  #exitWaiters: (() => void)[] = [];

  constructor(size: number, { resourceLimits, ...start }: ExecutorStart, events: ExecutorEvents) {
    this.#start = { ...start, parentBlocked: blockedFlag };
    this.#resourceLimits = resourceLimits;
    this.#events = events;
    this.#workers = new Array(size).fill(null);
    this.#written = new Int32Array(new SharedArrayBuffer(size * Int32Array.BYTES_PER_ELEMENT));
    this.#received = new Int32Array(size);
    for (let slot = 0; slot < size; slot++) this.spawn(slot);
  }

  get alive(): number {
    return this.#workers.filter((w) => w !== null).length;
  }

  spawn(slot: number): void {
    const parent = currentProcess();
    const identity: WorkerIdentity = {
      name: nextPoolWorkerName(),
      daemon: true,
      parent: { name: parent.name, ident: threadId },
    };
    Atomics.store(this.#written, slot, 0);
    this.#received[slot] = 0;
    const start: WorkerStart = { ...this.#start, slot, output: this.#written };
    const worker = new Worker(ENTRY, {
      workerData: { ...start, [IDENTITY_KEY]: identity, ...addonForWorkers },
      resourceLimits: this.#resourceLimits,
    });
    // Emitted as the output is written to this process's stdout/stderr (piped).
    const received = (chunk: Buffer) => {
      if (this.#workers[slot] === worker) this.#received[slot] += chunk.length;
    };
    worker.stdout.on('data', received);
    worker.stderr.on('data', received);
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
        if (error && typeof error === 'object' && 'initializer' in error) this.#events.onInitializerFailed(fromErrorRecord(error.initializer as ErrorRecord));
        else this.#events.onUnexpectedExit(slot, new WorkerCrashedError(code, error));
      }
      if (this.alive === 0) for (const resolve of this.#exitWaiters.splice(0)) resolve();
    });
    if (!this.#ref) worker.unref();
    this.#workers[slot] = worker;
  }

  /**
   * Resolves once the console output the workers wrote before their results
   * so far has reached this process's stdout/stderr (undefined: it has).
   * Output written later, or by a worker that exited meanwhile, is not waited
   * for; nor, past OUTPUT_WAIT_MS, output that a worker could not hand over
   * (its parent was blocked in a *Sync wait, see worker/stdio.ts).
   */
  outputWritten(): Promise<void> | undefined {
    const marks: [slot: number, worker: Worker, bytes: number][] = [];
    for (let slot = 0; slot < this.#workers.length; slot++) {
      const worker = this.#workers[slot];
      if (worker !== null) marks.push([slot, worker, Atomics.load(this.#written, slot)]);
    }
    const behind = () => marks.some(([slot, worker, bytes]) => this.#workers[slot] === worker && ((bytes - this.#received[slot]) | 0) > 0);
    if (!behind()) return undefined;
    return waitUntil(() => !behind(), OUTPUT_WAIT_MS);
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
