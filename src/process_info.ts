import { availableParallelism } from 'node:os';
import { isMainThread, threadId, workerData } from 'node:worker_threads';

/** What a multiproc worker learns about itself and its parent at start-up. */
export interface WorkerIdentity {
  name: string;
  daemon: boolean;
  parent: { name: string; ident: number };
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

function identity(): WorkerIdentity | undefined {
  if (isMainThread) return undefined;
  return (workerData as Record<string, WorkerIdentity> | undefined)?.[IDENTITY_KEY];
}

export function cpuCount(): number {
  return availableParallelism();
}

export function currentProcess(): ProcessInfo {
  const self = identity();
  if (!self) return { name: isMainThread ? 'MainProcess' : `Thread-${threadId}`, pid: process.pid, ident: threadId, daemon: false };
  return { name: self.name, pid: process.pid, ident: threadId, daemon: self.daemon };
}

export function parentProcess(): Omit<ProcessInfo, 'daemon'> | null {
  const self = identity();
  if (!self) return null;
  return { name: self.parent.name, pid: process.pid, ident: self.parent.ident };
}
