// Worker of the Atomics baseline (adapters/atomics.mjs), no library: the classic
// three-state futex mutex (Drepper, "Futexes Are Tricky") written by hand with
// compare-exchange, Atomics.wait and Atomics.notify, guarding a plain increment.
// Words of the shared buffer: the lock state, the counter, the ready count.
import { parentPort } from 'node:worker_threads';

const LOCK = 0;
const COUNTER = 1;
const READY = 2;
const UNLOCKED = 0;
const LOCKED = 1;
const CONTENDED = 2; // locked, and someone may be waiting: unlock must notify

function lock(w) {
  let c = Atomics.compareExchange(w, LOCK, UNLOCKED, LOCKED);
  if (c === UNLOCKED) return;
  if (c !== CONTENDED) c = Atomics.exchange(w, LOCK, CONTENDED);
  while (c !== UNLOCKED) {
    Atomics.wait(w, LOCK, CONTENDED);
    c = Atomics.exchange(w, LOCK, CONTENDED);
  }
}

function unlock(w) {
  if (Atomics.exchange(w, LOCK, UNLOCKED) === CONTENDED) Atomics.notify(w, LOCK, 1);
}

// Same start protocol as the multiproc task (adapters/multiproc.mjs).
parentPort.on('message', ({ words: w, n }) => {
  Atomics.add(w, READY, 1);
  const deadline = Date.now() + 10_000;
  while (Atomics.load(w, READY) < 2) {
    if (Date.now() > deadline) throw new Error('the other worker never started');
  }
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    lock(w);
    w[COUNTER]++;
    unlock(w);
  }
  parentPort.postMessage(performance.now() - t0);
});
