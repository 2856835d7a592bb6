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

/** Where a shared object is sent: another thread of this process (its record
 *  names native ids), or another process (its record locates OS shared memory). */
export type Destination = 'thread' | 'process';

/** Answers whether a shared object can be sent to another process; a kind
 *  without it cannot (yet). */
export const kCrossesProcesses = Symbol.for('multiproc.crossesProcesses');

export interface Shareable {
  [kShare](to?: Destination): ShareRecord;
  [kCrossesProcesses]?(): boolean;
}

export function crossesProcesses(value: Shareable): boolean {
  return value[kCrossesProcesses]?.() === true;
}

/** Where another process finds a native object's memory (see the binding's `locate`). */
export interface Location {
  token: string;
  offset: number;
  len: number;
}

/** The record of a kind whose native object is found by id in this process,
 *  or by the location of its memory from another process. */
export function nativeRecord(kind: string, object: { id: number; locate(): Location }, to: Destination): ShareRecord {
  return to === 'process' ? { kind, ids: [object.id], state: { at: object.locate() } } : { kind, ids: [object.id] };
}

/** The native object a `nativeRecord` names, attached by location or by id. */
export function attachNative<T>(record: ShareRecord, byId: (id: number) => T, byLocation: (at: Location) => T): T {
  const at = (record.state as { at?: Location } | undefined)?.at;
  return at === undefined ? byId(record.ids[0]) : byLocation(at);
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
  SharedMemory: '../shared_memory/shared_memory', ShareableList: '../shared_memory/shareable_list',
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
 * Whether `value` holds a shared object (one `accept` refuses, if given), in
 * the containers structured clone walks. On true, `path` holds the steps to
 * the first one found (cheap to keep: joined into text only by findShared).
 */
function holdsShared(value: unknown, seen: Set<object>, path: (string | number)[], accept?: (found: Shareable) => boolean): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  seen.add(value);
  if (isShareable(value)) return accept === undefined || !accept(value);
  const step = (item: unknown, key: string | number) => {
    path.push(key);
    if (holdsShared(item, seen, path, accept)) return true;
    path.pop();
    return false;
  };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (step(value[i], i)) return true;
    return false;
  }
  if (value instanceof Set) {
    for (const item of value) if (step(item, ' (an item of a Set)')) return true;
    return false;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) if (step(k, ' (a key of a Map)') || step(v, `.get(${String(k)})`)) return true;
    return false;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(value)) if (step((value as Record<string, unknown>)[key], `.${key}`)) return true;
  return false;
}

/** Where in `value` (named from `root`, e.g. `args`) the first shared object
 *  is (the first `accept` refuses, if given); undefined if none. */
export function findShared(value: unknown, root: string, accept?: (found: Shareable) => boolean): string | undefined {
  const path: (string | number)[] = [];
  if (!holdsShared(value, new Set(), path, accept)) return undefined;
  return root + path.map((step) => (typeof step === 'number' ? `[${step}]` : step)).join('');
}

/** A copy of `value` with markers for shared objects; `copies` keeps cycles and shared references. */
function withMarkers(value: unknown, found: ShareRecord[], copies: Map<object, unknown>, to: Destination): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (copies.has(value)) return copies.get(value);
  if (isShareable(value)) {
    const record = value[kShare](to);
    found.push(record);
    const marker = { [MARKER]: record };
    copies.set(value, marker);
    return marker;
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length);
    copies.set(value, copy);
    for (let i = 0; i < value.length; i++) if (i in value) copy[i] = withMarkers(value[i], found, copies, to);
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map();
    copies.set(value, copy);
    for (const [k, v] of value) copy.set(withMarkers(k, found, copies, to), withMarkers(v, found, copies, to));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set();
    copies.set(value, copy);
    for (const item of value) copy.add(withMarkers(item, found, copies, to));
    return copy;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const copy: Record<string, unknown> = Object.create(proto);
  copies.set(value, copy);
  for (const key of Object.keys(value)) copy[key] = withMarkers((value as Record<string, unknown>)[key], found, copies, to);
  return copy;
}

/**
 * A copy of `value` with every shared object replaced by its marker for `to`,
 * or `value` itself when it holds none. Only containers structured clone walks
 * (plain objects, arrays, Maps, Sets) are searched; cycles are kept.
 */
export function replaceShared(value: unknown, found: ShareRecord[], to: Destination = 'thread'): unknown {
  return holdsShared(value, new Set(), []) ? withMarkers(value, found, new Map(), to) : value;
}

/** Undoes `replaceShared` in the receiving thread, in place. */
export function reviveShared(value: unknown, revived = new Map<object, unknown>()): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (revived.has(value)) return revived.get(value);
  revived.set(value, value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reviveShared(value[i], revived);
    return value;
  }
  if (value instanceof Map) {
    const entries = [...value].map(([k, v]) => [reviveShared(k, revived), reviveShared(v, revived)] as const);
    value.clear();
    for (const [k, v] of entries) value.set(k, v);
    return value;
  }
  if (value instanceof Set) {
    const items = [...value].map((item) => reviveShared(item, revived));
    value.clear();
    for (const item of items) value.add(item);
    return value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const record = (value as Record<string, unknown>)[MARKER];
  if (record !== undefined) {
    const live = revive(record as ShareRecord);
    revived.set(value, live);
    return live;
  }
  for (const key of Object.keys(value)) (value as Record<string, unknown>)[key] = reviveShared((value as Record<string, unknown>)[key], revived);
  return value;
}
