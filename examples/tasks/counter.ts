// Module tasks for rlock.mts: add_one and add_two as in the Python original.
// Helpers like these live in a module (not inline) so they can call each other.
import type { RLock, RawValue } from 'multiproc';

export function addOne(lock: RLock, counter: RawValue): void {
  lock.acquireSync(); // the second level when called from addTwo: same thread, fine
  try {
    counter.value += 1;
  } finally {
    lock.release();
  }
}

export function addTwo(lock: RLock, counter: RawValue, times: number): void {
  for (let t = 0; t < times; t++) {
    lock.acquireSync();
    try {
      addOne(lock, counter);
      addOne(lock, counter);
    } finally {
      lock.release(); // one release per acquire
    }
  }
}
