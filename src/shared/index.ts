// Every kind of shared object, loaded for its registration (see handles.ts):
// a worker must know every kind a task may receive.
export { Lock, RLock } from '../sync/lock';
export { Semaphore, BoundedSemaphore } from '../sync/semaphore';
export { Event } from '../sync/event';
export { Condition } from '../sync/condition';
export { Barrier, type BarrierOptions } from '../sync/barrier';
export { Value, RawValue } from '../shared_memory/value';
export { SharedArray, RawArray } from '../shared_memory/array';
export { SharedMemory, type SharedMemoryOptions } from '../shared_memory/shared_memory';
export { ShareableList, type ShareableValue } from '../shared_memory/shareable_list';
export { Queue, JoinableQueue, SimpleQueue } from '../queues/queue';
export { Connection, Pipe } from '../queues/pipe';
export { DictProxy } from '../manager/dict';
export { ListProxy, type SortOptions } from '../manager/list';
export { makeNamespace, type Namespace } from '../manager/namespace';
