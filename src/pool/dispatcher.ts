import { native, type NativeTaskPool, type FinishedJob } from '../native';
import { poolNotRunning } from '../errors';
import { decodeResults, encodeJob, type CallMode } from '../transfer/codec';
import { fromErrorRecord } from '../transfer/remote_error';
import { shareIds, type ShareRecord } from '../shared/handles';
import { BELL_SLOTS, PROGRESS_WANTED, RESULT_BELL, TASK_BELL } from './wire';

/** Receives the outcome of one job; never called before submit() has returned its id. */
export interface JobSink {
  /** `errors` maps item index to the error that item raised (null: none did). */
  settle(results: ArrayLike<unknown>, errors: Map<number, unknown> | null): void;
  /** The whole job failed (its worker crashed, the pool was terminated). */
  fail(error: unknown): void;
}

export interface DispatcherEvents {
  /** Whether any job is unfinished (workers keep the process alive only then). */
  onBusyChange(busy: boolean): void;
  /** The worker of `slot` runs an aborted job: stop it (it takes no other job). */
  onRunawayJob(slot: number): void;
  /** Resolves once the workers' output written so far has been printed here (see WorkerSet). */
  outputWritten(): Promise<void> | undefined;
}

/** How many finished jobs one native call hands back. */
const DRAIN_BATCH = 1024;

/**
 * Moves jobs into the native queue and finished jobs back to their sinks.
 * Results arrive in batches: workers ring the result doorbell, and one
 * wake-up of this thread drains every job finished by then.
 */
