import { endianness } from 'node:os';
import { kCrossesProcesses, kShare, registerShareable, type Shareable, type ShareRecord } from '../shared/handles';
import { describe } from '../task_function';
import { SharedMemory } from './shared_memory';

/** What a `ShareableList` holds: Python's int (number or bigint), float, bool, str, bytes and None. */
export type ShareableValue = number | bigint | boolean | string | Uint8Array | null;

// CPython's layout (Lib/multiprocessing/shared_memory.py), so Python attaches
// to a list made here and the reverse, in native byte order as its struct:
//   8 bytes       the number of items N (int64)
//   (N + 1) * 8   each item's offset in the data area, and the area's end
//   ...           the data area: 8 bytes per number, bool or None; a str or
//                 bytes slot is a multiple of 8 bytes, fixed at creation
//   N * 8         each item's struct format, NUL-padded ('q', 'd', '16s'...)
//   N             each item's back-transform code (see Code)
const LITTLE = endianness() === 'LE';
const INT = 'q';
const FLOAT = 'd';
const BOOL = 'xxxxxxx?';
const NONE = 'xxxxxx?x';
/** How Python turns an unpacked item back into a value. */
const enum Code { Plain = 0, Str = 1, Bytes = 2, None = 3 }
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Packed {
  format: string;
  code: Code;
  /** A str's or bytes' encoded bytes. */
  bytes?: Uint8Array;
}

/** How `value` is stored, or a TypeError/RangeError naming `where`. */
function pack(value: unknown, where: string): Packed {
  switch (typeof value) {
    case 'number':
      // An integer Python reads back as an int; -0, fractions, NaN and the infinities as floats.
      return { format: Number.isSafeInteger(value) && !Object.is(value, -0) ? INT : FLOAT, code: Code.Plain };
    case 'bigint':
      if (value < MIN_INT64 || value > MAX_INT64) throw new RangeError(`${where} is ${value}, outside the 64-bit signed range a ShareableList holds`);
      return { format: INT, code: Code.Plain };
    case 'boolean':
      return { format: BOOL, code: Code.Plain };
    case 'string':
      return { format: 's', code: Code.Str, bytes: encoder.encode(value) };
    default:
      if (value === null) return { format: NONE, code: Code.None };
      if (value instanceof Uint8Array) return { format: 's', code: Code.Bytes, bytes: value };
      throw new TypeError(`${where} is ${value === undefined ? 'undefined' : describe(value)}: a ShareableList holds numbers, bigints, booleans, strings, Uint8Arrays and null`);
  }
}

/** Python's slot for a str or bytes: the next multiple of 8 above its length (by UTF-8 bytes, so text always fits). */
function slotSize(packed: Packed): number {
  return packed.bytes === undefined ? 8 : 8 * (Math.floor(packed.bytes.length / 8) + 1);
}

/** Python's equality for what a list holds: numbers by value (1 == 1n), bytes by content. */
function same(a: ShareableValue, b: unknown): boolean {
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((byte, i) => byte === b[i]);
  const numeric = (x: unknown) => typeof x === 'number' || typeof x === 'bigint';
  // eslint-disable-next-line eqeqeq
  return numeric(a) && numeric(b) ? a == b : a === b;
}

/**
 * Python's `ShareableList`: a fixed-length list in a `SharedMemory` any
 * process can attach to by name (Python's too: the layout is CPython's).
 * Items are numbers (integers up to 64 bits, or floats), bigints, booleans,
 * strings, Uint8Arrays and null; each keeps the slot it was created with, so
 * a string or bytes set larger than its slot throws a RangeError.
 */
export class ShareableList implements Shareable {
  /** The segment holding the list (close() and unlink() it when done). */
  readonly shm: SharedMemory;
  readonly #length: number;
  /** Offsets of the items in the data area, and its end: fixed at creation. */
  readonly #offsets: number[];
  readonly #view: DataView;

