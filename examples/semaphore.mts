// Python:
//   from multiprocessing import Pool, Semaphore, Value
//   def worker(sem, active, peak, i):
//       with sem:                             # at most 2 inside at once
//           with active.get_lock():
//               active.value += 1
//               peak.value = max(peak.value, active.value)
//           time.sleep(0.1)
//           with active.get_lock():
//               active.value -= 1
//       return i
//   sem, active, peak = Semaphore(2), Value('i', 0), Value('i', 0)
//   with Pool(3) as pool:
//       print(pool.starmap(worker, [(sem, active, peak, i) for i in range(6)]))
//   print('most at once:', peak.value)
//   # [0, 1, 2, 3, 4, 5]
//   # most at once: 2
// Here the task is async and uses the async forms (`await sem.acquire()`), which
// work in workers too; acquireSync() is the blocking form.
import { Pool, Semaphore, Value } from 'multiproc';

// MULTIPROC_CONTEXT=process (npm run demo:process): the workers are OS processes.
const context = (process.env.MULTIPROC_CONTEXT ?? 'thread') as 'thread' | 'process';

async function worker(sem: Semaphore, active: Value, peak: Value, i: number) {
  await sem.acquire();
  try {
    // Two values change together: hold active's lock (Python's get_lock()).
    active.getLock().withLockSync(() => {
      active.value += 1;
      peak.value = Math.max(peak.value, active.value);
    });
    await new Promise((resolve) => setTimeout(resolve, 100)); // time.sleep(0.1)
    active.sub(1); // one atomic step, no lock needed
  } finally {
    sem.release();
  }
  return i;
}

const sem = new Semaphore(2);
const active = new Value('i', 0);
const peak = new Value('i', 0);

const pool = new Pool({ processes: 3, context });
const done = await pool.starmap(worker, Array.from({ length: 6 }, (_, i) => [sem, active, peak, i] as const));
console.log(`[${done.join(', ')}]`);
console.log('most at once:', peak.value);
pool.close();
await pool.join();
