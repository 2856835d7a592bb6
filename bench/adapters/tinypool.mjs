// tinypool with a fixed number of threads.
import Tinypool from 'tinypool';

const filename = new URL('../peers/tinypool.mjs', import.meta.url).href;

export const hasMap = false;

export function create(n) {
  return new Tinypool({ filename, minThreads: n, maxThreads: n });
}

export function apply(pool, task, arg) {
  return task === 'square' ? pool.run(arg) : pool.run(arg, { name: task });
}

export function destroy(pool) {
  return pool.destroy();
}