  /**
   * `new ShareableList(values, { name })` creates a list of `values` (a
   * random name by default); `new ShareableList({ name })` attaches to one.
   */
  constructor(values?: Iterable<ShareableValue> | { name: string } | null, options: { name?: string } = {}) {
    const where = 'new ShareableList()';
    if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object such as { name }, got ${describe(options)}`);
    const attachTo = values !== null && typeof values === 'object' && !(Symbol.iterator in values) ? values.name : undefined;
    if (attachTo !== undefined || ((values === undefined || values === null) && options.name !== undefined)) {
      const name = attachTo ?? options.name;
      if (typeof name !== 'string') throw new TypeError(`${where}: name must be a string, got ${describe(name)}`);
      this.shm = new SharedMemory({ name });
      this.#view = new DataView(this.shm.buf.buffer);
      this.#length = Number(this.#view.getBigInt64(0, LITTLE));
      this.#offsets = Array.from({ length: this.#length + 1 }, (_, i) => Number(this.#view.getBigInt64(8 * (i + 1), LITTLE)));
      return;
    }
    if (values !== undefined && values !== null && (typeof values !== 'object' || !(Symbol.iterator in values))) {
      throw new TypeError(`${where}: values must be an array (or another iterable), or { name } to attach, got ${describe(values)}`);
    }
    const items = [...(values ?? [])];
    const packed = items.map((value, i) => pack(value, `values[${i}]`));
    const n = items.length;
    this.#offsets = [0];
    for (const item of packed) this.#offsets.push(this.#offsets[this.#offsets.length - 1] + slotSize(item));
    const dataEnd = this.#offsets[n];
    this.shm = new SharedMemory({ create: true, size: 8 * (n + 2) + dataEnd + 8 * n + n, name: options.name });
    this.#view = new DataView(this.shm.buf.buffer);
    this.#length = n;
    this.#view.setBigInt64(0, BigInt(n), LITTLE);
    this.#offsets.forEach((offset, i) => this.#view.setBigInt64(8 * (i + 1), BigInt(offset), LITTLE));
    packed.forEach((item, i) => this.#store(i, items[i], item));
  }

  get #dataStart(): number {
    return 8 * (this.#length + 2);
  }

  get #formatsStart(): number {
    return this.#dataStart + this.#offsets[this.#length];
  }

  /** The view, once this list's SharedMemory is known to be open. */
  #open(): DataView {
    void this.shm.buf;
    return this.#view;
  }

  /** `i` as an index into the list (negative: from the end), or a RangeError naming `method`. */
  #index(i: unknown, method: string): number {
    if (typeof i !== 'number' || !Number.isInteger(i)) throw new TypeError(`ShareableList.${method}(): the index must be an integer, got ${describe(i)}`);
    const index = i < 0 ? i + this.#length : i;
    if (index < 0 || index >= this.#length) throw new RangeError(`ShareableList.${method}(): index ${i} is out of range for a list of ${this.#length}`);
    return index;
  }

  /** Item `index`'s struct format (ASCII, NUL-padded to 8 bytes). */
  #format(index: number): string {
    const view = this.#open();
    const start = this.#formatsStart + 8 * index;
    let format = '';
    for (let i = start; i < start + 8 && view.getUint8(i) !== 0; i++) format += String.fromCharCode(view.getUint8(i));
    return format;
  }

