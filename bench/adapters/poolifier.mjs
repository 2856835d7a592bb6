// poolifier's FixedThreadPool; mapExecute is its batch API (one task per item).
import { fileURLToPath } from 'node:url';
import { FixedThreadPool } from 'poolifier';

const file = fileURLToPath(new URL('../peers/poolifier.mjs', import.meta.url));

export const hasMap = true;

export function create(n) {
  return new FixedThreadPool(n, file);
}

// square is the worker's default task function: no name on the hot path.
export function apply(pool, task, arg) {
  return task === 'square' ? pool.execute(arg) : pool.execute(arg, task);
}

export function map(pool, task, xs) {
  return pool.mapExecute(xs, task === 'square' ? undefined : task);
}

export function destroy(pool) {
  return pool.destroy();
}
