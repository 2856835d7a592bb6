import { deserialize, serialize } from 'node:v8';
import type { QueueTake } from '../native';
import { decodeItem, encodeItem } from '../queues/queue';
import { replaceShared, reviveShared, shareIds, type ShareRecord } from '../shared/handles';
import { assertCloneable } from '../transfer/cloneable';

// How proxy values are stored: as queue items, except that a value holding
// shared objects (a Lock, a Queue, another proxy...) is stored with markers in
// their place (shared/handles.ts) and their ids, which the native store holds
// alive while the value is stored. Read back, the markers become live handles.

/** Structured clone with shared-object markers (after queue.ts's formats). */
const SHARED = 4;

export interface EncodedValue {
  format: number;
  payload: Uint8Array;
  /** The native ids of the shared objects the value holds, if any. */
  ids?: number[];
}

export function encodeValue(value: unknown, where: string): EncodedValue {
  const found: ShareRecord[] = [];
  const replaced = replaceShared(value, found);
  if (found.length === 0) return encodeItem(value, where);
  assertCloneable(value, 'value');
  return { format: SHARED, payload: serialize(replaced), ids: shareIds(found) };
}

/** Reads a stored value (while `taken` keeps its shared objects alive). */
export function decodeValue(taken: QueueTake): unknown {
  return taken.format === SHARED ? reviveShared(deserialize(taken.payload!)) : decodeItem(taken);
}

/** Encodes `values` for one native call: the `shared` ids only if any value has some. */
export function encodeValues(values: Iterable<unknown>, where: string): { formats: number[]; payloads: Uint8Array[]; shared?: number[][] } {
  const formats: number[] = [];
  const payloads: Uint8Array[] = [];
  const ids: (number[] | undefined)[] = [];
  for (const value of values) {
    const encoded = encodeValue(value, where);
    formats.push(encoded.format);
    payloads.push(encoded.payload);
    ids.push(encoded.ids);
  }
  const shared = ids.some((one) => one !== undefined) ? ids.map((one) => one ?? []) : undefined;
  return { formats, payloads, shared };
}
