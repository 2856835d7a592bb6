// The public API of multiproc (see ../shared/api-contract.md in the project).
export { Pool } from './src/pool/pool';
export { AsyncResult } from './src/pool/async_result';
export type { PoolOptions, MapOptions, ImapOptions, ApplyOptions, WaitOptions } from './src/pool/options';
export { task, type TaskRef, type TaskFn } from './src/task_function';
export { cpuCount, currentProcess, parentProcess, activeChildren, type ProcessInfo } from './src/process_info';
export { TimeoutError, WorkerCrashedError } from './src/errors';
