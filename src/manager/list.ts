import { native, type NativeList } from '../native';
import { decodeItem, encodeItem } from '../queues/queue';
import { adoptNative, adopting, kShare, registerShareable, type Shareable, type ShareRecord } from '../shared/handles';
import { describe } from '../task_function';

function index(i: unknown, where: string): number {
  if (!Number.isInteger(i)) throw new TypeError(`${where}: index must be an integer, got ${describe(i)}`);
  return i as number;
}

/** Python's ordering for sort(): numbers, strings, bigints, booleans by value. */
function pythonOrder(a: unknown, b: unknown): number {
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

export interface SortOptions<T> {
  key?: (item: T) => unknown;
  reverse?: boolean;
}

/**
 * `manager.list()`: a list living in the native core, shared by every thread;
 * each operation is atomic (`sort` retries if the list changed meanwhile).
 * Values read out of it are copies. Equality (`index`, `count`, `remove`)
 * compares numbers by value (0 equals -0) and other values by their
 * serialized form.
 */
export class ListProxy<T = unknown> implements Shareable {
  readonly #native: NativeList;

  /** @internal Use `manager.list()`. */
  constructor(init?: Iterable<T>) {
    this.#native = adoptNative<NativeList>() ?? new native.NativeList();
    if (init !== undefined) this.extend(init);
  }

  get length(): number {
    return this.#native.length();
  }

  get(i: number): T {
    return decodeItem(this.#native.get(index(i, 'ListProxy.get'))) as T;
  }

  set(i: number, value: T): void {
    const { format, payload } = encodeItem(value, 'ListProxy.set');
    this.#native.set(index(i, 'ListProxy.set'), format, payload);
  }

  push(...items: T[]): number {
    return this.extend(items);
  }

  /** Appends every item in one atomic step; returns the new length. */
  extend(items: Iterable<T>): number {
    const formats: number[] = [];
    const payloads: Uint8Array[] = [];
    for (const item of items) {
      const { format, payload } = encodeItem(item, 'ListProxy.extend');
      formats.push(format);
      payloads.push(payload);
    }
    return this.#native.extend(formats, payloads);
  }

  pop(i = -1): T {
    return decodeItem(this.#native.pop(index(i, 'ListProxy.pop'))) as T;
  }

  insert(i: number, value: T): void {
    const { format, payload } = encodeItem(value, 'ListProxy.insert');
    this.#native.insert(index(i, 'ListProxy.insert'), format, payload);
  }

  /** Removes the first item equal to `value`; throws if there is none. */
  remove(value: T): void {
    const { format, payload } = encodeItem(value, 'ListProxy.remove');
    if (!this.#native.remove(format, payload)) throw new Error(`ListProxy.remove(x): x not in list`);
  }

  /** Index of the first item equal to `value`; throws if there is none. */
  index(value: T): number {
    const { format, payload } = encodeItem(value, 'ListProxy.index');
    const at = this.#native.indexOf(format, payload);
    if (at < 0) throw new Error(`ListProxy.index(x): x not in list`);
    return at;
  }

  count(value: T): number {
    const { format, payload } = encodeItem(value, 'ListProxy.count');
    return this.#native.count(format, payload);
  }

  reverse(): void {
    this.#native.reverse();
  }

  /** Sorts in place as Python does (by value, or by `key`), optionally reversed. */
  sort(options: SortOptions<T> = {}): void {
    const key = options.key ?? ((item: T) => item);
    for (;;) {
      const { version, items } = this.#native.snapshot();
      const decorated = items.map((taken) => {
        const value = decodeItem(taken) as T;
        return { key: key(value), taken };
      });
      decorated.sort((a, b) => pythonOrder(a.key, b.key) * (options.reverse ? -1 : 1));
      const sorted = decorated.map((d) => d.taken);
      const formats = sorted.map((t) => t.format);
      const payloads = sorted.map((t) => encodeItem(decodeItem(t), 'ListProxy.sort').payload);
      if (this.#native.replaceIf(version, formats, payloads)) return;
    }
  }

  slice(start?: number, end?: number): T[] {
    return this.toArray().slice(start, end);
  }

  toArray(): T[] {
    return this.#native.snapshot().items.map((taken) => decodeItem(taken) as T);
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.toArray()[Symbol.iterator]();
  }

  /** @internal */
  shutDown(): void {
    this.#native.shutDown();
  }

  [kShare](): ShareRecord {
    return { kind: 'ListProxy', ids: [this.#native.id] };
  }
}

registerShareable('ListProxy', (record) => adopting(native.NativeList.attach(record.ids[0]), () => new ListProxy()));
