// multiproc through its public API, loaded the way a CommonJS user would (require('multiproc')).
import { createRequire } from 'node:module';

const { Pool } = createRequire(import.meta.url)('../..');

// Inline task functions, shipped by source text. Same bodies as lib/tasks.mjs; kept as
// constants so each distinct source is compiled once per worker, as a user's lambda would be.
const TASKS = {
  square: (x) => x * x,
  fib: function fib(n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
  },
  // `require` here is the worker's own (the contract makes it available to inline tasks).
  threadId: () => require('node:worker_threads').threadId,
};

export const hasMap = true;

export function create(n) {
  return new Pool(n);
}

export function apply(pool, task, arg) {
  return pool.apply(TASKS[task], arg === undefined ? [] : [arg]);
}

// Default chunksize on purpose: the scenario measures what users get out of the box.
export function map(pool, task, xs) {
  return pool.map(TASKS[task], xs);
}

export function destroy(pool) {
  return pool.terminate();
}
