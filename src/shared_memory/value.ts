import { native, type NativeSharedMemory } from '../native';
import { adoptNative, adopting, attachNative, crossesProcesses, kCrossesProcesses, kShare, registerShareable, revive, type Destination, type Location, type Shareable, type ShareRecord } from '../shared/handles';
import { Lock, RLock } from '../sync/lock';
import { describe } from '../task_function';
import { fromStored, toStored, typecode, type NumberTypecode, type Typecode, type TypecodeName, type ValueOf } from './typecodes';

type Cells = InstanceType<Typecode['Array']>;

/** The lock of a `Value` or `SharedArray`. */
export interface LockOption {
  /** true: a fresh RLock (Python's default); a Lock/RLock to share; false: none. */
  lock?: boolean | Lock | RLock;
}

export function resolveLock(options: LockOption | undefined, where: string): Lock | RLock | undefined {
  const lock = options?.lock ?? true;
  if (lock === true) return new RLock();
  if (lock === false) return undefined;
  if (lock instanceof Lock || lock instanceof RLock) return lock;
  throw new TypeError(`${where}: lock must be true, false, a Lock or an RLock, got ${describe(lock)}`);
}

/** Shared memory plus the typed view and optional lock every shared value has. */
export function sharedCells(type: Typecode, length: number): { memory: NativeSharedMemory; cells: Cells } {
  const memory = adoptNative<NativeSharedMemory>() ?? new native.NativeSharedMemory(length * type.Array.BYTES_PER_ELEMENT);
  return { memory, cells: new type.Array(memory.view(), 0, length) };
}

export function lockRecord(lock: Lock | RLock | undefined, to: Destination): ShareRecord | null {
  return lock === undefined ? null : (lock as Shareable)[kShare](to);
}

/** A Value's or SharedArray's memory and lock as sent `to` (see revivedParts). */
export function memoryState(memory: NativeSharedMemory, lock: Lock | RLock | undefined, to: Destination): { ids: number[]; lock: ShareRecord | null; at?: Location } {
  const sentLock = lockRecord(lock, to);
  return { ids: [memory.id, ...(sentLock?.ids ?? [])], lock: sentLock, at: to === 'process' ? memory.locate() : undefined };
}

/** Whether a Value's or SharedArray's memory and lock can go to another process. */
export function memoryCrosses(lock: Lock | RLock | undefined): boolean {
  return lock === undefined || crossesProcesses(lock);
}

/** The memory and lock a received record names: by location from another process, else by id. */
export function revivedParts(record: ShareRecord): { memory: NativeSharedMemory; lock: Lock | RLock | false } {
  const { lock } = record.state as { lock: ShareRecord | null };
  return {
    memory: attachNative(record, (id) => native.NativeSharedMemory.attach(id), (at) => native.NativeSharedMemory.attachAt(at)),
    lock: lock === null ? false : (revive(lock) as Lock | RLock),
  };
}

export function missingLock(kind: string): Error {
  return new Error(`this ${kind} has no lock (it was created with lock: false, or is a Raw${kind}); create it with lock: true`);
}

/**
 * Python's `Value`: one typed value in shared memory. Each read or write of
 * `value` is atomic; `v.value += 1` is a read then a write (use `add`, or hold
 * `getLock()`).
 */
export class Value<C extends TypecodeName = NumberTypecode> implements Shareable {
  readonly #type: Typecode;
  readonly #memory: NativeSharedMemory;
  readonly #cells: Cells;
  readonly #integer: boolean;
  /** Range of a non-bigint integer code (for the setter's fast path). */
  readonly #min: number | undefined;
  readonly #max: number | undefined;
  readonly #lock: Lock | RLock | undefined;

