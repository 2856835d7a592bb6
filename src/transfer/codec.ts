import { serialize, deserialize } from 'node:v8';
import { replaceShared, reviveShared, type ShareRecord } from '../shared/handles';
import { toErrorRecord, type ErrorRecord } from './remote_error';

// Payload encodings of jobs and results. Structured clone (v8.serialize) carries
// anything; chunks made only of numbers travel as raw int32s or float64s, which
// costs a copy rather than a per-item (de)serialization. Int32 matters beyond
// size: values read from an Int32Array are small integers to V8, so integer
// task code stays on its integer fast path instead of boxed doubles.

export const enum Format {
  StructuredClone = 0,
  Float64 = 1,
  Int32 = 2,
  /** Structured clone with shared objects replaced by markers (shared/handles.ts). */
  StructuredCloneShared = 3,
}

/** How a job's items are passed to the function: `fn(item)` or `fn(...item)`. */
export const enum CallMode {
  Single = 0,
  Spread = 1,
}

export interface Encoded {
  format: Format;
  payload: Uint8Array;
}

export interface EncodedResults extends Encoded {
  /** False when some item failed (the payload then carries its error). */
  ok: boolean;
}

/** Items failed by index (-1: the whole job failed). */
export type ItemErrors = [index: number, error: ErrorRecord][];

interface PartialResults {
  results: unknown[];
  errors: ItemErrors;
}

/** The cheapest format that carries `values` exactly, for numbers only. */
function numericFormat(values: ArrayLike<unknown>): Format {
  if (values instanceof Int32Array || values instanceof Int16Array || values instanceof Uint16Array
    || values instanceof Int8Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray) return Format.Int32;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) return Format.StructuredClone;
  let format = Format.Int32;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== 'number') return Format.StructuredClone;
    if (format === Format.Int32 && ((value | 0) !== value || (value === 0 && 1 / value < 0))) format = Format.Float64;
  }
  return format;
}

function numericBytes(format: Format, values: ArrayLike<number>): Uint8Array {
  const typed = format === Format.Int32
    ? (values instanceof Int32Array ? values : Int32Array.from(values))
    : (values instanceof Float64Array ? values : Float64Array.from(values));
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

function numericView(format: number, payload: Uint8Array): Int32Array | Float64Array {
  const Type = format === Format.Int32 ? Int32Array : Float64Array;
  if (payload.byteOffset % Type.BYTES_PER_ELEMENT === 0) {
    return new Type(payload.buffer as ArrayBuffer, payload.byteOffset, payload.byteLength / Type.BYTES_PER_ELEMENT);
  }
  // A copy (Uint8Array's slice: a Buffer's slice would share the memory).
  return new Type(Uint8Array.prototype.slice.call(payload).buffer);
}

/** `shared`: the items hold shared-object markers (see replaceShared). */
export function encodeJob(mode: CallMode, items: ArrayLike<unknown>, shared: boolean): Encoded {
  if (shared) return { format: Format.StructuredCloneShared, payload: serialize([mode, items]) };
  const format = mode === CallMode.Single ? numericFormat(items) : Format.StructuredClone;
  if (format !== Format.StructuredClone) return { format, payload: numericBytes(format, items as ArrayLike<number>) };
  return { format, payload: serialize([mode, items]) };
}

export function decodeJob(format: number, payload: Uint8Array): [CallMode, ArrayLike<unknown>] {
  if (format === Format.StructuredClone) return deserialize(payload) as [CallMode, unknown[]];
  if (format === Format.StructuredCloneShared) {
    const [mode, items] = deserialize(payload) as [CallMode, unknown[]];
    return [mode, reviveShared(items) as unknown[]];
  }
  return [CallMode.Single, numericView(format, payload)];
}

export function encodeResults(results: unknown[], errors: ItemErrors | null): EncodedResults {
  const ok = errors === null;
  const format = ok ? numericFormat(results) : Format.StructuredClone;
  if (format !== Format.StructuredClone) return { ok, format, payload: numericBytes(format, results as number[]) };
  const returnedShared = sharedResults(results);
  if (returnedShared.length > 0) return encodeResults(results, [...(errors ?? []), ...returnedShared]);
  try {
    const payload = serialize(ok ? results : ({ results, errors } satisfies PartialResults));
    return { ok, format, payload };
  } catch {
    return { ok: false, format, payload: serialize(failUncloneable(results, errors ?? [])) };
  }
}

/**
 * A shared object made in a worker cannot travel back (the worker may drop it
 * before the caller attaches): fail those items, saying what to do instead.
 */
function sharedResults(results: unknown[]): ItemErrors {
  const failed: ItemErrors = [];
  for (let i = 0; i < results.length; i++) {
    const result = results[i];
    if (typeof result !== 'object' || result === null) continue;
    const found: ShareRecord[] = [];
    replaceShared(result, found);
    if (found.length === 0) continue;
    results[i] = undefined;
    failed.push([i, toErrorRecord(new TypeError(
      `the task returned a shared ${found[0].kind}, which cannot be sent back from the worker; ` +
        'create shared objects in the caller and pass them to the task as arguments',
    ))]);
  }
  return failed;
}

// Some result cannot be cloned: fail just those items, saying what went wrong.
function failUncloneable(results: unknown[], errors: ItemErrors): PartialResults {
  for (let i = 0; i < results.length; i++) {
    try {
      serialize(results[i]);
    } catch (error) {
      errors.push([i, toErrorRecord(new TypeError(
        `the task returned a value that cannot be sent back from the worker (${(error as Error).message}); ` +
          'return plain data (structured-clone values)',
      ))]);
      results[i] = undefined;
    }
  }
  return { results, errors };
}

/** Results of a finished job, with item errors when `ok` is false. */
export function decodeResults(ok: boolean, format: number, payload: Uint8Array): { results: ArrayLike<unknown>; errors: ItemErrors | null } {
  if (format !== Format.StructuredClone) return { results: numericView(format, payload), errors: null };
  const data = deserialize(payload);
  if (ok) return { results: data as unknown[], errors: null };
  return data as PartialResults;
}
