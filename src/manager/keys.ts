import { describe } from '../task_function';

// Dict keys are primitives compared as Map keys compare them (SameValueZero),
// encoded as tagged strings for the native table: 1 and '1' differ, -0 is 0.

export type DictKey = string | number | bigint | boolean | null;

export function encodeKey(key: unknown, where: string): string {
  switch (typeof key) {
    case 'string':
      return `s${key}`;
    case 'number':
      return `n${Object.is(key, -0) ? 0 : key}`;
    case 'bigint':
      return `b${key}`;
    case 'boolean':
      return key ? 't' : 'f';
    default:
      if (key === null) return 'z';
      throw new TypeError(`${where}: keys must be strings, numbers, bigints, booleans or null, got ${describe(key)}`);
  }
}

export function decodeKey(encoded: string): DictKey {
  const rest = encoded.slice(1);
  switch (encoded[0]) {
    case 's':
      return rest;
    case 'n':
      return Number(rest);
    case 'b':
      return BigInt(rest);
    case 't':
      return true;
    case 'f':
      return false;
    default:
      return null;
  }
}
