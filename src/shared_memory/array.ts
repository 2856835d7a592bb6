import type { NativeSharedMemory } from '../native';
import { adopting, kCrossesProcesses, kShare, registerShareable, type Destination, type Shareable, type ShareRecord } from '../shared/handles';
import type { Lock, RLock } from '../sync/lock';
import { describe } from '../task_function';
import { bulkAsync, bulkSync, relativeIndex, type BulkCall } from './bulk';
import { fromStored, toStored, typecode, type NumberTypecode, type SumOf, type Typecode, type TypecodeName, type ValueOf } from './typecodes';
import { memoryCrosses, memoryState, missingLock, resolveLock, revivedParts, sharedCells, type LockOption } from './value';

type Cells = InstanceType<Typecode['Array']>;

function initialValues(type: Typecode, init: unknown, where: string): { length: number; values?: unknown[] } {
  if (typeof init === 'number') {
    if (!Number.isInteger(init) || init < 0) throw new RangeError(`${where}: size must be an integer >= 0, got ${init}`);
    return { length: init };
  }
  if (type.char && typeof init === 'string') return { length: init.length, values: [...init] };
  if (init !== null && typeof init === 'object' && Symbol.iterator in init) {
    const values = [...(init as Iterable<unknown>)];
    return { length: values.length, values };
  }
  throw new TypeError(`${where}: expected a size or an iterable of initial values, got ${describe(init)}`);
}

/**
 * Python's `Array` (named SharedArray, as `Array` is JavaScript's own): a
 * fixed-length typed array in shared memory. `view` is a typed array over that
 * memory itself: a write through it is seen by every thread.
 */
export class SharedArray<C extends TypecodeName = NumberTypecode> implements Shareable {
  readonly #type: Typecode;
  readonly #memory: NativeSharedMemory;
  readonly #cells: Cells;
  readonly #lock: Lock | RLock | undefined;

