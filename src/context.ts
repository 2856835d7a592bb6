// Python's get_context(): an object whose Pool and Process default to one
// context. The other classes are the package's own: a shared object is the
// same kind whichever context uses it.
import { contextKind, type ContextKind } from './backend/kind';
import { Manager } from './manager/manager';
import { Pool } from './pool/pool';
import type { PoolOptions } from './pool/options';
import { Process, type ProcessOptions } from './process/process';
import {
  Barrier, BoundedSemaphore, Condition, Event, JoinableQueue, Lock, Pipe, Queue, RLock, RawArray, RawValue,
  Semaphore, ShareableList, SharedArray, SharedMemory, SimpleQueue, Value,
} from './shared/index';

/** What `getContext(kind)` returns: Python's context object, whose `Pool` and
 *  `Process` default to `kind`; the shared kinds are the same in every context. */
export interface Context {
  /** Which context this is: `'thread'` or `'process'`. */
  readonly kind: ContextKind;
  /** `Pool`, with `context` defaulting to this context's kind. */
  readonly Pool: typeof Pool;
  /** `Process`, with `context` defaulting to this context's kind (subclass it as Process). */
  readonly Process: typeof Process;
  /** `Queue` (the package's own class). */
  readonly Queue: typeof Queue;
  /** `JoinableQueue` (the package's own class). */
  readonly JoinableQueue: typeof JoinableQueue;
  /** `SimpleQueue` (the package's own class). */
  readonly SimpleQueue: typeof SimpleQueue;
  /** `Pipe` (the package's own function). */
  readonly Pipe: typeof Pipe;
  /** `Value` (the package's own class). */
  readonly Value: typeof Value;
  /** `RawValue` (the package's own class). */
  readonly RawValue: typeof RawValue;
  /** `SharedArray` (the package's own class). */
  readonly SharedArray: typeof SharedArray;
  /** `RawArray` (the package's own class). */
  readonly RawArray: typeof RawArray;
  /** `SharedMemory` (the package's own class). */
  readonly SharedMemory: typeof SharedMemory;
  /** `ShareableList` (the package's own class). */
  readonly ShareableList: typeof ShareableList;
  /** `Lock` (the package's own class). */
  readonly Lock: typeof Lock;
  /** `RLock` (the package's own class). */
  readonly RLock: typeof RLock;
  /** `Semaphore` (the package's own class). */
  readonly Semaphore: typeof Semaphore;
  /** `BoundedSemaphore` (the package's own class). */
  readonly BoundedSemaphore: typeof BoundedSemaphore;
  /** `Event` (the package's own class). */
  readonly Event: typeof Event;
  /** `Condition` (the package's own class). */
  readonly Condition: typeof Condition;
  /** `Barrier` (the package's own class). */
  readonly Barrier: typeof Barrier;
  /** `Manager` (the package's own class). */
  readonly Manager: typeof Manager;
}

function withContext<T extends { context?: ContextKind }>(options: T, kind: ContextKind, where: string): T {
  if (options.context !== undefined && options.context !== kind) {
    throw new TypeError(`${where}: context ${JSON.stringify(options.context)} contradicts getContext(${JSON.stringify(kind)}); leave it out, or use getContext(${JSON.stringify(options.context)})`);
  }
  return { ...options, context: kind };
}

function makeContext(kind: ContextKind): Context {
  class ContextPool extends Pool {
    constructor(options?: number | PoolOptions) {
      const given = typeof options === 'number' ? { processes: options } : options;
      super(given === undefined || (typeof given === 'object' && given !== null) ? withContext(given ?? {}, kind, 'new Pool()') : given);
    }
  }
  class ContextProcess extends Process {
    constructor(options: ProcessOptions = {}) {
      super(typeof options === 'object' && options !== null ? withContext(options, kind, 'new Process()') : options);
    }
  }
  Object.defineProperty(ContextPool, 'name', { value: 'Pool' });
  Object.defineProperty(ContextProcess, 'name', { value: 'Process' });
  return Object.freeze({
    kind, Pool: ContextPool, Process: ContextProcess, Queue, JoinableQueue, SimpleQueue, Pipe, Value, RawValue,
    SharedArray, RawArray, SharedMemory, ShareableList, Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition,
    Barrier, Manager,
  });
}

const contexts = new Map<ContextKind, Context>();

/** Python's `get_context`: the classes with Pool and Process bound to `kind` (default 'thread'). */
export function getContext(kind?: ContextKind): Context {
  const checked = contextKind(kind, 'getContext()');
  let context = contexts.get(checked);
  if (context === undefined) contexts.set(checked, (context = makeContext(checked)));
  return context;
}
