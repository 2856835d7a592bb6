// The napi-rs loader picks the prebuilt binary for this platform (or the one
// built from source by `npm install`; load_binding.ts explains a missing one).
// Every thread loads the same addon, so native objects created on one thread
// can be attached to from another by id.
import { isMainThread, workerData } from 'node:worker_threads';
import type * as Binding from '../binding';

/** Key in a multiproc worker's `workerData` of the addon file its parent loaded. */
const ADDON_KEY = '__multiproc_addon';
/** The same for a process-context child, in its environment. */
const ADDON_ENV = 'MULTIPROC_ADDON';

// A multiproc worker or child loads that file directly: the platform loader
// costs ~1-2.5 ms of every worker's start. A child removes the variable, so
// programs it runs in turn do not inherit it.
const given = isMainThread ? takeEnv(ADDON_ENV) : (workerData as Record<string, string> | undefined)?.[ADDON_KEY];
// The loader itself only where it is used (~0.3 ms of a child's start).
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const native: typeof Binding = given === undefined ? (require('./load_binding') as typeof import('./load_binding')).loadBinding() : require(given);

const addon = given ?? Object.values(require.cache).find((loaded) => loaded?.exports === native && loaded.filename.endsWith('.node'))?.filename;

/** To spread into the `workerData` of a worker this thread starts. */
export const addonForWorkers: Record<string, string> = addon === undefined ? {} : { [ADDON_KEY]: addon };

/** Names the program a process-context child belongs to (see crates/core/src/program.rs). */
const PROGRAM_ENV = 'MULTIPROC_PROGRAM';

// Before anything takes an owner token (sync/waiting.ts does at load): a
// child shares the program's tokens and doorbell with its parent.
const program = isMainThread ? takeEnv(PROGRAM_ENV) : undefined;
if (program !== undefined) native.joinProgram(program);

/** Names the fd a process-context child's shared memory tracker pipe is on
 *  (see shared_memory/tracker.ts). */
export const TRACKER_ENV = 'MULTIPROC_TRACKER_FD';

// A child shares its parent's tracker: it takes the fd over before any code of
// its own runs, and removes the variable, so programs it starts do not take
// an fd they do not have for a tracker.
const trackerFd = isMainThread ? takeEnv(TRACKER_ENV) : undefined;
if (trackerFd !== undefined) native.trackerAdopt(Number(trackerFd));

/** To spread into the environment of a process that needs only this addon
 *  and takes no part in the program (the shared memory tracker). */
export const addonForProcesses: Record<string, string> = addon === undefined ? {} : { [ADDON_ENV]: addon };

/** To spread into the environment of a process-context child. */
export function forChildren(): Record<string, string> {
  return { ...addonForProcesses, [PROGRAM_ENV]: native.programToken() };
}

function takeEnv(name: string): string | undefined {
  const value = process.env[name];
  delete process.env[name];
  return value;
}

export type {
  AsyncWaker, FinishedJob, NativeBarrier, NativeCondition, NativeEvent, NativeLock, NativeSemaphore,
  NativeChannel, NativeDict, NativeList, NativeNamedSegment, NativeQueue, NativeSharedMemory, NativeTaskPool, QueueTake, TakenJob,
} from '../binding';
