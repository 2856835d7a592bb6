// Running one job's items, the same in a worker thread and a process-context
// child: only where the job comes from and where its results go differ.
import { toErrorRecord } from '../transfer/remote_error';
import { CallMode, decodeJob, encodeResults, type EncodedResults, type ItemErrors } from '../transfer/codec';
import { taskError } from './compile';
import { flushStdio } from './stdio';

export type AnyFunction = (...args: unknown[]) => unknown;

export interface JobToRun {
  id: number;
  functionId: number;
  format: number;
  payload: Uint8Array;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * Runs every item of `job` with its function (`known`, else `load`ed), then
 * waits for its console output to be on its way, and encodes the results.
 * `itemDone(n)`, when given, is told after each item how many are done.
 */
export async function runJob(
  job: JobToRun,
  known: AnyFunction | undefined,
  load: (functionId: number) => Promise<AnyFunction>,
  itemDone?: (done: number) => void,
): Promise<EncodedResults> {
  let results: unknown[] = [];
  let errors: ItemErrors | null = null;
  try {
    const [mode, items] = decodeJob(job.format, job.payload);
    const fn = known ?? (await load(job.functionId));
    results = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      try {
        let value = mode === CallMode.Spread ? fn(...(items[i] as unknown[])) : fn(items[i]);
        if (isThenable(value)) value = await value;
        results[i] = value;
      } catch (error) {
        (errors ??= []).push([i, toErrorRecord(taskError(error, job.functionId))]);
      }
      itemDone?.(i + 1);
    }
  } catch (error) {
    // The function could not be loaded: the whole job fails with that error.
    errors = [[-1, toErrorRecord(error)]];
  }
  const flushed = flushStdio();
  if (flushed) await flushed;
  return encodeResults(results, errors);
}
