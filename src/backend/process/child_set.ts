import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { serialize, deserialize } from 'node:v8';
import { WorkerCrashedError } from '../../errors';
import { native, type NativeTaskPool } from '../../native';
import { WorkerSlots, poolWorkerIdentity, type Executor, type ExecutorEvents, type ExecutorStart } from '../../pool/executor';
import { PROGRESS_WANTED, RESULT_BELL, TASK_BELL } from '../../pool/wire';
import { fromErrorRecord, type ErrorRecord } from '../../transfer/remote_error';
import type { Channel } from './channel';
import { JOB_HEADER, RESULT_HEADER, ToChild, ToParent, type PoolChildStart } from './pool_wire';
import { exitCodeOf, spawnChild, type ChildOptions } from './spawn';

const ENTRY = join(__dirname, 'pool_entry.js');

/** This process's side of one child: the channel, and what was sent on it. */
interface Relay {
  child: ChildProcess;
  channel: Channel;
  /** Function ids whose spec the child has been sent. */
  known: Set<number>;
  /** The job handed to the child (taken for its slot) until its result came. */
  job: TakenJob | null;
  /** Jobs the child has finished (it exits after maxTasksPerChild). */
  finished: number;
  /** Given no more jobs: it was told to exit, or retires after its last. */
  released: boolean;
  /** Its initializer ran: it runs jobs. */
  ready: boolean;
  /** Killed by stop(): its job was cancelled. */
  stopped: boolean;
  /** What it said as it exited by itself (see ToParent.Exiting). */
  exiting?: { inJob: boolean; fatal?: unknown };
  initializerError?: ErrorRecord;
  spawnError?: Error;
}

/** A job handed to a child that exited before starting it goes to its
 *  replacement, once: a second such exit fails it. */
interface TakenJob extends NonNullable<ReturnType<NativeTaskPool['take']>> {
  carried?: boolean;
}

/**
 * The child processes of one process-context pool, one per slot. A child
 * cannot reach the native TaskPool (it lives in this process's memory), so
 * this process takes jobs for each child's slot and relays them on the
 * child's channel, one job in flight per child; results come back on the
 * channel and complete the job in the TaskPool as a worker thread would. The
 * Dispatcher, cancels, crashes and stops then work as in the thread context.
 */
export class ChildSet implements Executor {
  readonly #start: ExecutorStart;
  readonly #options: ChildOptions;
  readonly #events: ExecutorEvents;
  readonly #core: NativeTaskPool;
  readonly #slots: WorkerSlots<Relay>;
  readonly #stopping = new Set<ChildProcess>();
  #watching = false;

  constructor(size: number, start: ExecutorStart, options: ChildOptions, events: ExecutorEvents) {
    this.#start = start;
    this.#options = options;
    this.#events = events;
    this.#core = native.NativeTaskPool.attach(start.poolId);
    this.#slots = new WorkerSlots(size, refRelay);
    for (let slot = 0; slot < size; slot++) this.spawn(slot);
  }

  get alive(): number {
    return this.#slots.alive;
  }

