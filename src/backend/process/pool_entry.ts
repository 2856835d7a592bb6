// Entry point of a process-context pool worker: a `node` child that receives
// jobs on fd 3 from its pool (see child_set.ts), runs them, and reports back.
import { deserialize, serialize } from 'node:v8';
import { native } from '../../native';
// Loaded first thing: it takes this child's identity out of the environment
// before a task can see it.
import '../../process_info';
import { reviveShared } from '../../shared/handles';
import { toErrorRecord } from '../../transfer/remote_error';
import { loadFunction } from '../../worker/compile';
import { runJob, type AnyFunction, type JobToRun } from '../../worker/run_job';
import { flushStdio } from '../../worker/stdio';
import { parentChannel, writeFrameSync } from './channel';
import { JOB_HEADER, RESULT_HEADER, ToChild, ToParent, type PoolChildStart } from './pool_wire';

const CHANNEL_FD = 3;
/** Least time between two progress reports of a running job. */
const PROGRESS_MS = 25;

let start: PoolChildStart | undefined;
const specs = new Map<number, string>();
const functions = new Map<number, AnyFunction>();
const jobs: (JobToRun & { countProgress: boolean })[] = [];
let ready = false;
let running = false;
let exiting = false;
let done = 0;
/** A job has started and its result is not yet sent. */
let inJob = false;
/** The uncaught error (or rejection) this child is dying of. */
let fatal: { error: unknown } | undefined;

process.on('uncaughtExceptionMonitor', (error) => {
  // Task code that handles uncaught errors itself keeps the child alive.
  if (process.listenerCount('uncaughtException') === 0) fatal = { error };
});
// Before Node prints an uncaught error and the child ends: the parent then
// knows whether the job it handed over had started (if not, a replacement
// runs it) and what crashed the child.
process.on('exit', () => {
  try {
    const parts = [Buffer.of(inJob ? 1 : 0)];
    if (fatal) parts.push(serialize(toErrorRecord(fatal.error)));
    writeFrameSync(CHANNEL_FD, ToParent.Exiting, ...parts);
  } catch {
    // The parent is gone.
  }
});

async function functionFor(id: number): Promise<AnyFunction> {
  const known = functions.get(id);
  if (known) return known;
  const spec = specs.get(id);
  if (spec === undefined) throw new Error(`task function ${id} was not sent to this worker`);
  const fn = await loadFunction(spec, id, start!.baseDir);
  functions.set(id, fn);
  return fn;
}

function reportProgress(id: number): (done: number) => void {
  let last = 0;
  return (items) => {
    const now = performance.now();
    if (now - last < PROGRESS_MS) return;
    last = now;
    const body = Buffer.allocUnsafe(12);
    body.writeDoubleLE(id, 0);
    body.writeUInt32LE(items, 8);
    writeFrameSync(CHANNEL_FD, ToParent.Progress, body);
  };
}

async function exit(code: number): Promise<never> {
  await flushStdio();
  process.exit(code);
}

async function runQueued(): Promise<void> {
  if (running || !ready) return;
  running = true;
  while (jobs.length > 0) {
    const job = jobs.shift()!;
    inJob = true;
    const { ok, format, payload } = await runJob(job, functions.get(job.functionId), functionFor, job.countProgress ? reportProgress(job.id) : undefined);
    const head = Buffer.allocUnsafe(RESULT_HEADER);
    head.writeDoubleLE(job.id, 0);
    head[8] = ok ? 1 : 0;
    head.writeUInt32LE(format, 9);
    writeFrameSync(CHANNEL_FD, ToParent.Result, head, payload);
    inJob = false;
    if (start!.maxTasksPerChild > 0 && ++done >= start!.maxTasksPerChild) await exit(0);
  }
  running = false;
  // Exit even if task code left timers or sockets open: the pool decides when
  // workers live, not the tasks.
  if (exiting) await exit(0);
}

async function begin(): Promise<void> {
  const { initializer } = start!;
  if (initializer) {
    try {
      specs.set(initializer.functionId, initializer.spec);
      const init = await functionFor(initializer.functionId);
      await init(...(reviveShared(initializer.args) as unknown[]));
    } catch (error) {
      writeFrameSync(CHANNEL_FD, ToParent.InitializerFailed, serialize(toErrorRecord(error)));
      await exit(1);
    }
  }
  ready = true;
  writeFrameSync(CHANNEL_FD, ToParent.Ready);
  void runQueued();
}

const channel = parentChannel((type, body) => {
  switch (type) {
    case ToChild.Start:
      start = deserialize(body) as PoolChildStart;
      native.dieWithParent(start.parentPid);
      void begin();
      break;
    case ToChild.Function:
      specs.set(body.readUInt32LE(0), body.toString('utf8', 4));
      break;
    case ToChild.Job:
      jobs.push({
        id: body.readDoubleLE(0),
        functionId: body.readUInt32LE(8),
        format: body.readUInt32LE(12),
        countProgress: body[16] === 1,
        payload: body.subarray(JOB_HEADER),
      });
      void runQueued();
      break;
    case ToChild.Exit:
      exiting = true;
      if (!running) void exit(0);
      break;
  }
});
// The parent is gone (its end of the channel closed): nothing more will come.
channel.socket.on('end', () => void exit(0));
channel.socket.on('close', () => void exit(0));
