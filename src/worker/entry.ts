// Entry point of every pool worker thread: attach to the pool's native queue,
// run the initializer, then take jobs until the pool closes.
import { parentPort, workerData } from 'node:worker_threads';
import { native, type TakenJob } from '../native';
import { reviveShared } from '../shared/handles';
import { toErrorRecord } from '../transfer/remote_error';
import { CallMode, decodeJob, encodeResults, type ItemErrors } from '../transfer/codec';
import { PROGRESS_WANTED, RESULT_BELL, TASK_BELL, type WorkerMessage, type WorkerStart } from '../pool/wire';
import { importParentPreloads, loadFunction, taskError } from './compile';
import { countOutput, flushStdio, publishOutput, watchParent } from './stdio';

type AnyFunction = (...args: unknown[]) => unknown;

/** How long a worker runs jobs back to back before letting its event loop turn
 *  (timers, messages, and uncaught async errors of earlier tasks). */
const SLICE_MS = 20;

const start = workerData as WorkerStart;
watchParent(start.parentBlocked);
countOutput();
const core = native.NativeTaskPool.attach(start.poolId);
const bell = start.bell;
const functions = new Map<number, AnyFunction>();

async function functionFor(id: number): Promise<AnyFunction> {
  const known = functions.get(id);
  if (known) return known;
  const spec = core.functionSource(id);
  if (spec === null) throw new Error(`task function ${id} is not registered with this pool`);
  const fn = await loadFunction(spec, id, start.baseDir);
  functions.set(id, fn);
  return fn;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

async function runJob(job: TakenJob): Promise<void> {
  let results: unknown[] = [];
  let errors: ItemErrors | null = null;
  try {
    const [mode, items] = decodeJob(job.format, job.payload);
    const fn = functions.get(job.functionId) ?? (await functionFor(job.functionId));
    results = new Array(items.length);
    // Counted only while a map wants per-item progress (it costs a store per item).
    const tag = Atomics.load(bell, PROGRESS_WANTED) > 0 ? BigInt(job.id % 2 ** 32) << 32n : undefined;
    for (let i = 0; i < items.length; i++) {
      try {
        let value = mode === CallMode.Spread ? fn(...(items[i] as unknown[])) : fn(items[i]);
        if (isThenable(value)) value = await value;
        results[i] = value;
      } catch (error) {
        (errors ??= []).push([i, toErrorRecord(taskError(error, job.functionId))]);
      }
      if (tag !== undefined) Atomics.store(start.progress, start.slot, tag | BigInt(i + 1));
    }
  } catch (error) {
    // The function could not be loaded: the whole job fails with that error.
    errors = [[-1, toErrorRecord(error)]];
  }
  const flushed = flushStdio();
  if (flushed) await flushed;
  const { ok, format, payload } = encodeResults(results, errors);
  publishOutput(start.output, start.slot);
  core.complete(start.slot, job.id, ok, format, payload);
  Atomics.add(bell, RESULT_BELL, 1);
  Atomics.notify(bell, RESULT_BELL);
}

const turnEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function main(): Promise<void> {
  await importParentPreloads();
  if (start.initializer) {
    try {
      const init = await functionFor(start.initializer.functionId);
      await init(...(reviveShared(start.initializer.args) as unknown[]));
    } catch (error) {
      const message: WorkerMessage = { type: 'initializer-failed', error: toErrorRecord(error) };
      parentPort!.postMessage(message);
      process.exit(1);
    }
  }
  let done = 0;
  let sliceStart = performance.now();
  for (;;) {
    const seen = Atomics.load(bell, TASK_BELL);
    const job = core.take(start.slot);
    if (job === null) {
      if (core.state !== 0) break;
      const wait = Atomics.waitAsync(bell, TASK_BELL, seen);
      if (wait.async) await wait.value;
      sliceStart = performance.now();
      continue;
    }
    await runJob(job);
    if (start.maxTasksPerChild > 0 && ++done >= start.maxTasksPerChild) break;
    if (performance.now() - sliceStart > SLICE_MS) {
      await turnEventLoop();
      sliceStart = performance.now();
    }
  }
  // Exit even if task code left timers or sockets open: the pool decides when
  // workers live, not the tasks. Output first, so none is lost.
  await flushStdio();
  process.exit(0);
}

// The parent port keeps this thread alive while it sleeps on the doorbell
// (a pending Atomics.waitAsync does not).
parentPort!.on('message', () => {});
void main();