  /** Writes `value` (packed as `packed`) into item `index`'s slot, with its format and code. */
  #store(index: number, value: unknown, packed: Packed): void {
    const view = this.#open();
    const at = this.#dataStart + this.#offsets[index];
    let format = packed.format;
    if (packed.bytes !== undefined) {
      const slot = this.#offsets[index + 1] - this.#offsets[index];
      if (packed.bytes.length > slot) {
        throw new RangeError(`ShareableList.set(${index}): ${packed.code === Code.Str ? 'a string' : 'bytes'} of ${packed.bytes.length} bytes does not fit the item's slot of ${slot} bytes (slots are fixed at creation)`);
      }
      // As Python: a str/bytes slot keeps its format; another becomes one of the slot's size.
      const current = this.#format(index);
      format = current.endsWith('s') ? current : `${slot}s`;
      const bytes = new Uint8Array(view.buffer, at, parseInt(format, 10));
      bytes.fill(0);
      bytes.set(packed.bytes);
    } else if (format === INT) {
      view.setBigInt64(at, BigInt(value as number | bigint), LITTLE);
    } else if (format === FLOAT) {
      view.setFloat64(at, value as number, LITTLE);
    } else {
      // Python packs the pad bytes as NULs and the '?' as 0 or 1 (None as 0).
      view.setBigUint64(at, 0n);
      if (value === true) view.setUint8(at + 7, 1);
    }
    const formatBytes = new Uint8Array(view.buffer, this.#formatsStart + 8 * index, 8);
    formatBytes.fill(0);
    encoder.encodeInto(format, formatBytes);
    view.setInt8(this.#formatsStart + 8 * this.#length + index, packed.code);
  }

  /** The number of items (fixed). */
  get length(): number {
    return this.#length;
  }

  /** Item `i` (negative: from the end). A 64-bit integer beyond Number's safe range comes back as a bigint. */
  get(i: number): ShareableValue {
    const index = this.#index(i, 'get');
    const view = this.#open();
    const format = this.#format(index);
    const code = view.getInt8(this.#formatsStart + 8 * this.#length + index) as Code;
    const at = this.#dataStart + this.#offsets[index];
    if (code === Code.None) return null;
    if (format.endsWith('s')) {
      const bytes = new Uint8Array(view.buffer, at, parseInt(format, 10));
      let end = bytes.length;
      while (end > 0 && bytes[end - 1] === 0) end--;
      return code === Code.Str ? decoder.decode(bytes.subarray(0, end)) : bytes.slice(0, end);
    }
    if (format === INT) {
      const value = view.getBigInt64(at, LITTLE);
      return value >= -Number.MAX_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value;
    }
    if (format === FLOAT) return view.getFloat64(at, LITTLE);
    if (format === BOOL) return view.getUint8(at + 7) !== 0;
    throw new Error(`ShareableList item ${index} has the struct format ${JSON.stringify(format)}, which this list cannot read`);
  }

  /** Sets item `i`; a string or bytes larger than the item's slot throws a RangeError. */
  set(i: number, value: ShareableValue): void {
    const index = this.#index(i, 'set');
    this.#store(index, value, pack(value, `ShareableList.set(${i}): the value`));
  }

  /** How many items equal `value` (numbers by value, bytes by content). */
  count(value: ShareableValue): number {
    return this.toArray().filter((item) => same(item as ShareableValue, value)).length;
  }

  /** The index of the first item equal to `value`; throws if there is none. */
  index(value: ShareableValue): number {
    const found = this.toArray().findIndex((item) => same(item as ShareableValue, value));
    if (found < 0) throw new Error(`ShareableList.index(): ${describe(value)} is not in the list`);
    return found;
  }

  /** The items, read now. */
  toArray(): ShareableValue[] {
    return Array.from(this);
  }

  /** The values in order, each read as the iteration reaches it. */
  *[Symbol.iterator](): IterableIterator<ShareableValue> {
    for (let i = 0; i < this.#length; i++) yield this.get(i);
  }

  /** @internal Sent by name, as Python pickles it, to a thread or a process: the receiver attaches. */
  [kShare](): ShareRecord {
    return { ...this.shm[kShare](), kind: 'ShareableList' };
  }

  /** @internal As its SharedMemory. */
  [kCrossesProcesses](): boolean {
    return true;
  }
}

registerShareable('ShareableList', (record) => new ShareableList({ name: (record.state as { name: string }).name }));
