// tinypool with a fixed number of threads, or of child processes (runtime 'child_process').
import Tinypool from 'tinypool';

const filename = new URL('../peers/tinypool.mjs', import.meta.url).href;

export const hasMap = false;

export function create(n, context = 'thread') {
  const runtime = context === 'process' ? 'child_process' : 'worker_threads';
  return new Tinypool({ filename, minThreads: n, maxThreads: n, runtime });
}

export function apply(pool, task, arg) {
  return task === 'square' ? pool.run(arg) : pool.run(arg, { name: task });
}

export function destroy(pool) {
  return pool.destroy();
}
