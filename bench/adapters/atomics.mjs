// No library: Node's own worker_threads and Atomics, the baselines of the shared-memory
// scenarios. Only create/destroy/lockedCounter/sharedCounter: it runs no pool tasks.
import { Worker } from 'node:worker_threads';
import { ask, terminateAll } from '../lib/workers.mjs';

const file = new URL('../peers/atomics.mjs', import.meta.url);

export function create(n) {
  return Array.from({ length: n }, () => new Worker(file));
}

export function destroy(workers) {
  return terminateAll(workers);
}


// Words: lock state, counter, ready count (see peers/atomics.mjs).
export function lockedCounter(workers) {
  const words = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  return {
    async run(n) {
      words.fill(0);
      const loopMs = await Promise.all(workers.map((w) => ask(w, { words, n })));
      return { loopMs, value: Atomics.load(words, 1) };
    },
  };
}

class AtomicsCounter {
  #cells = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

  add(n) {
    return Atomics.add(this.#cells, 0, n);
  }

  get value() {
    return Atomics.load(this.#cells, 0);
  }

  set value(v) {
    Atomics.store(this.#cells, 0, v);
  }
}

export function sharedCounter() {
  return new AtomicsCounter();
}
