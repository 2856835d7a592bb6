// Finds, before anything is sent, the first value structured clone would refuse
// or silently damage, so the caller gets a TypeError naming its path. Shared
// objects (locks, values, queues...) are fine: they travel as live handles.
import { isShareable, kShare } from '../shared/handles';

const CLONEABLE_CLASSES: Function[] = [
  Date, RegExp, ArrayBuffer, SharedArrayBuffer, Map, Set, Error, Boolean, Number, String, BigInt,
];

/**
 * Throws a TypeError naming `path` if `value` cannot travel to a worker.
 * `refuseShared`: where shared objects cannot go either (a queue item, a pipe
 * message, a proxy value travel by copy, not as live handles), named in the error.
 */
export function assertCloneable(value: unknown, path: string, refuseShared?: string): void {
  const type = typeof value;
  if (type !== 'object' && type !== 'function' && type !== 'symbol') return;
  if (value === null) return;
  walk(value, path, new Set(), refuseShared);
}

function walk(value: unknown, path: string, seen: Set<object>, refuseShared: string | undefined): void {
  const type = typeof value;
  if (type === 'function') {
    throw new TypeError(
      `${path} is a function, which cannot be sent to a worker (values travel by structured clone); ` +
        'pass data instead, or do the work inside the task function',
    );
  }
  if (type === 'symbol') throw new TypeError(`${path} is a Symbol, which cannot be sent to a worker`);
  if (type !== 'object' || value === null) return;
  const object = value as object;
  if (refuseShared !== undefined && isShareable(object)) {
    throw new TypeError(
      `${path} is a shared object (${object[kShare]().kind}), which ${refuseShared}; ` +
        'pass it to the task or Process as an argument instead',
    );
  }
  if (seen.has(object) || isShareable(object)) return;
  seen.add(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      const item = object[i];
      if (typeof item === 'object' || typeof item === 'function' || typeof item === 'symbol') {
        walk(item, `${path}[${i}]`, seen, refuseShared);
      }
    }
    return;
  }
  const proto = Object.getPrototypeOf(object);
  if (proto === Object.prototype || proto === null) {
    for (const key of Object.keys(object)) {
      walk((object as Record<string, unknown>)[key], `${path}${propertyPath(key)}`, seen, refuseShared);
    }
    return;
  }
  if (ArrayBuffer.isView(object)) return;
  if (object instanceof Map) {
    for (const [key, item] of object) {
      walk(key, `${path}.<key ${String(key)}>`, seen, refuseShared);
      walk(item, `${path}.get(${typeof key === 'string' ? JSON.stringify(key) : String(key)})`, seen, refuseShared);
    }
    return;
  }
  if (object instanceof Set) {
    for (const item of object) walk(item, `${path}.<item>`, seen, refuseShared);
    return;
  }
  if (CLONEABLE_CLASSES.some((cls) => object instanceof cls)) return;
  const name = (proto?.constructor as Function | undefined)?.name || 'an object with a custom prototype';
  throw new TypeError(
    `${path} is an instance of ${name}, which cannot be sent to a worker: structured clone keeps ` +
      'only plain data and would drop its class and methods; pass a plain object instead',
  );
}

function propertyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
