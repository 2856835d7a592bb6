// ES module entry: re-exports the CommonJS build, so `import` and `require`
// share one copy of the package's state.
import multiproc from './index.js';

export const {
  Pool, AsyncResult, task, cpuCount, currentProcess, parentProcess, activeChildren,
  TimeoutError, WorkerCrashedError, BrokenBarrierError, Empty, Full, EOFError, ShutDown,
  Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier,
  Value, RawValue, SharedArray, RawArray, SharedMemory, ShareableList, Queue, JoinableQueue, SimpleQueue, Connection, Pipe,
  DictProxy, ListProxy, Manager, Process, wait, getContext,
} = multiproc;
export default multiproc;
