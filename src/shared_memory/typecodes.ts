import { describe } from '../task_function';

/** Python's array/ctypes typecodes: `l L q Q` are 64-bit (bigint), `c` one byte (a one-character string). */
export type TypecodeName = 'b' | 'B' | 'h' | 'H' | 'i' | 'I' | 'l' | 'L' | 'q' | 'Q' | 'f' | 'd' | 'c';
/** The typecodes whose values are numbers (the default of `Value` and `SharedArray`). */
export type NumberTypecode = Exclude<TypecodeName, 'l' | 'L' | 'q' | 'Q' | 'c'>;
/** The JavaScript type of a typecode's values: bigint for `l L q Q`, a one-character string for `c`, else number. */
export type ValueOf<C extends TypecodeName> = C extends 'l' | 'L' | 'q' | 'Q' ? bigint : C extends 'c' ? string : number;
/**
 * What `SharedArray.sum()` gives for a typecode: exact for integers, so a
 * bigint for the 32- and 64-bit codes (a sum of 32-bit values passes 2^53, a
 * double's exact range, from 2M elements on), a number for the others (`c`:
 * the sum of the bytes) and for floats.
 */
export type SumOf<C extends TypecodeName> = C extends 'i' | 'I' | 'l' | 'L' | 'q' | 'Q' ? bigint : number;

/** How each typecode is stored and checked. */
export interface Typecode {
  code: string;
  Array: Int8ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor
    | Int32ArrayConstructor | Uint32ArrayConstructor | BigInt64ArrayConstructor | BigUint64ArrayConstructor
    | Float32ArrayConstructor | Float64ArrayConstructor;
  /** Integer codes support atomic add/sub/exchange/compareExchange. */
  integer: boolean;
  bigint: boolean;
  /** 'c': one byte, read and written as a one-character string. */
  char: boolean;
  /** The element type the native bulk operations see (crates/node/src/bulk.rs). */
  element: 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'f32' | 'f64';
  /** Whether `sum()` gives a bigint (see SumOf). */
  bigSum: boolean;
  min?: number | bigint;
  max?: number | bigint;
}

const int = (code: string, Array: Typecode['Array'], bits: number, signed: boolean): Typecode => ({
  code, Array, integer: true, bigint: false, char: false,
  element: `${signed ? 'i' : 'u'}${bits}` as Typecode['element'], bigSum: bits === 32,
  min: signed ? -(2 ** (bits - 1)) : 0, max: signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1,
});
const big = (code: string, Array: Typecode['Array'], signed: boolean): Typecode => ({
  code, Array, integer: true, bigint: true, char: false, element: signed ? 'i64' : 'u64', bigSum: true,
  min: signed ? -(2n ** 63n) : 0n, max: signed ? 2n ** 63n - 1n : 2n ** 64n - 1n,
});
const float = (code: string, Array: Typecode['Array'], bits: 32 | 64): Typecode => ({
  code, Array, integer: false, bigint: false, char: false, element: `f${bits}`, bigSum: false,
});

const TYPECODES: Record<string, Typecode> = {
  b: int('b', Int8Array, 8, true),
  B: int('B', Uint8Array, 8, false),
  h: int('h', Int16Array, 16, true),
  H: int('H', Uint16Array, 16, false),
  i: int('i', Int32Array, 32, true),
  I: int('I', Uint32Array, 32, false),
  l: big('l', BigInt64Array, true),
  L: big('L', BigUint64Array, false),
  q: big('q', BigInt64Array, true),
  Q: big('Q', BigUint64Array, false),
  f: float('f', Float32Array, 32),
  d: float('d', Float64Array, 64),
  c: { code: 'c', Array: Uint8Array, integer: false, bigint: false, char: true, element: 'u8', bigSum: false },
};

export function typecode(code: unknown, where: string): Typecode {
  const found = typeof code === 'string' && Object.hasOwn(TYPECODES, code) ? TYPECODES[code] : undefined;
  if (!found) {
    throw new TypeError(`${where}: unknown typecode ${describe(code)}; valid typecodes are ${Object.keys(TYPECODES).join(' ')}`);
  }
  return found;
}

/** Converts a JS value to what the typed array stores, or throws naming what was wrong. */
export function toStored(type: Typecode, value: unknown, where: string): number | bigint {
  if (type.char) {
    if (typeof value === 'string' && value.length === 1 && value.charCodeAt(0) < 256) return value.charCodeAt(0);
    throw new TypeError(`${where}: typecode 'c' holds one byte, written as a one-character string (code < 256), got ${describe(value)}`);
  }
  if (type.bigint) {
    if (typeof value !== 'bigint') throw new TypeError(`${where}: typecode '${type.code}' holds 64-bit integers as bigint (e.g. 5n), got ${describe(value)}`);
  } else if (typeof value !== 'number') {
    throw new TypeError(`${where}: typecode '${type.code}' holds numbers, got ${describe(value)}`);
  } else if (type.integer && !Number.isInteger(value)) {
    throw new TypeError(`${where}: typecode '${type.code}' holds integers, got ${value}`);
  }
  if (type.min !== undefined && (value < type.min! || value > type.max!)) {
    throw new RangeError(`${where}: ${String(value)} is out of range for typecode '${type.code}' (${type.min} to ${type.max})`);
  }
  return value as number | bigint;
}

export function fromStored(type: Typecode, stored: number | bigint): unknown {
  return type.char ? String.fromCharCode(stored as number) : stored;
}
