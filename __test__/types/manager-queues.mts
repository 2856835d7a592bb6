// Compile-time checks of the Manager proxies' and queues' types (run by `npm test` through tsc).
import { Manager, Queue, ShutDown, Lock, type DictProxy } from 'multiproc';

const manager = new Manager();
const d: DictProxy<string, number> = manager.dict<string, number>([['a', 1]]);
const popped: number = d.pop('a');
const orDefault: number = d.pop('a', 0);
const item: [string, number] = d.popitem();
const kept: number = d.setdefault('b', 2);
for (const key of d.keys()) { const k: string = key; void k; }
for (const [key, value] of d) { const k: string = key; const v: number = value; void [k, v]; }
const values: number[] = [...d.values()];
// @ts-expect-error: the default must be a value of the dict
d.pop('a', 'not a number');
// @ts-expect-error: keys are strings
d.setdefault(1, 2);

const locks = manager.list<Lock>([new Lock()]);
for (const lock of locks) { const l: Lock = lock; void l; }
locks.clear();

const q = new Queue<number>();
q.shutdown();
q.shutdown(true);
const isShutDown: boolean = new ShutDown() instanceof Error;

void [popped, orDefault, item, kept, values, isShutDown];
await manager.shutdown();
