import { serialize, deserialize } from 'node:v8';
import { toErrorRecord, type ErrorRecord } from './remote_error';

// Payload encodings of jobs and results. Structured clone (v8.serialize) carries
// anything; chunks made only of numbers travel as raw float64s instead, which
// costs a copy rather than a per-item (de)serialization.

export const enum Format {
  StructuredClone = 0,
  Float64 = 1,
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

function float64Bytes(values: ArrayLike<number>): Uint8Array {
  const floats = values instanceof Float64Array ? values : Float64Array.from(values);
  return new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
}

function asFloat64(payload: Uint8Array): Float64Array {
  if (payload.byteOffset % 8 === 0) return new Float64Array(payload.buffer, payload.byteOffset, payload.byteLength / 8);
  return new Float64Array(payload.slice().buffer);
}

/** `numeric`: every item is a number (the caller has checked while validating). */
export function encodeJob(mode: CallMode, items: ArrayLike<unknown>, numeric: boolean): Encoded {
  if (numeric && mode === CallMode.Single) {
    return { format: Format.Float64, payload: float64Bytes(items as ArrayLike<number>) };
  }
  return { format: Format.StructuredClone, payload: serialize([mode, items]) };
}

export function decodeJob(format: number, payload: Uint8Array): [CallMode, ArrayLike<unknown>] {
  if (format === Format.Float64) return [CallMode.Single, asFloat64(payload)];
  return deserialize(payload) as [CallMode, unknown[]];
}

/** `numeric`: every result is a number. */
export function encodeResults(results: unknown[], errors: ItemErrors | null, numeric: boolean): EncodedResults {
  const ok = errors === null;
  if (ok && numeric) return { ok, format: Format.Float64, payload: float64Bytes(results as number[]) };
  try {
    const payload = serialize(ok ? results : ({ results, errors } satisfies PartialResults));
    return { ok, format: Format.StructuredClone, payload };
  } catch {
    return { ok: false, format: Format.StructuredClone, payload: serialize(failUncloneable(results, errors ?? [])) };
  }
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
  if (format === Format.Float64) return { results: asFloat64(payload), errors: null };
  const data = deserialize(payload);
  if (ok) return { results: data as unknown[], errors: null };
  return data as PartialResults;
}
