// multiproc through its public API, loaded the way a CommonJS user would (require('multiproc')).
import { createRequire } from 'node:module';

const { Pool, Value, RawValue, Lock, Queue, Manager, Process, SharedArray } = createRequire(import.meta.url)('../..');

// Inline task functions, shipped by source text. Same bodies as lib/tasks.mjs; kept as
// constants so each distinct source is compiled once per worker, as a user's lambda would be.
const TASKS = {
  square: (x) => x * x,
  fib: function fib(n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
  },
  // `require` here is the worker's own (the contract makes it available to inline tasks).
  threadId: () => require('node:worker_threads').threadId,
  pid: () => process.pid,
};

export const hasMap = true;

export function create(n, context = 'thread') {
  return new Pool({ processes: n, context });
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

// Transfer scenarios (queue, manager-dict, queue-bytes, process). Same start protocol as
// lockedIncrements: each task counts itself ready, spins until both are, then times its loop.
const queueProducer = (q, ready, n) => {
  ready.add(1);
  const deadline = Date.now() + 10_000;
  while (ready.value < 2) {
    if (Date.now() > deadline) throw new Error('the other task never started');
  }
  const t0 = performance.now();
  for (let i = 0; i < n; i++) q.putSync(i);
  return { ms: performance.now() - t0 };
};

// Single producer: the items must come out exactly 0, 1, ..., n-1.
const queueConsumer = (q, ready, n) => {
  ready.add(1);
  const deadline = Date.now() + 10_000;
  while (ready.value < 2) {
    if (Date.now() > deadline) throw new Error('the other task never started');
  }
  const t0 = performance.now();
  let bad = 0;
  for (let i = 0; i < n; i++) if (q.getSync() !== i) bad++;
  return { ms: performance.now() - t0, bad };
};

// One Queue of small ints from one pool task to the other.
export function queueStream(pool) {
  const q = new Queue();
  const ready = new RawValue('i', 0);
  return {
    async run(n) {
      ready.value = 0;
      const [p, c] = await Promise.all([pool.apply(queueProducer, [q, ready, n]), pool.apply(queueConsumer, [q, ready, n])]);
      return { loopMs: [p.ms, c.ms], received: n, bad: c.bad, left: q.qsize() };
    },
  };
}

const dictSetter = (d, ready, w, n) => {
  ready.add(1);
  const deadline = Date.now() + 10_000;
  while (ready.value < 2) {
    if (Date.now() > deadline) throw new Error('the other task never started');
  }
  const t0 = performance.now();
  for (let i = 0; i < n; i++) d.set(`w${w}-${i}`, i);
  return performance.now() - t0;
};

// A Manager dict that the pool's 2 workers each set n distinct keys of, concurrently.
export async function managerDict(pool) {
  const manager = new Manager();
  const d = manager.dict();
  const ready = new RawValue('i', 0);
  return {
    async run(n) {
      d.clear();
      ready.value = 0;
      const loopMs = await Promise.all([pool.apply(dictSetter, [d, ready, 0, n]), pool.apply(dictSetter, [d, ready, 1, n])]);
      // Check every key and value (not timed).
      let bad = 0;
      for (let w = 0; w < 2; w++) for (let i = 0; i < n; i++) if (d.get(`w${w}-${i}`) !== i) bad++;
      return { loopMs, size: d.size, bad };
    },
    close: () => manager.shutdown(),
  };
}

// The worker blocks in getSync; the clock is read on both threads as timeOrigin + now().
const bytesGetter = (q, ready) => {
  ready.value = 1;
  const a = q.getSync();
  const t1 = performance.timeOrigin + performance.now();
  let bad = a instanceof Float64Array ? 0 : -1;
  if (bad === 0) for (let i = 0; i < a.length; i++) if (a[i] !== i * 0.5) bad++;
  return { t1, length: a.length, bad };
};

// One big Float64Array put on the main thread, got in a pool worker.
export function queueBytes(pool) {
  const q = new Queue();
  const ready = new RawValue('i', 0);
  return {
    async run(a) {
      ready.value = 0;
      const got = pool.apply(bytesGetter, [q, ready]);
      while (ready.value === 0) await new Promise((r) => setTimeout(r, 1));
      await new Promise((r) => setTimeout(r, 20)); // let the worker reach getSync
      const t0 = performance.timeOrigin + performance.now();
      q.putSync(a);
      const r = await got;
      return { ms: r.t1 - t0, length: r.length, bad: r.bad };
    },
  };
}

// Start-to-join of an empty Process.
export async function emptyProcess(context = 'thread') {
  const t0 = performance.now();
  const p = new Process({ target: () => {}, context });
  p.start();
  await p.join();
  const ms = performance.now() - t0;
  if (p.exitCode !== 0) throw new Error(`process: exit code ${p.exitCode}, not 0`);
  return ms;
}

// Bulk scenarios: a SharedArray's own operations, in their Promise forms (as main-thread
// code calls them), with the array's default lock.
export function bulkArray(code, n) {
  const a = new SharedArray(code, n);
  return {
    view: a.view,
    sort: () => a.sort(),
    sum: () => a.sum(),
    min: () => a.min(),
    max: () => a.max(),
    fill: (x) => a.fill(x),
    indexOf: (x) => a.indexOf(x),
  };
}
