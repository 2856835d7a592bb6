// The resource tracker process (see tracker.ts): its stdin is the read end of
// the program's pipe. It serves until every process of the program is gone,
// unlinks what they left, and exits.
import { native } from '../native';

// A service manager's SIGTERM to the whole program must not end the tracker
// first (Python's ignores it too): it cleans up once the others are gone.
process.on('SIGTERM', () => {});
process.on('SIGINT', () => {});
native.trackerServe(0);
