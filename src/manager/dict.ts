import { native, type NativeDict } from '../native';
import { adoptNative, adopting, kShare, registerShareable, type Shareable, type ShareRecord } from '../shared/handles';
import { describe } from '../task_function';
import { decodeKey, encodeKey, type DictKey } from './keys';
import { decodeValue, encodeValue, encodeValues } from './stored';

const MISSING = 1;

/**
 * `manager.dict()`: a Map-like dictionary living in the native core, shared by
 * every thread; each operation is atomic. As in Python, a value read out of it
 * is a copy: mutating that copy does not write it back. A value may hold
 * shared objects and proxies (a Lock, a Queue, another dict...): they are kept
 * alive while stored and come back as live handles to the same objects.
 *
 * `keys()`, `values()`, `entries()` and `for..of` read the live dict as they
 * go, one entry per step, as a Python proxy iterator does: entries set during
 * the iteration are seen when they come after the cursor (an entry keeps its
 * place when its value is set again), entries deleted before they are reached
 * are not. A key present throughout is seen once, unless the key just yielded
 * and one before it are both deleted between two steps (then one key may be
 * skipped). `toObject()` is one consistent copy.
 */
export class DictProxy<K extends DictKey = DictKey, V = unknown> implements Shareable {
  readonly #native: NativeDict;

  /** @internal Use `manager.dict()`. */
  constructor(init?: Iterable<readonly [K, V]> | Record<string, V>) {
    this.#native = adoptNative<NativeDict>() ?? new native.NativeDict();
    if (init !== undefined) this.update(init);
  }

  /** The value of `key`, or undefined. */
  get(key: K): V | undefined {
    const taken = this.#native.get(encodeKey(key, 'DictProxy.get'));
    return taken.status === MISSING ? undefined : (decodeValue(taken) as V);
  }

  /** Stores `value` under `key`. */
  set(key: K, value: V): this {
    const encodedKey = encodeKey(key, 'DictProxy.set');
    const { format, payload, ids } = encodeValue(value, 'DictProxy.set');
    this.#native.set(encodedKey, format, payload, ids);
    return this;
  }

  /** Removes `key`; whether it was there. */
  delete(key: K): boolean {
    return this.#native.delete(encodeKey(key, 'DictProxy.delete'));
  }

  /** Whether `key` is there. */
  has(key: K): boolean {
    return this.#native.has(encodeKey(key, 'DictProxy.has'));
  }

  /** The number of entries. */
  get size(): number {
    return this.#native.size();
  }

  /**
   * Removes `key` and returns its value; `fallback` when it is missing, or a
   * KeyError (an Error naming the key) when no fallback is given.
   */
  pop(key: K, ...fallback: [] | [V]): V {
    const taken = this.#native.pop(encodeKey(key, 'DictProxy.pop'));
    if (taken.status !== MISSING) return decodeValue(taken) as V;
    if (fallback.length > 0) return fallback[0] as V;
    throw keyError(`DictProxy.pop(${describe(key)}): no such key; pass a default to get it back instead`);
  }

  /** Removes the entry inserted last and returns it; a KeyError when empty. */
  popitem(): [K, V] {
    const entry = this.#native.popitem();
    if (!entry) throw keyError('DictProxy.popitem(): the dict is empty');
    return [decodeKey(entry.key) as K, decodeValue(entry.value) as V];
  }

  /** The value of `key`, after storing `value` there if it was missing. */
  setdefault(key: K, value: V): V {
    const encodedKey = encodeKey(key, 'DictProxy.setdefault');
    const { format, payload, ids } = encodeValue(value, 'DictProxy.setdefault');
    const taken = this.#native.setdefault(encodedKey, format, payload, ids);
    return taken.status === MISSING ? value : (decodeValue(taken) as V);
  }

  /** A live iterator over the keys. */
  keys(): IterableIterator<K> {
    return this.#live(false, (key) => key);
  }

  /** A live iterator over the values. */
  values(): IterableIterator<V> {
    return this.#live(true, (_key, value) => value);
  }

  /** A live iterator over `[key, value]` pairs. */
  entries(): IterableIterator<[K, V]> {
    return this.#live(true, (key, value) => [key, value]);
  }

  /** The entries, as `entries()`. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /** Walks the live dict, one native call per entry (see the class comment). */
  *#live<R>(withValue: boolean, out: (key: K, value: V) => R): IterableIterator<R> {
    let previous: string | undefined;
    let position = 0;
    for (;;) {
      const step = this.#native.next(previous, position, withValue);
      if (!step) return;
      previous = step.key;
      position = step.position;
      yield out(decodeKey(step.key) as K, (withValue ? decodeValue(step.value!) : undefined) as V);
    }
  }

  /** One consistent copy of every entry. */
  #snapshot(): [K, V][] {
    return this.#native.entries().map((entry) => [decodeKey(entry.key) as K, decodeValue(entry.value) as V]);
  }

  /** Sets every pair, in one atomic step. */
  update(pairs: Iterable<readonly [K, V]> | Record<string, V> | DictProxy<K, V>): void {
    const entries: (readonly [unknown, V])[] = pairs instanceof DictProxy
      ? pairs.#snapshot()
      : Symbol.iterator in Object(pairs) ? [...(pairs as Iterable<readonly [K, V]>)] : Object.entries(pairs);
    const keys = entries.map(([key]) => encodeKey(key, 'DictProxy.update'));
    const { formats, payloads, shared } = encodeValues(entries.map(([, value]) => value), 'DictProxy.update');
    this.#native.update(keys, formats, payloads, shared);
  }

  /** A plain-object copy (keys as strings), taken in one atomic step. */
  toObject(): Record<string, V> {
    return Object.fromEntries(this.#snapshot().map(([k, v]) => [String(k), v]));
  }

  /** Removes every entry. */
  clear(): void {
    this.#native.clear();
  }

  /** @internal */
  shutDown(): void {
    this.#native.shutDown();
  }

  /** @internal */
  [kShare](): ShareRecord {
    return { kind: 'DictProxy', ids: [this.#native.id] };
  }
}

/** Python's KeyError, as an Error of that name. */
function keyError(message: string): Error {
  const error = new Error(message);
  error.name = 'KeyError';
  return error;
}

registerShareable('DictProxy', (record) => adopting(native.NativeDict.attach(record.ids[0]), () => new DictProxy()));
