import { native, type NativeDict } from '../native';
import { decodeItem, encodeItem } from '../queues/queue';
import { adoptNative, adopting, kShare, registerShareable, type Shareable, type ShareRecord } from '../shared/handles';
import { decodeKey, encodeKey, type DictKey } from './keys';

const MISSING = 1;

/**
 * `manager.dict()`: a Map-like dictionary living in the native core, shared by
 * every thread; each operation is atomic. As in Python, a value read out of it
 * is a copy: mutating that copy does not write it back.
 */
export class DictProxy<K extends DictKey = DictKey, V = unknown> implements Shareable {
  readonly #native: NativeDict;

  /** @internal Use `manager.dict()`. */
  constructor(init?: Iterable<readonly [K, V]> | Record<string, V>) {
    this.#native = adoptNative<NativeDict>() ?? new native.NativeDict();
    if (init !== undefined) this.update(init);
  }

  get(key: K): V | undefined {
    const taken = this.#native.get(encodeKey(key, 'DictProxy.get'));
    return taken.status === MISSING ? undefined : (decodeItem(taken) as V);
  }

  set(key: K, value: V): this {
    const { format, payload } = encodeItem(value, 'DictProxy.set');
    this.#native.set(encodeKey(key, 'DictProxy.set'), format, payload);
    return this;
  }

  delete(key: K): boolean {
    return this.#native.delete(encodeKey(key, 'DictProxy.delete'));
  }

  has(key: K): boolean {
    return this.#native.has(encodeKey(key, 'DictProxy.has'));
  }

  get size(): number {
    return this.#native.size();
  }

  keys(): K[] {
    return this.#native.entries().map((entry) => decodeKey(entry.key) as K);
  }

  values(): V[] {
    return this.#native.entries().map((entry) => decodeItem(entry.value) as V);
  }

  entries(): [K, V][] {
    return this.#native.entries().map((entry) => [decodeKey(entry.key) as K, decodeItem(entry.value) as V]);
  }

  /** Sets every pair, in one atomic step. */
  update(pairs: Iterable<readonly [K, V]> | Record<string, V> | DictProxy<K, V>): void {
    const entries: (readonly [unknown, V])[] = pairs instanceof DictProxy
      ? pairs.entries()
      : Symbol.iterator in Object(pairs) ? [...(pairs as Iterable<readonly [K, V]>)] : Object.entries(pairs);
    const keys: string[] = [];
    const formats: number[] = [];
    const payloads: Uint8Array[] = [];
    for (const [key, value] of entries) {
      const { format, payload } = encodeItem(value, 'DictProxy.update');
      keys.push(encodeKey(key, 'DictProxy.update'));
      formats.push(format);
      payloads.push(payload);
    }
    this.#native.update(keys, formats, payloads);
  }

  /** A plain-object copy (keys as strings). */
  toObject(): Record<string, V> {
    return Object.fromEntries(this.entries().map(([k, v]) => [String(k), v]));
  }

  clear(): void {
    this.#native.clear();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries()[Symbol.iterator]();
  }

  /** @internal */
  shutDown(): void {
    this.#native.shutDown();
  }

  [kShare](): ShareRecord {
    return { kind: 'DictProxy', ids: [this.#native.id] };
  }
}

registerShareable('DictProxy', (record) => adopting(native.NativeDict.attach(record.ids[0]), () => new DictProxy()));
