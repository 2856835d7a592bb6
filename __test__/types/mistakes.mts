// Mistakes the types catch (run by `npm test` through tsc): every @ts-expect-error
// below must be an error, or tsc fails on the unused directive.
import {
  Manager, Pool, Process, Queue, RawArray, RawValue, ShareableList, SharedArray, SharedMemory, Value, task,
  type ShareableValue, type TaskRef, type TypecodeName, type UntypedTask,
} from 'multiproc';

const pool = new Pool(1);

// task() without a type argument: it takes anything and its results are unknown.
const untyped = task('./fib.js', 'fib');
const untypedRef: TaskRef<UntypedTask> = untyped;
const unknowns: unknown[] = await pool.map(untyped, [1]);
// @ts-expect-error: an untyped task's results are unknown, not numbers
const numbers: number[] = await pool.map(untyped, [1]);
// @ts-expect-error: nor can they be used as numbers
(await pool.apply(untyped, [1])).toFixed();

// The module's own type, given through import().
const norm = task<typeof import('../fixtures/tasks.js')['norm']>(new URL('../fixtures/tasks.ts', import.meta.url), 'norm');
const norms: number[] = await pool.map(norm, [{ x: 3, y: 4 }]);
// @ts-expect-error: norm takes points
await pool.map(norm, [1]);

// Process args are checked against the target's parameters.
const queue = new Queue<number>();
const put = (q: Queue<number>, n: number) => q.putSync(n);
const fine = new Process({ target: put, args: [queue, 1] });
// @ts-expect-error: the second argument must be a number
new Process({ target: put, args: [queue, 'one'] });
// @ts-expect-error: one argument too many
new Process({ target: (n: number) => n, args: [1, 2] });
// @ts-expect-error: one argument missing
new Process({ target: put, args: [queue] });
const fib = task<(n: number) => number>('./fib.js', 'fib');
new Process({ target: fib, args: [1] });
// @ts-expect-error: a typed module task's arguments are checked too
new Process({ target: fib, args: ['x'] });
new Process({ target: untyped, args: ['anything', 1] });
class Child extends Process {
  run(): void {}
}
const processes: Process[] = [fine, new Child(), new Process()];

// Typecodes are a literal union, and the value type follows the typecode.
const d = new Value('d', 0.5);
const dv: number = d.value;
const q = new Value('q', 0n);
const qv: bigint = q.value;
const prev: bigint = q.add(1n);
const Q: bigint = new Value('Q').value;
const c: string = new Value('c', 'a').value;
// @ts-expect-error: 'zz' is not a typecode
new Value('zz', 1);
// @ts-expect-error: 'q' is 64-bit: its values are bigint
new Value('q', 0);
// @ts-expect-error: 'i' holds numbers
new Value('i', 0n);
// @ts-expect-error: 'c' holds a one-character string
new Value('c', 1);
// @ts-expect-error: writes follow the typecode
q.value = 1;
// @ts-expect-error: so do atomic operations
q.add(1);
function bump(v: Value) {
  v.value += 1;
}
bump(d);
// @ts-expect-error: a bigint Value is not a number one (`Value` is `Value<NumberTypecode>`)
bump(q);
const anyValue: Value<TypecodeName> = q;
const raw: RawValue<'q'> = new RawValue('q', 1n);
const code: string = 'i';
// @ts-expect-error: a string is not known to be a typecode
new Value(code);

const big = new SharedArray('q', [1n, 2n]);
const first: bigint = big.get(0);
// @ts-expect-error: set follows the typecode
big.set(0, 1);
// @ts-expect-error: the initial values follow it too
new SharedArray('q', [1, 2]);
const letter: string = new SharedArray('c', 'abc').get(0);
const zeros: number[] = new RawArray('d', 3).toArray();
// @ts-expect-error: not a typecode
new RawArray('x', 3);

// Bulk operations: values and results follow the typecode (sum: see SumOf).
const bigSum: bigint = await big.sum();
const bigMin: bigint = big.minSync();
const intSum: bigint = new SharedArray('i', [1]).sumSync();
const shortSum: number = await new SharedArray('h', [1]).sum();
const floatMax: number = await new RawArray('d', [1]).max();
const letterMin: string = new SharedArray('c', 'ab').minSync();
const sorted: SharedArray<'d'> = await new SharedArray('d', 3).sort();
const at: number = await big.indexOf(2n, -1);
big.fillSync(0n, 1, 2);
// @ts-expect-error: fill takes the typecode's value type
await big.fill(0);
// @ts-expect-error: a 32-bit sum is a bigint
const lossy: number = new SharedArray('I', [1]).sumSync();
// @ts-expect-error: 'c' searches for a character
new SharedArray('c', 'ab').indexOfSync(97);

const manager = new Manager();
const managed: bigint = manager.Value('q', 1n).value;
// @ts-expect-error: the Manager's Value checks the same way
manager.Value('q', 1);
const managedArray: number[] = manager.Array('i', [1, 2]).toArray();

// Named shared memory.
const shm = new SharedMemory({ create: true, size: 8 });
const bytes: Uint8Array = shm.buf;
// @ts-expect-error: options are an object, not a name
new SharedMemory('psm_1');
// @ts-expect-error: size is a number of bytes
new SharedMemory({ create: true, size: '8' });
const list = new ShareableList([1, 'a', null, true, 2n, new Uint8Array(1)]);
const item: ShareableValue = list.get(0);
const attached = new ShareableList({ name: list.shm.name });
// @ts-expect-error: a ShareableList holds no objects
new ShareableList([{ x: 1 }]);
// @ts-expect-error: nor undefined
list.set(0, undefined);
// @ts-expect-error: an item is not known to be a number
const n: number = list.get(0);

void [bytes, item, attached, n, untypedRef, unknowns, numbers, norms, processes, dv, qv, prev, Q, c, anyValue, raw, first, letter, zeros, managed, managedArray, bigSum, bigMin, intSum, shortSum, floatMax, letterMin, sorted, at, lossy];
await pool.terminate();
await manager.shutdown();
