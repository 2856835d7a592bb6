// workerpool on worker threads (or child processes, workerType 'process'), capped at n workers.
import { fileURLToPath } from 'node:url';
import workerpool from 'workerpool';

const file = fileURLToPath(new URL('../peers/workerpool.mjs', import.meta.url));

export const hasMap = false;

export function create(n, context = 'thread') {
  return workerpool.pool(file, { maxWorkers: n, workerType: context === 'process' ? 'process' : 'thread' });
}

export function apply(pool, task, arg) {
  return pool.exec(task, arg === undefined ? [] : [arg]);
}

export function destroy(pool) {
  return pool.terminate();
}
