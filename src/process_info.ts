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

export interface ProcessInfo {
  name: string;
  pid: number;
  ident: number;
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

export function cpuCount(): number {
  return availableParallelism();
}

export function currentProcess(): ProcessInfo {
  const self = identity();
  if (!self) return { name: isMainThread ? 'MainProcess' : `Thread-${threadId}`, pid: process.pid, ident: threadId, daemon: false };
  // A process-context child is identified by its pid, as in Python.
  return { name: self.name, pid: process.pid, ident: self === childIdentity ? process.pid : threadId, daemon: self.daemon };
}

export function parentProcess(): Omit<ProcessInfo, 'daemon'> | null {
  const self = identity();
  if (!self) return null;
  return { name: self.parent.name, pid: self.parent.pid ?? process.pid, ident: self.parent.ident };
}
