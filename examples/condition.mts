// Python (producer/consumer, as in the threading docs):
//   from multiprocessing import Array, Condition, Pool, RawValue
//   def consumer(cond, items, produced, taken, total):
//       got = []
//       while True:
//           with cond:
//               cond.wait_for(lambda: taken.value < produced.value or taken.value == total)
//               if taken.value == total:
//                   return got
//               got.append(items[taken.value])
//               taken.value += 1
//               if taken.value == total:
//                   cond.notify_all()      # wake the other consumer so it can stop
//   cond = Condition()
//   items, produced, taken = Array('i', 10, lock=False), RawValue('i', 0), RawValue('i', 0)
//   with Pool(2) as pool:
//       result = pool.starmap_async(consumer, [(cond, items, produced, taken, 10)] * 2)
//       for i in range(10):                # the producer
//           with cond:
//               items[produced.value] = i * i
//               produced.value += 1
//               cond.notify()
//       got = [x for part in result.get() for x in part]
//   print(sorted(got))                     # [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]
// Consumers block in the workers (waitForSync); the producer on the main thread
// uses the async forms (`await cond.acquire()`). Every access to the shared
// state happens holding the condition's lock.
import { Condition, Pool, RawArray, RawValue } from 'multiproc';

function consumer(cond: Condition, items: RawArray, produced: RawValue, taken: RawValue, total: number) {
  const got: number[] = [];
  for (;;) {
    cond.acquireSync();
    try {
      cond.waitForSync(() => taken.value < produced.value || taken.value === total);
      if (taken.value === total) return got;
      got.push(items.get(taken.value));
      taken.value += 1;
      if (taken.value === total) cond.notifyAll(); // wake the other consumer so it can stop
    } finally {
      cond.release();
    }
  }
}

const total = 10;
const cond = new Condition();
const items = new RawArray('i', total);
const produced = new RawValue('i', 0);
const taken = new RawValue('i', 0);

const pool = new Pool(2);
const result = pool.starmapAsync(consumer, Array.from({ length: 2 }, () => [cond, items, produced, taken, total] as const));
for (let i = 0; i < total; i++) {
  await cond.acquire();
  try {
    items.set(produced.value, i * i);
    produced.value += 1;
    cond.notify();
  } finally {
    cond.release();
  }
}
const got = (await result.get()).flat();
console.log(`[${got.sort((a, b) => a - b).join(', ')}]`);
pool.close();
await pool.join();