  constructor(code: C, initial?: ValueOf<C>, options?: LockOption) {
    const where = `new ${new.target.name}`;
    this.#type = typecode(code, where);
    const stored = initial === undefined ? undefined : toStored(this.#type, initial, where);
    this.#lock = resolveLock(options, where);
    ({ memory: this.#memory, cells: this.#cells } = sharedCells(this.#type, 1));
    this.#integer = this.#type.integer;
    const smallInteger = this.#type.integer && !this.#type.bigint;
    this.#min = smallInteger ? (this.#type.min as number) : undefined;
    this.#max = smallInteger ? (this.#type.max as number) : undefined;
    if (stored !== undefined) this.#cells[0] = stored as number;
  }

  /** The typecode given at creation. */
  get typecode(): string {
    return this.#type.code;
  }

  // Plain loads and stores: an aligned cell is never torn, and Node's V8
  // compiles Atomics.load/store to calls (~10 ns, a third of a locked
  // increment). V8 does not keep a typed-array load across loop iterations, so
  // a loop waiting on `v.value` sees another thread's write (tested in
  // __test__/shared_memory.test.mjs).
  /** The value (each read or write is atomic, a read-modify-write is not). */
  get value(): ValueOf<C> {
    const stored = this.#cells[0];
    return (this.#type.char ? fromStored(this.#type, stored) : stored) as ValueOf<C>;
  }

  /** Writes the value; one that does not suit the typecode throws a TypeError saying why. */
  set value(value: ValueOf<C>) {
    // The common case first: an in-range integer for a 32-bit-or-smaller code.
    if (this.#min !== undefined && typeof value === 'number' && value >= this.#min && value <= this.#max! && Number.isInteger(value)) {
      this.#cells[0] = value;
      return;
    }
    this.#cells[0] = toStored(this.#type, value, 'Value.value') as number;
  }

  /** The lock guarding compound updates; throws if created with `lock: false` (a `RawValue`). */
  getLock(): Lock | RLock {
    if (!this.#lock) throw missingLock('Value');
    return this.#lock;
  }

  /** Atomically adds `n`; returns the previous value (as `Atomics.add`). */
  add(n: ValueOf<C>): ValueOf<C> {
    return Atomics.add(this.#integerCells('add'), 0, this.#operand(n, 'add')) as ValueOf<C>;
  }

  /** Atomically subtracts `n`; returns the previous value. */
  sub(n: ValueOf<C>): ValueOf<C> {
    return Atomics.sub(this.#integerCells('sub'), 0, this.#operand(n, 'sub')) as ValueOf<C>;
  }

  /** Atomically stores `n`; returns the previous value. */
  exchange(n: ValueOf<C>): ValueOf<C> {
    return Atomics.exchange(this.#integerCells('exchange'), 0, this.#operand(n, 'exchange')) as ValueOf<C>;
  }

  /** Stores `n` if the value is `expected`; returns the value found. */
  compareExchange(expected: ValueOf<C>, n: ValueOf<C>): ValueOf<C> {
    const cells = this.#integerCells('compareExchange');
    return Atomics.compareExchange(cells, 0, this.#operand(expected, 'compareExchange'), this.#operand(n, 'compareExchange')) as ValueOf<C>;
  }

  #integerCells(method: string): Int32Array {
    if (!this.#integer) {
      throw new TypeError(`Value.${method}() needs an integer typecode (b B h H i I l L q Q); this Value is '${this.#type.code}': use getLock() around a read and a write`);
    }
    return this.#cells as Int32Array;
  }

  #operand(n: unknown, method: string): number {
    if (this.#type.bigint ? typeof n !== 'bigint' : typeof n !== 'number' || !Number.isInteger(n)) {
      throw new TypeError(`Value.${method}(): typecode '${this.#type.code}' takes ${this.#type.bigint ? 'a bigint' : 'an integer'}, got ${describe(n)}`);
    }
    return n as number;
  }

  /** @internal */
  [kShare](to: Destination = 'thread'): ShareRecord {
    const { ids, ...parts } = memoryState(this.#memory, this.#lock, to);
    return { kind: 'Value', ids, state: { ...parts, typecode: this.#type.code, raw: this instanceof RawValue } };
  }

  /** @internal */
  [kCrossesProcesses](): boolean {
    return memoryCrosses(this.#lock);
  }
}

/** Python's `RawValue`: a Value without a lock. */
export class RawValue<C extends TypecodeName = NumberTypecode> extends Value<C> {
  constructor(code: C, initial?: ValueOf<C>) {
    super(code, initial, { lock: false });
  }
}

registerShareable('Value', (record) => {
  const { typecode: code, raw } = record.state as { typecode: TypecodeName; raw: boolean };
  const { memory, lock } = revivedParts(record);
  return adopting(memory, () => (raw ? new RawValue(code) : new Value(code, undefined, { lock })));
});