export class Dispatcher {
  readonly core: NativeTaskPool;
  readonly bell = new Int32Array(new SharedArrayBuffer(BELL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  readonly progress: BigUint64Array;
  #jobs = new Map<number, JobSink>();
  #nextJobId = 1;
  #ringScheduled = false;
  #pumping = false;
  /** Drained from the core, waiting for their workers' output (see #pump). */
  readonly #undelivered = new Set<number>();
  readonly #events: DispatcherEvents;

  constructor(slots: number, events: DispatcherEvents) {
    this.core = new native.NativeTaskPool(slots);
    this.progress = new BigUint64Array(new SharedArrayBuffer(slots * BigUint64Array.BYTES_PER_ELEMENT));
    this.#events = events;
  }

  /** Workers count the items of their jobs while `wantProgress` sums above 0. */
  wantProgress(delta: 1 | -1): void {
    Atomics.add(this.bell, PROGRESS_WANTED, delta);
  }

  /** Items done so far in those of `jobs` that workers are running. */
  itemsDone(jobs: ReadonlySet<number>): number {
    let done = 0;
    for (let slot = 0; slot < this.progress.length; slot++) {
      const word = Atomics.load(this.progress, slot);
      if (jobs.has(Number(word >> 32n))) done += Number(word & 0xffffffffn);
    }
    return done;
  }

  get busy(): boolean {
    return this.#jobs.size > 0;
  }

  /** Queues `items` as one job; throws if the pool no longer accepts work.
   *  `shared`: the shared objects replaced by markers in `items`. */
  submit(functionId: number, mode: CallMode, items: ArrayLike<unknown>, sink: JobSink, shared?: ShareRecord[]): number {
    const id = this.#nextJobId++;
    const hasShared = shared !== undefined && shared.length > 0;
    const { format, payload } = encodeJob(mode, items, hasShared);
    if (!this.core.submit(id, functionId, format, payload, hasShared ? shareIds(shared) : undefined)) throw poolNotRunning();
    this.#jobs.set(id, sink);
    if (this.#jobs.size === 1) this.#events.onBusyChange(true);
    this.#ringSoon();
    this.#pumpSoon();
    return id;
  }

  /** Forgets a job: a queued job is skipped, a running one's result dropped;
   *  with `stopRunning` (abort, timeout) a running one's worker is stopped too. */
  cancel(id: number, stopRunning = false): void {
    if (!this.#jobs.delete(id)) return;
    const slot = this.#undelivered.has(id) ? null : this.core.cancel(id, stopRunning);
    if (this.#jobs.size === 0) this.#events.onBusyChange(false);
    if (slot !== null) this.#events.onRunawayJob(slot);
  }

  /** Fails the job a dead worker held, if any. */
  failHeld(slot: number, error: unknown): void {
    const id = this.core.releaseSlot(slot);
    const sink = id === null ? undefined : this.#jobs.get(id);
    if (sink === undefined) return;
    this.#jobs.delete(id!);
    if (this.#jobs.size === 0) this.#events.onBusyChange(false);
    sink.fail(error);
  }

  /** Drops every queued job and fails every unfinished one with `error`. */
  terminate(error: unknown): void {
    this.core.terminate();
    this.wakeWorkers();
    const sinks = [...this.#jobs.values()];
    this.#jobs.clear();
    if (sinks.length > 0) this.#events.onBusyChange(false);
    for (const sink of sinks) sink.fail(error);
  }

  close(): void {
    this.core.close();
    this.wakeWorkers();
  }

  wakeWorkers(): void {
    Atomics.add(this.bell, TASK_BELL, 1);
    Atomics.notify(this.bell, TASK_BELL);
  }

  /** Delivers whatever has finished, without waiting. */
  drainNow(): void {
    for (;;) {
      const finished = this.core.drain(DRAIN_BATCH);
      for (const job of finished) this.#deliver(job);
      if (finished.length < DRAIN_BATCH) return;
    }
  }

  // One doorbell ring per turn, however many jobs were queued in it.
  #ringSoon(): void {
    if (this.#ringScheduled) return;
    this.#ringScheduled = true;
    queueMicrotask(() => {
      this.#ringScheduled = false;
      this.wakeWorkers();
    });
  }

  // Invariant: a sink is never settled inside submit(). A busy worker can take
  // and finish a job before submit() returns; a pump started synchronously
  // would deliver it to a caller that has not yet recorded the job's id.
  #pumpSoon(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    queueMicrotask(() => void this.#pump());
  }

  async #pump(): Promise<void> {
    try {
      while (this.#jobs.size > 0) {
        const seen = Atomics.load(this.bell, RESULT_BELL);
        const finished = this.core.drain(DRAIN_BATCH);
        if (finished.length > 0) {
          // A result must not overtake the output its worker printed before it
          // (see worker/stdio.ts). Jobs cancelled meanwhile are finished: the
          // core must not mark them (the mark would never be cleared).
          const printed = this.#events.outputWritten();
          if (printed) {
            for (const job of finished) this.#undelivered.add(job.id);
            await printed;
            this.#undelivered.clear();
          }
          for (const job of finished) this.#deliver(job);
          continue;
        }
        // A pending waitAsync does not keep the process alive; busy workers do.
        const wait = Atomics.waitAsync(this.bell, RESULT_BELL, seen);
        if (wait.async) await wait.value;
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Wakes the pump so it notices jobs settled outside it. */
  ringResults(): void {
    Atomics.add(this.bell, RESULT_BELL, 1);
    Atomics.notify(this.bell, RESULT_BELL);
  }

  #deliver(job: FinishedJob): void {
    const sink = this.#jobs.get(job.id);
    if (sink === undefined) return; // cancelled or aborted: its result is dropped
    this.#jobs.delete(job.id);
    if (this.#jobs.size === 0) this.#events.onBusyChange(false);
    const { results, errors: failed } = decodeResults(job.ok, job.format, job.payload);
    if (failed === null) {
      sink.settle(results, null);
      return;
    }
    const errors = new Map<number, unknown>();
    for (const [index, record] of failed) errors.set(index, fromErrorRecord(record));
    if (errors.has(-1)) {
      sink.fail(errors.get(-1));
      return;
    }
    sink.settle(results, errors);
  }
}
