// Python:
//   from multiprocessing import Process, Queue
//   def producer(q, i):
//       q.put([42, i, 'x'])
//   if __name__ == '__main__':
//       q = Queue()
//       producers = [Process(target=producer, args=(q, i)) for i in range(5)]
//       for p in producers: p.start()
//       items = [q.get() for _ in producers]
//       for p in producers: p.join()
//       print(sorted(items))   # [[42, 0, 'x'], [42, 1, 'x'], ..., [42, 4, 'x']]
import { Process, Queue } from 'multiproc';

type Item = [number, number, string];

function producer(q: Queue<Item>, i: number) {
  q.putSync([42, i, 'x']);
}

const q = new Queue<Item>();
const producers = Array.from({ length: 5 }, (_, i) => new Process({ target: producer, args: [q, i] }));
for (const p of producers) p.start();
const items: Item[] = [];
for (const _ of producers) items.push(await q.get());
for (const p of producers) await p.join();
items.sort((a, b) => a[1] - b[1]);
console.log(`[${items.map(([a, i, s]) => `[${a}, ${i}, '${s}']`).join(', ')}]`);
