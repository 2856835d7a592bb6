import { Queue, JoinableQueue } from '../queues/queue';
import { SharedArray } from '../shared_memory/array';
import { Value, type LockOption } from '../shared_memory/value';
import type { NumberTypecode, TypecodeName, ValueOf } from '../shared_memory/typecodes';
import { Barrier, type BarrierOptions } from '../sync/barrier';
import { Condition } from '../sync/condition';
import { Event } from '../sync/event';
import { Lock, RLock } from '../sync/lock';
import { BoundedSemaphore, Semaphore } from '../sync/semaphore';
import { DictProxy } from './dict';
import type { DictKey } from './keys';
import { ListProxy } from './list';
import { makeNamespace, type Namespace } from './namespace';

/**
 * Python's `Manager()` (thread context): shared dicts, lists and namespaces
 * living in the native core, plus the shared kinds of the top level. Proxies
 * travel to tasks as live handles; every operation on them is atomic.
 */
export class Manager {
  readonly #proxies: (DictProxy<any, any> | ListProxy<any>)[] = [];
  #down = false;

  #track<P extends DictProxy<any, any> | ListProxy<any>>(proxy: P): P {
    this.#proxies.push(proxy);
    return proxy;
  }

  #assertUp(): void {
    if (this.#down) throw new Error('the manager has shut down: create a new Manager');
  }

  /** A shared dict, as Python's `manager.dict()`. */
  dict<K extends DictKey = DictKey, V = unknown>(init?: Iterable<readonly [K, V]> | Record<string, V>): DictProxy<K, V> {
    this.#assertUp();
    return this.#track(new DictProxy<K, V>(init));
  }

  /** A shared list, as Python's `manager.list()`. */
  list<T = unknown>(init?: Iterable<T>): ListProxy<T> {
    this.#assertUp();
    return this.#track(new ListProxy<T>(init));
  }

  /** A shared namespace (plain property get/set), as Python's `manager.Namespace()`. */
  namespace(init: Record<string, unknown> = {}): Namespace {
    this.#assertUp();
    return makeNamespace(this.#track(new DictProxy<string, unknown>(init)));
  }

  /** A `Queue`, as Python's `manager.Queue()`. */
  Queue<T = unknown>(maxsize = 0): Queue<T> {
    this.#assertUp();
    return new Queue<T>(maxsize);
  }

  /** A `JoinableQueue`. */
  JoinableQueue<T = unknown>(maxsize = 0): JoinableQueue<T> {
    this.#assertUp();
    return new JoinableQueue<T>(maxsize);
  }

  /** A `Lock`. */
  Lock(): Lock {
    this.#assertUp();
    return new Lock();
  }

  /** An `RLock`. */
  RLock(): RLock {
    this.#assertUp();
    return new RLock();
  }

  /** A `Semaphore`. */
  Semaphore(value = 1): Semaphore {
    this.#assertUp();
    return new Semaphore(value);
  }

  /** A `BoundedSemaphore`. */
  BoundedSemaphore(value = 1): BoundedSemaphore {
    this.#assertUp();
    return new BoundedSemaphore(value);
  }

  /** An `Event`. */
  Event(): Event {
    this.#assertUp();
    return new Event();
  }

  /** A `Condition`. */
  Condition(lock?: Lock | RLock): Condition {
    this.#assertUp();
    return new Condition(lock);
  }

  /** A `Barrier`. */
  Barrier(parties: number, options?: BarrierOptions): Barrier {
    this.#assertUp();
    return new Barrier(parties, options);
  }

  /** A `Value`. */
  Value<C extends TypecodeName = NumberTypecode>(typecode: C, value?: ValueOf<C>, options?: LockOption): Value<C> {
    this.#assertUp();
    return new Value(typecode, value, options);
  }

  /** A `SharedArray`, as Python's `manager.Array()`. */
  Array<C extends TypecodeName = NumberTypecode>(typecode: C, sizeOrInitializer: number | Iterable<ValueOf<C>> | string, options?: LockOption): SharedArray<C> {
    this.#assertUp();
    return new SharedArray(typecode, sizeOrInitializer, options);
  }

  /** Stops the manager: its dicts, lists and namespaces stop working everywhere. */
  async shutdown(): Promise<void> {
    this.#down = true;
    for (const proxy of this.#proxies.splice(0)) proxy.shutDown();
  }

  /** `await using m = new Manager()`: shuts it down. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}
