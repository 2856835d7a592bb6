// multiproc with Value's default lock, an RLock (Python's default too): the lock
// scenario's informational row.
import { lockedCounter as withLock } from './multiproc.mjs';

export { create, destroy } from './multiproc.mjs';

export const lockedCounter = (pool) => withLock(pool, { defaultLock: true });
