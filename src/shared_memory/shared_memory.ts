import { randomBytes } from 'node:crypto';
import { native, type NativeNamedSegment } from '../native';
import { kCrossesProcesses, kShare, registerShareable, type Shareable, type ShareRecord } from '../shared/handles';
import { describe } from '../task_function';
import { track, untrack } from './tracker';

/** Options of `new SharedMemory()`: `{ create: true, size }` creates, `{ name }` attaches. */
export interface SharedMemoryOptions {
  /** true: create a new segment of `size` bytes; false (default): attach to the one called `name`. */
  create?: boolean;
  /** With `create`: its size in bytes, a positive integer. */
  size?: number;
  /** What any process on this machine (of this user) attaches by: 1 to 30
   *  letters, digits, '_', '-' or '.'. Required to attach; with `create`,
   *  a fresh random name by default. */
  name?: string;
  /** With `create` (default true): unlink the segment when this program has
   *  ended, however it ended, unless it was unlinked before (POSIX; on Windows a
   *  segment ends with its last handle anyway). false: it stays until unlinked. */
  track?: boolean;
}

const WHERE = 'new SharedMemory()';

/** A native error (with `code` EEXIST, ENOENT, EACCES or EINVAL) as thrown at the call site, with what to do. */
function callerError(error: unknown, where: string): Error {
  const { code, message } = error as { code?: string; message: string };
  if (code === 'EINVAL') return new RangeError(`${where}: ${message}`);
  const hint = code === 'EEXIST' ? '; attach to it with new SharedMemory({ name }), or choose another name'
    : code === 'ENOENT' ? ' (it was never created, or was unlinked); create it with new SharedMemory({ create: true, size, name })'
      : '';
  return Object.assign(new Error(`${where}: ${message}${hint}`), { code });
}

function checkSize(size: unknown): number {
  if (size === undefined) throw new TypeError(`${WHERE}: size is required with create: true (a positive number of bytes)`);
  if (typeof size !== 'number') throw new TypeError(`${WHERE}: size must be a number of bytes, got ${describe(size)}`);
  if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`${WHERE}: size must be a positive integer number of bytes, got ${size}`);
  return size;
}

function created(name: string | undefined, size: number): { segment: NativeNamedSegment; name: string } {
  for (;;) {
    // Python's default names are 'psm_' and 10 hex digits; ours are told apart by 'mp_'.
    const tried = name ?? `mp_${randomBytes(6).toString('hex')}`;
    try {
      return { segment: native.NativeNamedSegment.create(tried, size), name: tried };
    } catch (error) {
      // A random name taken: draw another, as Python does.
      if (name === undefined && (error as { code?: string }).code === 'EEXIST') continue;
      throw callerError(error, WHERE);
    }
  }
}

/**
 * Python's `multiprocessing.shared_memory.SharedMemory`: bytes any process on
 * this machine can map by name, unrelated ones too (not only this program's
 * children). `buf` is a view of them, no copy. Created readable and writable
 * by their owner only (mode 0600).
 *
 * `close()` ends this handle's view; `unlink()` removes the name (the memory
 * lives on while some process has it attached). A tracked segment (the
 * default) that is never unlinked is removed when the program has ended.
 */
export class SharedMemory implements Shareable {
  readonly #native: NativeNamedSegment;
  readonly #name: string;
  #buf: Uint8Array | undefined;

  constructor(options: SharedMemoryOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`${WHERE}: options must be an object, { create: true, size } to create or { name } to attach, got ${describe(options)}`);
    }
    const { create = false, size, name, track: tracked = true } = options;
    if (typeof create !== 'boolean') throw new TypeError(`${WHERE}: create must be a boolean, got ${describe(create)}`);
    if (name !== undefined && typeof name !== 'string') throw new TypeError(`${WHERE}: name must be a string, got ${describe(name)}`);
    if (create) {
      if (typeof tracked !== 'boolean') throw new TypeError(`${WHERE}: track must be a boolean, got ${describe(tracked)}`);
      ({ segment: this.#native, name: this.#name } = created(name, checkSize(size)));
      if (tracked) this.#track();
    } else {
      if (name === undefined) throw new TypeError(`${WHERE}: name is required to attach to an existing segment (or pass create: true and a size to create one)`);
      for (const [option, given] of [['size', size], ['track', options.track]] as const) {
        if (given !== undefined) throw new TypeError(`${WHERE}: ${option} applies only with create: true (an attached segment keeps its creator's)`);
      }
      try {
        this.#native = native.NativeNamedSegment.attach(name);
      } catch (error) {
        throw callerError(error, WHERE);
      }
      this.#name = name;
    }
    this.#buf = new Uint8Array(this.#native.view());
  }

  #track(): void {
    try {
      track(this.#name);
    } catch (error) {
      this.close();
      this.unlink();
      throw new Error(`${WHERE}: could not register ${JSON.stringify(this.#name)} with this program's resource tracker (${(error as Error).message}); pass track: false and unlink it yourself`, { cause: error });
    }
  }

  /** What other processes attach by. */
  get name(): string {
    return this.#name;
  }

  /** Its size in bytes (an attached segment's may be rounded up to whole pages on macOS and Windows). */
  get size(): number {
    return this.#native.size;
  }

  /** The segment's bytes, no copy: writes are seen by every process that has it attached. Throws after close(). */
  get buf(): Uint8Array {
    if (this.#buf === undefined) throw this.#closed('its buf is gone');
    return this.#buf;
  }

  /**
   * Ends this handle's access (other handles and processes keep theirs).
   * Views taken from `buf` read as empty from now on. Does not remove the
   * segment: see `unlink()`. Calling it again does nothing.
   */
  close(): void {
    this.#native.close();
    this.#buf = undefined;
  }

  /**
   * Removes the segment's name, so nobody can attach any more; those that
   * have it attached keep it until they close. Once, from one process: a
   * second unlink throws (ENOENT). Windows: a segment ends with its last
   * handle, and this does nothing.
   */
  unlink(): void {
    try {
      native.unlinkNamedSegment(this.#name);
    } catch (error) {
      throw callerError(error, 'SharedMemory.unlink()');
    }
    untrack(this.#name);
  }

  #closed(what: string): Error {
    return new Error(`SharedMemory ${JSON.stringify(this.#name)} is closed: ${what}; attach again with new SharedMemory({ name: ${JSON.stringify(this.#name)} })`);
  }

  /** @internal Sent by name, as Python pickles it, to a thread or a process: the receiver attaches. */
  [kShare](): ShareRecord {
    if (this.#buf === undefined) throw this.#closed('a closed handle cannot be sent');
    return { kind: 'SharedMemory', ids: [], state: { name: this.#name } };
  }

  /** @internal Any process on the machine can attach by name. */
  [kCrossesProcesses](): boolean {
    return true;
  }
}

registerShareable('SharedMemory', (record) => new SharedMemory({ name: (record.state as { name: string }).name }));
