// Python (docs, "Exchanging objects between processes"):
//   from multiprocessing import Process, Queue
//   def f(q):
//       q.put([1, 2, 3])
//   if __name__ == '__main__':
//       q = Queue()
//       p = Process(target=f, args=(q,))
//       p.start()
//       print(q.get())    # prints "[1, 2, 3]"
//       p.join()
// The Queue arrives in the child as a live handle to the same queue.
import { Process, Queue } from 'multiproc';

function f(q: Queue<number[]>) {
  q.putSync([1, 2, 3]); // `await q.put(...)` is the async form
}

const q = new Queue<number[]>();
const p = new Process({ target: f, args: [q] });
p.start();
console.log(`[${(await q.get()).join(', ')}]`);
await p.join();
