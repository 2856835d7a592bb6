// "Shared objects travel": a Lock, Value, Queue... passed to a task arrives in
// the worker as a live handle to the same native object. The sender replaces
// each shared object by a plain marker carrying its share record; the worker
// turns markers back into objects attached to the same native state.

export const kShare = Symbol.for('multiproc.share');

/** What a shared object sends instead of itself. */
export interface ShareRecord {
  kind: string;
  /** Native ids: its own first, then those of records nested in `state`. */
  ids: number[];
  state?: unknown;
}

export interface Shareable {
  [kShare](): ShareRecord;
}

type Reviver = (record: ShareRecord) => unknown;

const revivers = new Map<string, Reviver>();

/** The key of the plain object that stands for a shared object in transit. */
export const MARKER = '__multiproc_shared__';

export function registerShareable(kind: string, revive: Reviver): void {
  revivers.set(kind, revive);
}

export function isShareable(value: unknown): value is Shareable {
  return typeof value === 'object' && value !== null && typeof (value as Shareable)[kShare] === 'function';
}

/** Where each kind registers itself, loaded on first use: a worker pays for
 *  loading only the kinds it receives. */
const KIND_MODULES: Record<string, string> = {
  Lock: '../sync/lock', RLock: '../sync/lock',
  Semaphore: '../sync/semaphore', BoundedSemaphore: '../sync/semaphore',
  Event: '../sync/event', Condition: '../sync/condition', Barrier: '../sync/barrier',
  Value: '../shared_memory/value', SharedArray: '../shared_memory/array',
  Queue: '../queues/queue', JoinableQueue: '../queues/queue', SimpleQueue: '../queues/queue',
  Connection: '../queues/pipe',
  DictProxy: '../manager/dict', ListProxy: '../manager/list', Namespace: '../manager/namespace',
};

export function revive(record: ShareRecord): unknown {
  if (!revivers.has(record.kind) && Object.hasOwn(KIND_MODULES, record.kind)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(KIND_MODULES[record.kind]);
  }
  const reviver = revivers.get(record.kind);
  if (!reviver) throw new Error(`cannot receive a shared ${record.kind}: this thread does not know that kind`);
  return reviver(record);
}

/** The native ids a record refers to, nested records included. */
export function shareIds(records: ShareRecord[]): number[] {
  return records.flatMap((record) => record.ids);
}

let adopted: unknown;

/**
 * Runs `create` (a constructor call) so that it adopts `nativeObject` instead
 * of creating a new one: constructors call `adoptNative()` first.
 */
export function adopting<T>(nativeObject: unknown, create: () => T): T {
  adopted = nativeObject;
  try {
    return create();
  } finally {
    adopted = undefined;
  }
}

/** The native object being adopted (see `adopting`), taken once. */
export function adoptNative<T>(): T | undefined {
  const taken = adopted as T | undefined;
  adopted = undefined;
  return taken;
}

/**
 * A copy of `value` with every shared object replaced by its marker, or
 * `value` itself when it holds none. Only containers structured clone walks
 * (plain objects, arrays, Maps, Sets) are searched.
 */
export function replaceShared(value: unknown, found: ShareRecord[]): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (isShareable(value)) {
    const record = value[kShare]();
    found.push(record);
    return { [MARKER]: record };
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = replaceShared(value[i], found);
      if (item !== value[i]) (copy ??= value.slice())[i] = item;
    }
    return copy ?? value;
  }
  if (value instanceof Map) {
    let changed = false;
    const entries = [...value].map(([k, v]) => {
      const entry = [replaceShared(k, found), replaceShared(v, found)] as const;
      changed ||= entry[0] !== k || entry[1] !== v;
      return entry;
    });
    return changed ? new Map(entries) : value;
  }
  if (value instanceof Set) {
    let changed = false;
    const items = [...value].map((item) => {
      const replaced = replaceShared(item, found);
      changed ||= replaced !== item;
      return replaced;
    });
    return changed ? new Set(items) : value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const replaced = replaceShared(item, found);
    if (replaced !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = replaced;
  }
  return copy ?? value;
}

/** Undoes `replaceShared` in the receiving thread, in place. */
export function reviveShared(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reviveShared(value[i]);
    return value;
  }
  if (value instanceof Map) {
    const entries = [...value].map(([k, v]) => [reviveShared(k), reviveShared(v)] as const);
    value.clear();
    for (const [k, v] of entries) value.set(k, v);
    return value;
  }
  if (value instanceof Set) {
    const items = [...value].map(reviveShared);
    value.clear();
    for (const item of items) value.add(item);
    return value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const record = (value as Record<string, unknown>)[MARKER];
  if (record !== undefined) return revive(record as ShareRecord);
  for (const key of Object.keys(value)) (value as Record<string, unknown>)[key] = reviveShared((value as Record<string, unknown>)[key]);
  return value;
}
