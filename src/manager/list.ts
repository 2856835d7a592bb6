import { native, type NativeList } from '../native';
import { adoptNative, adopting, kShare, registerShareable, type Shareable, type ShareRecord } from '../shared/handles';
import { describe } from '../task_function';
import { decodeValue, encodeValue, encodeValues } from './stored';

const MISSING = 1;

function index(i: unknown, where: string): number {
  if (!Number.isInteger(i)) throw new TypeError(`${where}: index must be an integer, got ${describe(i)}`);
  return i as number;
}

/** Python's ordering for sort(): numbers, strings, bigints, booleans by value. */
function pythonOrder(a: unknown, b: unknown): number {
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/** Options of `ListProxy.sort`, as Python's `list.sort(key=..., reverse=...)`. */
export interface SortOptions<T> {
  /** Sorts by `key(item)` instead of the item. */
  key?: (item: T) => unknown;
  /** Largest first. */
  reverse?: boolean;
}

/**
 * `manager.list()`: a list living in the native core, shared by every thread;
 * each operation is atomic (`sort` retries if the list changed meanwhile).
 * Values read out of it are copies; a value may hold shared objects and
 * proxies, kept alive while stored and read back as live handles. Equality
 * (`index`, `count`, `remove`) compares numbers by value (0 equals -0) and
 * other values by their serialized form (a shared object by identity).
 *
 * `for..of` reads the live list as it goes, by index, as a Python list
 * iterator does: items pushed during the iteration are seen; removing an item
 * before the cursor shifts the rest down, so the next one is skipped.
 */
export class ListProxy<T = unknown> implements Shareable {
  readonly #native: NativeList;

  /** @internal Use `manager.list()`. */
  constructor(init?: Iterable<T>) {
    this.#native = adoptNative<NativeList>() ?? new native.NativeList();
    if (init !== undefined) this.extend(init);
  }

  /** The number of items. */
  get length(): number {
    return this.#native.length();
  }

  /** The item at `i` (negative counts from the end). */
  get(i: number): T {
    const taken = this.#native.get(index(i, 'ListProxy.get'));
    if (taken.status === MISSING) throw new Error(`list index ${i} out of range`);
    return decodeValue(taken) as T;
  }

  /** Replaces the item at `i` (negative counts from the end). */
  set(i: number, value: T): void {
    const at = index(i, 'ListProxy.set');
    const { format, payload, ids } = encodeValue(value, 'ListProxy.set');
    this.#native.set(at, format, payload, ids);
  }

  /** Appends items (Python's `append`); returns the new length. */
  push(...items: T[]): number {
    return this.extend(items);
  }

  /** Appends every item in one atomic step; returns the new length. */
  extend(items: Iterable<T>): number {
    const { formats, payloads, shared } = encodeValues(items, 'ListProxy.extend');
    return this.#native.extend(formats, payloads, shared);
  }

  /** Removes and returns the item at `i` (default the last). */
  pop(i = -1): T {
    return decodeValue(this.#native.pop(index(i, 'ListProxy.pop'))) as T;
  }

  /** Inserts `value` before index `i`. */
  insert(i: number, value: T): void {
    const at = index(i, 'ListProxy.insert');
    const { format, payload, ids } = encodeValue(value, 'ListProxy.insert');
    this.#native.insert(at, format, payload, ids);
  }

  /** Removes the first item equal to `value`; throws if there is none. */
  remove(value: T): void {
    const { format, payload } = encodeValue(value, 'ListProxy.remove');
    if (!this.#native.remove(format, payload)) throw new Error(`ListProxy.remove(x): x not in list`);
  }

  /** Index of the first item equal to `value`; throws if there is none. */
  index(value: T): number {
    const { format, payload } = encodeValue(value, 'ListProxy.index');
    const at = this.#native.indexOf(format, payload);
    if (at < 0) throw new Error(`ListProxy.index(x): x not in list`);
    return at;
  }

  /** How many items equal `value`. */
  count(value: T): number {
    const { format, payload } = encodeValue(value, 'ListProxy.count');
    return this.#native.count(format, payload);
  }

  /** Removes every item. */
  clear(): void {
    this.#native.clear();
  }

  /** Reverses the list in place. */
  reverse(): void {
    this.#native.reverse();
  }

  /** Sorts in place as Python does (by value, or by `key`), optionally reversed. */
  sort(options: SortOptions<T> = {}): void {
    const key = options.key ?? ((item: T) => item);
    for (;;) {
      const { version, items } = this.#native.snapshot();
      const decorated = items.map((taken, at) => ({ key: key(decodeValue(taken) as T), at }));
      decorated.sort((a, b) => pythonOrder(a.key, b.key) * (options.reverse ? -1 : 1));
      // The stored values move as they are: no re-encoding.
      if (this.#native.reorderIf(version, decorated.map((d) => d.at))) return;
    }
  }

  /** A copy of the items from `start` to `end`, as `Array.prototype.slice`. */
  slice(start?: number, end?: number): T[] {
    return this.toArray().slice(start, end);
  }

  /** A copy of every item, taken in one atomic step. */
  toArray(): T[] {
    return this.#native.snapshot().items.map((taken) => decodeValue(taken) as T);
  }

  /** Reads the live list by index (see the class comment). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; ; i++) {
      const taken = this.#native.get(i);
      if (taken.status === MISSING) return;
      yield decodeValue(taken) as T;
    }
  }

  /** @internal */
  shutDown(): void {
    this.#native.shutDown();
  }

  /** @internal */
  [kShare](): ShareRecord {
    return { kind: 'ListProxy', ids: [this.#native.id] };
  }
}

registerShareable('ListProxy', (record) => adopting(native.NativeList.attach(record.ids[0]), () => new ListProxy()));
