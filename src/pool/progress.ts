import type { Dispatcher } from './dispatcher';

/** How often a running map reports the items its workers have done. */
const REPORT_MS = 50;

/**
 * `onProgress` per item rather than per chunk: while any map wants progress,
 * workers count the items of the job they run in shared memory (see
 * `Dispatcher.itemsDone`), and this reads the count ~20 times a second.
 * Calls only ever move forward; the last one, made as the last chunk
 * settles, has `done === total`.
 */
export class MapProgress {
  readonly #dispatcher: Dispatcher;
  readonly #total: number;
  readonly #onProgress: (done: number, total: number) => void;
  readonly #timer: NodeJS.Timeout;
  /** Items of settled jobs. */
  #settled = 0;
  #reported = 0;
  #stopped = false;

  /** `jobs`: the map's unsettled jobs, kept up to date by the caller. */
  constructor(dispatcher: Dispatcher, jobs: ReadonlySet<number>, total: number, onProgress: (done: number, total: number) => void) {
    this.#dispatcher = dispatcher;
    this.#total = total;
    this.#onProgress = onProgress;
    dispatcher.wantProgress(1);
    // The map's workers keep the process alive while it runs, not this timer.
    this.#timer = setInterval(() => this.#report(this.#settled + dispatcher.itemsDone(jobs)), REPORT_MS).unref();
  }

  /** A job of `items` items settled (call after removing it from `jobs`). */
  settled(items: number): void {
    this.#settled += items;
    if (this.#settled === this.#total) {
      this.stop();
      this.#report(this.#total);
    }
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#dispatcher.wantProgress(-1);
  }

  #report(done: number): void {
    if (done <= this.#reported) return;
    this.#reported = done;
    this.#onProgress(done, this.#total);
  }
}
