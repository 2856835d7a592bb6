// Entry point of every pool worker thread: attach to the pool's native queue,
// run the initializer, then take jobs until the pool closes.
import { parentPort, workerData } from 'node:worker_threads';
import { native, type TakenJob } from '../native';
import { reviveShared } from '../shared/handles';
import { toErrorRecord } from '../transfer/remote_error';
import { PROGRESS_WANTED, RESULT_BELL, TASK_BELL, type WorkerMessage, type WorkerStart } from '../pool/wire';
import { importParentPreloads, loadFunction } from './compile';
import { runJob, type AnyFunction } from './run_job';
import { countOutput, flushStdio, publishOutput, watchParent } from './stdio';

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

async function runAndReport(job: TakenJob): Promise<void> {
  // Counted only while a map wants per-item progress (it costs a store per item).
  const tag = Atomics.load(bell, PROGRESS_WANTED) > 0 ? BigInt(job.id % 2 ** 32) << 32n : undefined;
  const itemDone = tag === undefined ? undefined : (done: number) => Atomics.store(start.progress, start.slot, tag | BigInt(done));
  const { ok, format, payload } = await runJob(job, functions.get(job.functionId), functionFor, itemDone);
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
    await runAndReport(job);
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
