// The napi-rs loader picks the prebuilt binary for this platform (or the one
// built from source by `npm install`). Every thread loads the same addon, so
// native objects created on one thread can be attached to from another by id.
import type * as Binding from '../binding';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const native: typeof Binding = require('../binding.js');
export type {
  AsyncWaker, FinishedJob, NativeBarrier, NativeCondition, NativeEvent, NativeLock, NativeSemaphore,
  NativeChannel, NativeDict, NativeList, NativeQueue, NativeSharedMemory, NativeTaskPool, QueueTake, TakenJob,
} from '../binding';
