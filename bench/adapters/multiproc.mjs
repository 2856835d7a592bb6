// multiproc through its public API, loaded the way a CommonJS user would (require('multiproc')).
import { createRequire } from 'node:module';

const { Pool, Value, RawValue, Lock } = createRequire(import.meta.url)('../..');

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

// Shared-memory scenarios. Shipped by source like TASKS: the task waits until both tasks
// are running (so both loops start together), then times only its own loop.
const lockedIncrements = (v, ready, n) => {
  const lock = v.getLock();
  ready.add(1);
  const deadline = Date.now() + 10_000;
  while (ready.value < 2) {
    if (Date.now() > deadline) throw new Error('the other task never started');
  }
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    lock.acquireSync();
    v.value += 1;
    lock.release();
  }
  return performance.now() - t0;
};

// One Value with an explicit Lock (or its default RLock) that both of the pool's workers
// increment, n times each.
export function lockedCounter(pool, { defaultLock = false } = {}) {
  const v = defaultLock ? new Value('i', 0) : new Value('i', 0, { lock: new Lock() });
  const ready = new RawValue('i', 0);
  return {
    async run(n) {
      v.value = 0;
      ready.value = 0;
      const loopMs = await Promise.all([pool.apply(lockedIncrements, [v, ready, n]), pool.apply(lockedIncrements, [v, ready, n])]);
      return { loopMs, value: v.value };
    },
  };
}

export function sharedCounter() {
  return new Value('i', 0);
}
