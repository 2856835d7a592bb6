// Python:
//   from multiprocessing import Event, Pool
//   def waiter(event, i):
//       event.wait()                       # blocks until set
//       return f'worker {i} saw the event'
//   event = Event()
//   with Pool(3) as pool:
//       result = pool.starmap_async(waiter, [(event, i) for i in range(3)])
//       time.sleep(0.1)
//       print('main: setting the event')
//       event.set()
//       for line in result.get():
//           print(line)                    # worker 0 ... worker 2 saw the event
//   print(event.is_set())                  # True
//   print(Event().wait(timeout=0.05))      # False: timed out
// The workers block in waitSync() (Python's style); the main thread uses the
// async wait(), which never blocks its event loop.
import { Event, Pool } from 'multiproc';

// MULTIPROC_CONTEXT=process (npm run demo:process): the workers are OS processes.
const context = (process.env.MULTIPROC_CONTEXT ?? 'thread') as 'thread' | 'process';

function waiter(event: Event, i: number) {
  event.waitSync();
  return `worker ${i} saw the event`;
}

const event = new Event();
const pool = new Pool({ processes: 3, context });
const result = pool.starmapAsync(waiter, Array.from({ length: 3 }, (_, i) => [event, i] as const));
await new Promise((resolve) => setTimeout(resolve, 100));
console.log('main: setting the event');
event.set();
for (const line of await result.get()) console.log(line);
pool.close();
await pool.join();
console.log(event.isSet());
console.log(await new Event().wait(50));
