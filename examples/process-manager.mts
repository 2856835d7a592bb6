// Python (docs, "Sharing state between processes", server process):
//   from multiprocessing import Process, Manager
//   def f(d, l):
//       d[1] = '1'
//       d['2'] = 2
//       d[0.25] = None
//       l.reverse()
//   if __name__ == '__main__':
//       with Manager() as manager:
//           d = manager.dict()
//           l = manager.list(range(10))
//           p = Process(target=f, args=(d, l))
//           p.start()
//           p.join()
//           print(d)    # {1: '1', '2': 2, 0.25: None}
//           print(l)    # [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
// The proxies arrive in the child as live handles. Keys keep their types, as
// Map keys do: 1 and '2' are different kinds of key. Printed the way Python does.
import { DictProxy, ListProxy, Manager, Process } from 'multiproc';

function f(d: DictProxy<number | string, string | number | null>, l: ListProxy<number>) {
  d.set(1, '1');
  d.set('2', 2);
  d.set(0.25, null);
  l.reverse();
}

/** Python's repr() for the values used here. */
function repr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

const manager = new Manager();
const d = manager.dict<number | string, string | number | null>();
const l = manager.list(Array.from({ length: 10 }, (_, i) => i));
const p = new Process({ target: f, args: [d, l] });
p.start();
await p.join();
console.log(`{${[...d.entries()].map(([k, v]) => `${repr(k)}: ${repr(v)}`).join(', ')}}`);
console.log(`[${l.toArray().map(repr).join(', ')}]`);
await manager.shutdown();
