// piscina with its documented fixed-size set-up.
import { Piscina } from 'piscina';

const filename = new URL('../peers/piscina.mjs', import.meta.url).href;

export const hasMap = false;

export function create(n) {
  return new Piscina({ filename, minThreads: n, maxThreads: n });
}

// The default export is square: the hot path of the tiny-task scenario skips the name lookup.
export function apply(pool, task, arg) {
  return task === 'square' ? pool.run(arg) : pool.run(arg, { name: task });
}

export function destroy(pool) {
  return pool.destroy();
}