  constructor(code: C, sizeOrInitializer: number | Iterable<ValueOf<C>> | string, options?: LockOption) {
    const where = `new ${new.target.name}`;
    this.#type = typecode(code, where);
    const { length, values } = initialValues(this.#type, sizeOrInitializer, where);
    const stored = values?.map((value, i) => toStored(this.#type, value, `${where}: initializer[${i}]`));
    this.#lock = resolveLock(options, where);
    ({ memory: this.#memory, cells: this.#cells } = sharedCells(this.#type, length));
    stored?.forEach((value, i) => (this.#cells[i] = value as number));
  }

  /** The typecode given at creation. */
  get typecode(): string {
    return this.#type.code;
  }

  /** The number of items (fixed). */
  get length(): number {
    return this.#cells.length;
  }

  /** A typed array over the shared memory (zero-copy). */
  get view(): Cells {
    return this.#cells;
  }

  /** The item at `index` (negative counts from the end, as in Python). */
  get(index: number): ValueOf<C> {
    return fromStored(this.#type, this.#cells[this.#index(index, 'get')]) as ValueOf<C>;
  }

  /** Writes the item at `index` (negative counts from the end). */
  set(index: number, value: ValueOf<C>): void {
    const at = this.#index(index, 'set');
    this.#cells[at] = toStored(this.#type, value, `${this.constructor.name}.set(${index})`) as number;
  }

  /** A copy of the items, as Python's `a[:]`. */
  toArray(): ValueOf<C>[] {
    return Array.from(this.#cells as ArrayLike<number | bigint>, (value) => fromStored(this.#type, value) as ValueOf<C>);
  }

  /** The lock guarding compound updates; throws if created with `lock: false` (a `RawArray`). */
  getLock(): Lock | RLock {
    if (!this.#lock) throw missingLock('Array');
    return this.#lock;
  }

  // Bulk operations (docs/sync.md, "Bulk operations"): native, on a thread
  // pool above a size threshold, holding the lock if the array has one.

  /** Sorts the items in place, ascending, as `view.sort()` does (NaN last, -0 before +0); resolves to this array. Does not block the thread. */
  async sort(): Promise<this> {
    await bulkAsync(this.#memory, this.#type, this.#lock, { op: 'sort' });
    return this;
  }

  /** `sort()`, blocking the thread until done (for worker code). */
  sortSync(): this {
    bulkSync(this.#memory, this.#type, this.#lock, { op: 'sort' });
    return this;
  }

  /** The items added up: exact for integers (a bigint for 32- and 64-bit codes), in a fixed block order for floats (see docs/sync.md). */
  async sum(): Promise<SumOf<C>> {
    return this.#total(await bulkAsync(this.#memory, this.#type, this.#lock, { op: 'sum' }));
  }

  /** `sum()`, blocking the thread. */
  sumSync(): SumOf<C> {
    return this.#total(bulkSync(this.#memory, this.#type, this.#lock, { op: 'sum' }));
  }

  /** The smallest item, as `Math.min` (NaN if any item is NaN, -0 below +0); an empty array rejects with a RangeError. */
  async min(): Promise<ValueOf<C>> {
    return this.#item(await bulkAsync(this.#memory, this.#type, this.#lock, this.#extreme('min')));
  }

  /** `min()`, blocking the thread. */
  minSync(): ValueOf<C> {
    return this.#item(bulkSync(this.#memory, this.#type, this.#lock, this.#extreme('minSync')));
  }

  /** The largest item, as `Math.max`; an empty array rejects with a RangeError. */
  async max(): Promise<ValueOf<C>> {
    return this.#item(await bulkAsync(this.#memory, this.#type, this.#lock, this.#extreme('max')));
  }

  /** `max()`, blocking the thread. */
  maxSync(): ValueOf<C> {
    return this.#item(bulkSync(this.#memory, this.#type, this.#lock, this.#extreme('maxSync')));
  }

  /** Writes `value` to items `start` to `end` (exclusive), as `view.fill` (negative indexes count from the end); the value is checked as `set` checks it. Resolves to this array. */
  async fill(value: ValueOf<C>, start?: number, end?: number): Promise<this> {
    await bulkAsync(this.#memory, this.#type, this.#lock, this.#fill('fill', value, start, end));
    return this;
  }

  /** `fill()`, blocking the thread. */
  fillSync(value: ValueOf<C>, start?: number, end?: number): this {
    bulkSync(this.#memory, this.#type, this.#lock, this.#fill('fillSync', value, start, end));
    return this;
  }

  /** The first index at or after `fromIndex` whose item is `=== value`, or -1, as `view.indexOf`; the value is checked as `set` checks it. */
  async indexOf(value: ValueOf<C>, fromIndex?: number): Promise<number> {
    return (await bulkAsync(this.#memory, this.#type, this.#lock, this.#search('indexOf', value, fromIndex))) as number;
  }

  /** `indexOf()`, blocking the thread. */
  indexOfSync(value: ValueOf<C>, fromIndex?: number): number {
    return bulkSync(this.#memory, this.#type, this.#lock, this.#search('indexOfSync', value, fromIndex)) as number;
  }

  #extreme(method: 'min' | 'max' | 'minSync' | 'maxSync'): BulkCall {
    if (this.length === 0) {
      throw new RangeError(`${this.constructor.name}.${method}(): the array is empty, so it has no ${method.startsWith('min') ? 'minimum' : 'maximum'} (Python's min()/max() raise ValueError here)`);
    }
    return { op: method.startsWith('min') ? 'min' : 'max' };
  }

  #fill(method: string, value: unknown, start: unknown, end: unknown): BulkCall {
    const where = `${this.constructor.name}.${method}`;
    const from = relativeIndex(start, this.length, 0, where, 'start');
    const to = relativeIndex(end, this.length, this.length, where, 'end');
    return { op: 'fill', value: toStored(this.#type, value, `${where}(value)`), start: from, end: Math.max(from, to) };
  }

  #search(method: string, value: unknown, fromIndex: unknown): BulkCall {
    const where = `${this.constructor.name}.${method}`;
    return { op: 'indexOf', value: toStored(this.#type, value, `${where}(value)`), start: relativeIndex(fromIndex, this.length, 0, where, 'fromIndex') };
  }

  /** The native sum (a bigint for integers) as SumOf<C>. */
  #total(sum: unknown): SumOf<C> {
    return (this.#type.bigSum ? sum : Number(sum)) as SumOf<C>;
  }

  /** A native min/max (a bigint for integers) as the item it is. */
  #item(item: unknown): ValueOf<C> {
    return (this.#type.bigint ? item : fromStored(this.#type, Number(item))) as ValueOf<C>;
  }

  /** Python's indexing: -length..length-1. */
  #index(index: number, method: string): number {
    const length = this.#cells.length;
    if (!Number.isInteger(index) || index < -length || index >= length) {
      throw new RangeError(`${this.constructor.name}.${method}(${describe(index)}): index out of range for length ${length}`);
    }
    return index < 0 ? index + length : index;
  }

  /** @internal */
  [kShare](to: Destination = 'thread'): ShareRecord {
    const { ids, ...parts } = memoryState(this.#memory, this.#lock, to);
    return { kind: 'SharedArray', ids, state: { ...parts, typecode: this.#type.code, length: this.length, raw: this instanceof RawArray } };
  }

  /** @internal */
  [kCrossesProcesses](): boolean {
    return memoryCrosses(this.#lock);
  }
}

/** Python's `RawArray`: a SharedArray without a lock. */
export class RawArray<C extends TypecodeName = NumberTypecode> extends SharedArray<C> {
  constructor(code: C, sizeOrInitializer: number | Iterable<ValueOf<C>> | string) {
    super(code, sizeOrInitializer, { lock: false });
  }
}

registerShareable('SharedArray', (record) => {
  const { typecode: code, length, raw } = record.state as { typecode: TypecodeName; length: number; raw: boolean };
  const { memory, lock } = revivedParts(record);
  return adopting(memory, () => (raw ? new RawArray(code, length) : new SharedArray(code, length, { lock })));
});
