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

export interface Context {
  readonly kind: ContextKind;
  /** `Pool`, with `context` defaulting to this context's kind. */
  readonly Pool: typeof Pool;
  /** `Process`, with `context` defaulting to this context's kind (subclass it as Process). */
  readonly Process: typeof Process;
  readonly Queue: typeof Queue;
  readonly JoinableQueue: typeof JoinableQueue;
  readonly SimpleQueue: typeof SimpleQueue;
  readonly Pipe: typeof Pipe;
  readonly Value: typeof Value;
  readonly RawValue: typeof RawValue;
  readonly SharedArray: typeof SharedArray;
  readonly RawArray: typeof RawArray;
  readonly SharedMemory: typeof SharedMemory;
  readonly ShareableList: typeof ShareableList;
  readonly Lock: typeof Lock;
  readonly RLock: typeof RLock;
  readonly Semaphore: typeof Semaphore;
  readonly BoundedSemaphore: typeof BoundedSemaphore;
  readonly Event: typeof Event;
  readonly Condition: typeof Condition;
  readonly Barrier: typeof Barrier;
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
