// Python (processes do not share memory):
//   from multiprocessing import Process, Queue
//   def append_to(items, i):
//       items.append(i)          # changes this child's own copy only
//   def put_on(q, i):
//       q.put(i)                 # a Queue is shared: the parent sees this
//   if __name__ == '__main__':
//       items = []
//       ps = [Process(target=append_to, args=(items, i)) for i in range(10)]
//       for p in ps: p.start()
//       for p in ps: p.join()
//       print(items)             # []
//       q = Queue()
//       ps = [Process(target=put_on, args=(q, i)) for i in range(10)]
//       for p in ps: p.start()
//       print(sorted(q.get() for _ in range(10)))   # [0, 1, 2, ..., 9]
//       for p in ps: p.join()
// A plain array travels by structured clone, so each child gets its own copy;
// a Queue travels as a live handle to the same queue. Results arrive in
// completion order, which varies, hence the sort. With MULTIPROC_CONTEXT=process
// the children are OS processes; shared objects do not reach those yet, so
// there each child hands its number back as its exit code instead.
import { Process, Queue } from 'multiproc';

const context = (process.env.MULTIPROC_CONTEXT ?? 'thread') as 'thread' | 'process';

function appendTo(items: number[], i: number) {
  items.push(i); // this child's own copy
}

function putOn(q: Queue<number>, i: number) {
  q.putSync(i);
}

function exitWith(i: number) {
  process.exit(i);
}

const items: number[] = [];
let ps = Array.from({ length: 10 }, (_, i) => new Process({ target: appendTo, args: [items, i], context }));
for (const p of ps) p.start();
await Promise.all(ps.map((p) => p.join()));
console.log(`[${items.join(', ')}]`);

const results: number[] = [];
if (context === 'process') {
  ps = Array.from({ length: 10 }, (_, i) => new Process({ target: exitWith, args: [i], context }));
  for (const p of ps) p.start();
  await Promise.all(ps.map((p) => p.join()));
  for (const p of ps) results.push(p.exitCode!);
} else {
  const q = new Queue<number>();
  ps = Array.from({ length: 10 }, (_, i) => new Process({ target: putOn, args: [q, i] }));
  for (const p of ps) p.start();
  for (let k = 0; k < 10; k++) results.push(await q.get());
  await Promise.all(ps.map((p) => p.join()));
}
console.log(`[${results.sort((a, b) => a - b).join(', ')}]`);
