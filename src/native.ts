// The napi-rs loader picks the prebuilt binary for this platform (or the one
// built from source by `npm install`; load_binding.ts explains a missing one).
// Every thread loads the same addon, so native objects created on one thread
// can be attached to from another by id.
import { isMainThread, workerData } from 'node:worker_threads';
import type * as Binding from '../binding';
import { loadBinding } from './load_binding';

/** Key in a multiproc worker's `workerData` of the addon file its parent loaded. */
const ADDON_KEY = '__multiproc_addon';

// A multiproc worker loads that file directly: the platform loader costs
// ~2.5 ms of every worker's start.
const given = isMainThread ? undefined : (workerData as Record<string, string> | undefined)?.[ADDON_KEY];
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const native: typeof Binding = given === undefined ? loadBinding() : require(given);

const addon = given ?? Object.values(require.cache).find((loaded) => loaded?.exports === native && loaded.filename.endsWith('.node'))?.filename;

/** To spread into the `workerData` of a worker this thread starts. */
export const addonForWorkers: Record<string, string> = addon === undefined ? {} : { [ADDON_KEY]: addon };

export type {
  AsyncWaker, FinishedJob, NativeBarrier, NativeCondition, NativeEvent, NativeLock, NativeSemaphore,
  NativeChannel, NativeDict, NativeList, NativeQueue, NativeSharedMemory, NativeTaskPool, QueueTake, TakenJob,
} from '../binding';
