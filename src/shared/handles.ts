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

/** What a kind declares about itself when it registers. */
export interface KindOptions {
  /** Its objects work in any process (attached by what their record holds,
   *  such as a name), so they travel to process-context tasks and Processes
   *  too; other kinds live in one process's memory. */
  crossesProcesses?: boolean;
}

const revivers = new Map<string, Reviver>();
const crossing = new Set<string>();

/** The key of the plain object that stands for a shared object in transit. */
export const MARKER = '__multiproc_shared__';

export function registerShareable(kind: string, revive: Reviver, options: KindOptions = {}): void {
  revivers.set(kind, revive);
  if (options.crossesProcesses) crossing.add(kind);
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
 * Whether `value` holds a shared object, in the containers structured clone
 * walks (`local`: one whose kind does not cross processes). On true, `path`
 * holds the steps to the first one found (cheap to keep: joined into text
 * only by findShared).
 */
function holdsShared(value: unknown, seen: Set<object>, path: (string | number)[], local: boolean): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  seen.add(value);
  if (isShareable(value)) return !local || !crossing.has(value[kShare]().kind);
  const step = (item: unknown, key: string | number) => {
    path.push(key);
    if (holdsShared(item, seen, path, local)) return true;
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
 *  is (`local`: of a kind that does not cross processes); undefined if none. */
export function findShared(value: unknown, root: string, local = false): string | undefined {
  const path: (string | number)[] = [];
  if (!holdsShared(value, new Set(), path, local)) return undefined;
  return root + path.map((step) => (typeof step === 'number' ? `[${step}]` : step)).join('');
}

/** A copy of `value` with markers for shared objects; `copies` keeps cycles and shared references. */
function withMarkers(value: unknown, found: ShareRecord[], copies: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (copies.has(value)) return copies.get(value);
  if (isShareable(value)) {
    const record = value[kShare]();
    found.push(record);
    const marker = { [MARKER]: record };
    copies.set(value, marker);
    return marker;
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length);
    copies.set(value, copy);
    for (let i = 0; i < value.length; i++) if (i in value) copy[i] = withMarkers(value[i], found, copies);
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map();
    copies.set(value, copy);
    for (const [k, v] of value) copy.set(withMarkers(k, found, copies), withMarkers(v, found, copies));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set();
    copies.set(value, copy);
    for (const item of value) copy.add(withMarkers(item, found, copies));
    return copy;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const copy: Record<string, unknown> = Object.create(proto);
  copies.set(value, copy);
  for (const key of Object.keys(value)) copy[key] = withMarkers((value as Record<string, unknown>)[key], found, copies);
  return copy;
}

/**
 * A copy of `value` with every shared object replaced by its marker, or
 * `value` itself when it holds none. Only containers structured clone walks
 * (plain objects, arrays, Maps, Sets) are searched; cycles are kept.
 */
export function replaceShared(value: unknown, found: ShareRecord[]): unknown {
  return holdsShared(value, new Set(), [], false) ? withMarkers(value, found, new Map()) : value;
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
