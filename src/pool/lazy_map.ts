import type { JobSink } from './dispatcher';

/** Chunks a lazy map holds (submitted and not yet consumed) per worker, plus
 *  one: a worker's next chunk is queued while it runs one, and the consumer
 *  reads a third, so at most (2 × workers + 1) × chunksize items are read ahead. */
const CHUNKS_PER_WORKER = 2;

interface Chunk {
  id: number;
  size: number;
  /** Next item to hand out. */
  cursor: number;
  settled: boolean;
  results?: ArrayLike<unknown>;
  errors?: Map<number, unknown> | null;
  failure?: unknown;
}

export interface LazyMapSource {
  /** Queues one chunk as a job and returns its id; throws if the pool stopped. */
  submit(items: unknown[], sink: JobSink): number;
  /** `stopRunning`: the caller aborted, so a running chunk's worker is stopped. */
  cancel(id: number, stopRunning: boolean): void;
  /** Throws a TypeError naming the item if it cannot be sent. */
  validate(item: unknown, index: number): void;
  /** Called once when this map will submit no more work. */
  release(): void;
}

/**
 * `imap`/`imapUnordered`: pulls the input lazily, keeps a bounded number of
 * chunks in flight, and hands results out in input order or completion order.
 * An item's error rejects `next()` at that item's position; iteration can go on.
 */
export class LazyMap<R> implements AsyncIterableIterator<R> {
  readonly #pool: LazyMapSource;
  readonly #input: Iterator<unknown> | AsyncIterator<unknown>;
  readonly #chunksize: number;
  readonly #window: number;
  readonly #ordered: boolean;
  readonly #signal: AbortSignal | undefined;
  /** Ordered: every unconsumed chunk in input order. Unordered: settled unconsumed chunks. */
  #chunks: Chunk[] = [];
  #inFlight = new Set<Chunk>();
  #pulled = 0;
  #inputDone = false;
  /** Reading or sending the input failed: thrown after the items before it. */
  #inputError: { error: unknown } | undefined;
  /** The pool was closed: read the rest of the input now, window or not. */
  #unbounded = false;
  #finished = false;
  #changed!: Promise<void>;
  #notify!: () => void;
  #serial: Promise<unknown> = Promise.resolve();

  constructor(pool: LazyMapSource, input: Iterator<unknown> | AsyncIterator<unknown>, options: {
    chunksize: number; workers: number; ordered: boolean; signal?: AbortSignal;
  }) {
    this.#pool = pool;
    this.#input = input;
    this.#chunksize = options.chunksize;
    this.#window = CHUNKS_PER_WORKER * options.workers + 1;
    this.#ordered = options.ordered;
    this.#signal = options.signal;
    this.#renew();
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Calls are served one at a time, in the order they were made. */
  next(): Promise<IteratorResult<R>> {
    const result = this.#serial.then(() => this.#next());
    this.#serial = result.catch(() => undefined);
    return result;
  }

  async return(): Promise<IteratorResult<R>> {
    await this.#stop();
    return { done: true, value: undefined };
  }

  /**
   * Queues the rest of the input at once, as Python's imap does when its pool
   * is closed: work asked for before close() still runs, and the pool can drain.
   */
  submitRest(): Promise<void> {
    this.#unbounded = true;
    const done = this.#serial.then(() => this.#fill());
    this.#serial = done;
    return done;
  }

  // Running chunks are stopped at once, not at the next call of next().
  readonly #onAbort = () => {
    this.#cancelInFlight(true);
    this.#notify();
  };

  #renew(): void {
    this.#changed = new Promise((resolve) => (this.#notify = resolve));
  }

  async #next(): Promise<IteratorResult<R>> {
    for (;;) {
      if (this.#finished) return { done: true, value: undefined };
      if (this.#signal?.aborted) {
        await this.#stop(true);
        throw this.#signal.reason;
      }
      await this.#fill();
      const head = this.#chunks[0];
      if (head && head.settled) return this.#take(head);
      if (!head && this.#inFlight.size === 0 && this.#inputDone) {
        const failed = this.#inputError;
        await this.#stop();
        if (failed) throw failed.error;
        return { done: true, value: undefined };
      }
      await this.#changed;
    }
  }

  #take(chunk: Chunk): IteratorResult<R> {
    const index = chunk.cursor++;
    if (chunk.cursor >= chunk.size) this.#chunks.shift();
    if (chunk.failure !== undefined) throw chunk.failure;
    if (chunk.errors?.has(index)) throw chunk.errors.get(index);
    return { done: false, value: chunk.results![index] as R };
  }

  /** Pulls input and submits chunks until the window is full or the input ends.
   *  Never throws: a failure ends the input and is kept for its position. */
  async #fill(): Promise<void> {
    while (!this.#inputDone && !this.#signal?.aborted && (this.#unbounded || this.#held() < this.#window)) {
      const items: unknown[] = [];
      try {
        while (items.length < this.#chunksize) {
          const step = await this.#input.next();
          if (step.done) {
            this.#endInput();
            break;
          }
          this.#pool.validate(step.value, this.#pulled++);
          items.push(step.value);
        }
        if (items.length > 0) this.#submit(items);
      } catch (error) {
        this.#inputError = { error };
        this.#endInput();
      }
    }
  }

  #endInput(): void {
    if (this.#inputDone) return;
    this.#inputDone = true;
    this.#pool.release();
  }

  /** Chunks submitted and not yet fully consumed. */
  #held(): number {
    return this.#ordered ? this.#chunks.length : this.#inFlight.size + this.#chunks.length;
  }

  #submit(items: unknown[]): void {
    const chunk: Chunk = { id: 0, size: items.length, cursor: 0, settled: false };
    const settle = () => {
      chunk.settled = true;
      this.#inFlight.delete(chunk);
      if (!this.#ordered) this.#chunks.push(chunk);
      const notify = this.#notify;
      this.#renew();
      notify();
    };
    chunk.id = this.#pool.submit(items, {
      settle: (results, errors) => {
        chunk.results = results;
        chunk.errors = errors;
        settle();
      },
      fail: (error) => {
        chunk.failure = error;
        settle();
      },
    });
    this.#inFlight.add(chunk);
    if (this.#ordered) this.#chunks.push(chunk);
  }

  #cancelInFlight(aborted: boolean): void {
    for (const chunk of this.#inFlight) this.#pool.cancel(chunk.id, aborted);
    this.#inFlight.clear();
  }

  async #stop(aborted = false): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#cancelInFlight(aborted);
    this.#chunks = [];
    if (!this.#inputDone) {
      this.#endInput();
      await this.#input.return?.();
    }
  }
}
