// How SharedArray's bulk operations reach the native ones (crates/core/src/bulk/):
// TypedArray's index arguments, and the array's lock held around the call.
import type { NativeSharedMemory } from '../native';
import type { Lock, RLock } from '../sync/lock';
import { describe } from '../task_function';
import type { Typecode } from './typecodes';

export interface BulkCall {
  op: 'sort' | 'sum' | 'min' | 'max' | 'fill' | 'indexOf';
  /** fill/indexOf: the value as stored (checked by toStored). */
  value?: number | bigint;
  /** fill's start, indexOf's fromIndex; resolved, 0..length. */
  start?: number;
  end?: number;
}

type Outcome = number | bigint | undefined;

/** A relative index as TypedArray's fill/indexOf read it: truncated, negative from the end, clamped to 0..length. */
export function relativeIndex(arg: unknown, length: number, fallback: number, where: string, name: string): number {
  if (arg === undefined) return fallback;
  if (typeof arg !== 'number') {
    throw new TypeError(`${where}: ${name} must be a number (an index; negative counts from the end), got ${describe(arg)}`);
  }
  const n = Math.trunc(arg) || 0;
  return n < 0 ? Math.max(length + n, 0) : Math.min(n, length);
}

/** Runs `call` blocking this thread, holding `lock` (if any) with acquireSync; released on error too. */
export function bulkSync(memory: NativeSharedMemory, type: Typecode, lock: Lock | RLock | undefined, call: BulkCall): Outcome {
  lock?.acquireSync();
  try {
    return memory.bulk(type.element, call.op, call.value, call.start, call.end);
  } finally {
    lock?.release();
  }
}

/** Runs `call` without blocking this thread (on the native pool above its threshold), holding `lock` (if any) once `acquire()` resolved. */
export async function bulkAsync(memory: NativeSharedMemory, type: Typecode, lock: Lock | RLock | undefined, call: BulkCall): Promise<Outcome> {
  if (lock) await lock.acquire();
  try {
    return await memory.bulkAsync(type.element, call.op, call.value, call.start, call.end);
  } finally {
    lock?.release();
  }
}
