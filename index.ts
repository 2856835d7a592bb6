// The public API of multiproc; README.md and docs/ describe it.
export { Pool } from './src/pool/pool';
export { AsyncResult } from './src/pool/async_result';
export type { PoolOptions, MapOptions, ImapOptions, ApplyOptions, WaitOptions } from './src/pool/options';
export { task, type TaskRef, type TaskFn, type UntypedTask } from './src/task_function';
export { cpuCount, currentProcess, parentProcess, type ProcessInfo } from './src/process_info';
export { activeChildren } from './src/process/registry';
export { Process, type ProcessOptions } from './src/process/process';
export { TimeoutError, WorkerCrashedError, BrokenBarrierError, Empty, Full, ShutDown, EOFError } from './src/errors';
export {
  Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier, type BarrierOptions,
  Value, RawValue, SharedArray, RawArray, SharedMemory, type SharedMemoryOptions, ShareableList, type ShareableValue, Queue, JoinableQueue, SimpleQueue, Connection, Pipe,
  DictProxy, ListProxy, type SortOptions, type Namespace,
} from './src/shared/index';
export { Manager } from './src/manager/manager';
export { getContext, type Context } from './src/context';
export type { ContextKind } from './src/backend/kind';
export { wait, type Waitable } from './src/queues/wait';
export type { WaitOptions as SyncWaitOptions, BlockingOptions } from './src/sync/waiting';
export type { LockOption } from './src/shared_memory/value';
export type { TypecodeName, NumberTypecode, ValueOf, SumOf } from './src/shared_memory/typecodes';
