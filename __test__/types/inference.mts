// Compile-time checks of the public types (run by `npm test` through tsc).
import { Pool, task, AsyncResult, type TaskRef, Pipe, Queue, Process, wait, type Connection } from 'multiproc';

const pool = new Pool({ processes: 2, maxTasksPerChild: 10 });

const squares: number[] = await pool.map((x: number) => x * x, [1, 2, 3]);
const lengths: number[] = await pool.map(async (s: string) => s.length, new Set(['a']));
const sums: number[] = await pool.starmap((a: number, b: number) => a + b, [[1, 2]]);
const one: string = await pool.apply((a: number, b: string) => b.repeat(a), [2, 'x']);
const handle: AsyncResult<boolean> = pool.applyAsync((n: number) => n > 0, [1]);
const ready: boolean = handle.ready();
for await (const n of pool.imap((x: number) => x + 1, [1, 2])) {
  const k: number = n;
  void k;
}
const fib: TaskRef<(n: number) => number> = task<(n: number) => number>('./fib.js', 'fib');
const fibs: number[] = await pool.map(fib, [1, 2]);

// @ts-expect-error: the items are strings, the function takes numbers
await pool.map((x: number) => x * 2, ['a']);
// @ts-expect-error: the argument list does not match
await pool.apply((a: number) => a, ['x']);
// @ts-expect-error: the result is a number, not a string
const wrong: string[] = await pool.map((x: number) => x, [1]);

// wait(): the ready ones, of the types given.
const [conn] = Pipe<number>();
const readyConns: Connection<number>[] = await wait([conn], 0);
const readyAny: (Connection<number> | Queue<string> | Process)[] = await wait([conn, new Queue<string>(), new Process()], { timeout: 0 });
// @ts-expect-error: wait() takes Connections, Processes and queues
await wait([1]);
conn[Symbol.dispose]();

void [squares, lengths, sums, one, ready, fibs, wrong, readyConns, readyAny];
await pool.terminate();
