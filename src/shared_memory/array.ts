import type { NativeSharedMemory } from '../native';
import { adopting, kCrossesProcesses, kShare, registerShareable, type Destination, type Shareable, type ShareRecord } from '../shared/handles';
import type { Lock, RLock } from '../sync/lock';
import { describe } from '../task_function';
import { fromStored, toStored, typecode, type NumberTypecode, type Typecode, type TypecodeName, type ValueOf } from './typecodes';
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
