import { kShare, registerShareable, revive, type ShareRecord } from '../shared/handles';
import { DictProxy } from './dict';

/** `manager.namespace()`: attributes stored in a shared dict. */
export type Namespace = Record<string, any>;

export function makeNamespace(dict: DictProxy<string, unknown>): Namespace {
  const record = (): ShareRecord => ({ kind: 'Namespace', ids: dict[kShare]().ids, state: dict[kShare]() });
  return new Proxy(Object.create(null) as Namespace, {
    get: (_target, property) => {
      if (property === kShare) return record;
      return typeof property === 'string' ? dict.get(property) : undefined;
    },
    set: (_target, property, value) => {
      if (typeof property !== 'string') return false;
      dict.set(property, value);
      return true;
    },
    has: (_target, property) => typeof property === 'string' && dict.has(property),
    deleteProperty: (_target, property) => typeof property === 'string' && dict.delete(property),
    ownKeys: () => [...dict.keys()],
    getOwnPropertyDescriptor: (_target, property) => {
      if (typeof property !== 'string' || !dict.has(property)) return undefined;
      return { value: dict.get(property), writable: true, enumerable: true, configurable: true };
    },
  });
}

registerShareable('Namespace', (record) => makeNamespace(revive(record.state as ShareRecord) as DictProxy<string, unknown>));
