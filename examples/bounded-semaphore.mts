// Python:
//   from multiprocessing import BoundedSemaphore, Pool, Semaphore
//   def use_connection(slots, i):
//       with slots:                  # one of 2 connection slots
//           return f'task {i} used a connection'
//   def buggy(slots):
//       slots.acquire()
//       slots.release()
//       slots.release()              # one release too many
//   slots = BoundedSemaphore(2)
//   with Pool(2) as pool:
//       for line in pool.starmap(use_connection, [(slots, i) for i in range(4)]):
//           print(line)          # task 0 used a connection ... task 3 ...
//       try:
//           pool.apply(buggy, (slots,))
//       except ValueError as e:
//           print('ValueError:', e)  # semaphore or lock released too many times
//   print(slots.get_value())         # 2: the bound held
//   s = Semaphore(2); s.release()
//   print(s.get_value())             # 3: a plain Semaphore has no bound
// The worker's error reaches the caller with its message (an Error here).
import { BoundedSemaphore, Pool, Semaphore } from 'multiproc';

// MULTIPROC_CONTEXT=process (npm run demo:process): the workers are OS processes.
const context = (process.env.MULTIPROC_CONTEXT ?? 'thread') as 'thread' | 'process';

function useConnection(slots: BoundedSemaphore, i: number) {
  slots.acquireSync();
  try {
    return `task ${i} used a connection`;
  } finally {
    slots.release();
  }
}

function buggy(slots: BoundedSemaphore) {
  slots.acquireSync();
  slots.release();
  slots.release(); // one release too many
}

const slots = new BoundedSemaphore(2);
const pool = new Pool({ processes: 2, context });
for (const line of await pool.starmap(useConnection, Array.from({ length: 4 }, (_, i) => [slots, i] as const))) console.log(line);
try {
  await pool.apply(buggy, [slots]);
} catch (error) {
  console.log(`${(error as Error).name}: ${(error as Error).message}`);
}
console.log(slots.getValue());
pool.close();
await pool.join();

const s = new Semaphore(2);
s.release();
console.log(s.getValue());
