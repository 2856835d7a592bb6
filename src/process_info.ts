import { availableParallelism } from 'node:os';
import { isMainThread, threadId, workerData } from 'node:worker_threads';

/** What a multiproc worker learns about itself and its parent at start-up. */
export interface WorkerIdentity {
  name: string;
  daemon: boolean;
  /** `pid`: set when the parent is another process (process context). */
  parent: { name: string; ident: number; pid?: number };
}

/** Key of the identity in `workerData`; read from there so that the ESM and CJS
 *  builds of this package agree without shared module state. */
export const IDENTITY_KEY = '__multiproc_identity';

/** Who a thread is, as Python's `current_process()` tells: `name`, `pid`, `ident`, `daemon`. */
export interface ProcessInfo {
  /** `'MainProcess'` on the main thread, `'Process-N'` in a Process, `'Thread-N'` in a pool worker. */
  name: string;
  /** This OS process's id (threads share it). */
  pid: number;
  /** The thread id (`worker_threads.threadId`; 0 on the main thread). */
  ident: number;
  /** Whether this is a daemon Process (stopped when its parent finishes). */
  daemon: boolean;
}

/** Environment variable carrying a process-context child's identity. */
export const CHILD_IDENTITY_ENV = 'MULTIPROC_CHILD_IDENTITY';

// Read once and removed, so programs this child runs do not inherit it.
const childIdentity: WorkerIdentity | undefined = (() => {
  const text = process.env[CHILD_IDENTITY_ENV];
  if (text === undefined || !isMainThread) return undefined;
  delete process.env[CHILD_IDENTITY_ENV];
  return JSON.parse(text) as WorkerIdentity;
})();

function identity(): WorkerIdentity | undefined {
  if (isMainThread) return childIdentity;
  return (workerData as Record<string, WorkerIdentity> | undefined)?.[IDENTITY_KEY];
}

/** This thread is the main thread of a process-context child. */
export function isProcessChild(): boolean {
  return isMainThread && childIdentity !== undefined;
}

/** The number of CPUs Node may use (`os.availableParallelism()`), as Python's `cpu_count()`; the default pool size. */
export function cpuCount(): number {
  return availableParallelism();
}

/** The calling thread's identity, as Python's `current_process()`. */
export function currentProcess(): ProcessInfo {
  const self = identity();
  if (!self) return { name: isMainThread ? 'MainProcess' : `Thread-${threadId}`, pid: process.pid, ident: threadId, daemon: false };
  // A process-context child is identified by its pid, as in Python.
  return { name: self.name, pid: process.pid, ident: self === childIdentity ? process.pid : threadId, daemon: self.daemon };
}

/** The identity of the thread that started this one, or `null` on the main thread (Python's `parent_process()`). */
export function parentProcess(): Omit<ProcessInfo, 'daemon'> | null {
  const self = identity();
  if (!self) return null;
  return { name: self.parent.name, pid: self.parent.pid ?? process.pid, ident: self.parent.ident };
}