  /** `carried`: a job the slot's previous child was handed but never started. */
  spawn(slot: number, carried?: TakenJob): void {
    const { child, channel } = spawnChild(ENTRY, poolWorkerIdentity(), { ...this.#options, resourceLimits: this.#start.resourceLimits }, (type, body) => this.#onFrame(relay, type, body));
    const relay: Relay = { child, channel, known: new Set(), job: null, finished: 0, released: false, ready: false, stopped: false };
    const { initializer } = this.#start;
    const start: PoolChildStart = {
      slot,
      parentPid: process.pid,
      baseDir: this.#start.baseDir,
      maxTasksPerChild: this.#start.maxTasksPerChild,
      initializer: initializer && { ...initializer, spec: this.#core.functionSource(initializer.functionId)! },
    };
    channel.send(ToChild.Start, serialize(start));
    child.on('error', (error) => {
      // A failed spawn; 'close' follows.
      relay.spawnError = error;
    });
    // 'close', not 'exit': it comes once the channel is read to its end, so a
    // result sent just before the child exited is delivered first.
    child.on('close', (code, signal) => this.#slots.remove(slot, () => this.#onClose(slot, relay, code, signal)));
    this.#slots.add(slot, relay);
    if (carried) this.#send(relay, carried);
    else this.#feed(slot);
    this.#watchQueue();
  }

  #onClose(slot: number, relay: Relay, code: number | null, signal: NodeJS.Signals | null): void {
    const { job, exiting } = relay;
    if (this.#stopping.delete(relay.child)) {
      // Asked to exit (terminateAll): nothing to report.
    } else if (relay.initializerError) {
      this.#events.onInitializerFailed(fromErrorRecord(relay.initializerError));
    } else if (!relay.ready && !relay.released && !relay.stopped) {
      // A replacement would fail too (a bad flag or loader, a spawn error, an
      // initializer that exits): a clear error rather than endless respawns.
      const what = relay.spawnError
        ? `could not be started (${relay.spawnError.message}; check the Pool's cwd and env)`
        : `${signal ? `was killed by ${signal}` : `exited with code ${code}`} before it could run tasks (see its stderr; check the Pool's execArgv, env, cwd and initializer)`;
      this.#events.onStartFailed(`a worker process ${what}`, relay.spawnError);
    } else if (job !== null && !job.carried && exiting?.inJob === false && !relay.stopped) {
      job.carried = true;
      this.spawn(slot, job);
    } else {
      this.#events.onUnexpectedExit(slot, new WorkerCrashedError(exitCodeOf(code, signal), exiting?.fatal, signal ?? undefined));
    }
  }

  outputWritten(): undefined {
    // Children write to this process's stdout/stderr themselves (inherited
    // fds), before they send the result: nothing to wait for.
    return undefined;
  }

  setRef(busy: boolean): void {
    this.#slots.setRef(busy);
  }

  allExited(): Promise<void> {
    return this.#slots.allExited();
  }

  stop(slot: number): void {
    const relay = this.#slots.workers[slot];
    if (relay === null) return;
    relay.stopped = true;
    relay.child.kill('SIGKILL');
  }

  terminateAll(): Promise<void> {
    for (const relay of this.#slots.workers) {
      if (relay) {
        this.#stopping.add(relay.child);
        relay.child.kill('SIGKILL');
      }
    }
    return this.allExited();
  }

  // Jobs are queued (and the pool closed) by ringing the task bell; a pending
  // waitAsync does not keep the process alive.
  #watchQueue(): void {
    if (this.#watching) return;
    this.#watching = true;
    void (async () => {
      const bell = this.#start.bell;
      while (this.alive > 0) {
        const seen = Atomics.load(bell, TASK_BELL);
        for (let slot = 0; slot < this.#slots.workers.length; slot++) this.#feed(slot);
        const wait = Atomics.waitAsync(bell, TASK_BELL, seen);
        if (wait.async) await wait.value;
      }
      this.#watching = false;
    })();
  }

  /** Hands the child of `slot` its next job, if it has none. */
  #feed(slot: number): void {
    const relay = this.#slots.workers[slot];
    if (relay === null || relay.job !== null || relay.released) return;
    const job = this.#core.take(slot);
    if (job === null) {
      if (this.#core.state !== 0) {
        relay.released = true;
        relay.channel.send(ToChild.Exit);
      }
      return;
    }
    this.#send(relay, job);
  }

  #send(relay: Relay, job: TakenJob): void {
    if (!relay.known.has(job.functionId)) {
      relay.known.add(job.functionId);
      const head = Buffer.allocUnsafe(4);
      head.writeUInt32LE(job.functionId, 0);
      relay.channel.send(ToChild.Function, head, Buffer.from(this.#core.functionSource(job.functionId)!, 'utf8'));
    }
    const head = Buffer.allocUnsafe(JOB_HEADER);
    head.writeDoubleLE(job.id, 0);
    head.writeUInt32LE(job.functionId, 8);
    head.writeUInt32LE(job.format, 12);
    head[16] = Atomics.load(this.#start.bell, PROGRESS_WANTED) > 0 ? 1 : 0;
    relay.job = job;
    relay.channel.send(ToChild.Job, head, job.payload);
  }

  #onFrame(relay: Relay, type: number, body: Buffer): void {
    const slot = this.#slots.workers.indexOf(relay);
    if (slot < 0) return;
    switch (type) {
      case ToParent.Result: {
        const id = body.readDoubleLE(0);
        this.#core.complete(slot, id, body[8] === 1, body.readUInt32LE(9), body.subarray(RESULT_HEADER));
        relay.job = null;
        const max = this.#start.maxTasksPerChild;
        if (max > 0 && ++relay.finished >= max) relay.released = true;
        const bell = this.#start.bell;
        Atomics.add(bell, RESULT_BELL, 1);
        Atomics.notify(bell, RESULT_BELL);
        this.#feed(slot);
        break;
      }
      case ToParent.Progress: {
        const id = body.readDoubleLE(0);
        Atomics.store(this.#start.progress, slot, (BigInt(id % 2 ** 32) << 32n) | BigInt(body.readUInt32LE(8)));
        break;
      }
      case ToParent.InitializerFailed:
        relay.initializerError = deserialize(body) as ErrorRecord;
        break;
      case ToParent.Ready:
        relay.ready = true;
        break;
      case ToParent.Exiting:
        relay.exiting = { inJob: body[0] === 1, fatal: body.length > 1 ? fromErrorRecord(deserialize(body.subarray(1)) as ErrorRecord) : undefined };
        break;
    }
  }
}

function refRelay(relay: Relay, ref: boolean): void {
  if (ref) {
    relay.child.ref();
    relay.channel.socket.ref();
  } else {
    relay.child.unref();
    relay.channel.socket.unref();
  }
}
