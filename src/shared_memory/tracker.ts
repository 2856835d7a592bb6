// The resource tracker of named shared memory (POSIX), as Python's: a small
// process per program that unlinks the tracked segments nobody unlinked once
// every process of the program has ended, however they ended. It reads a pipe
// (crates/core/src/os/tracker.rs) whose write end each process of the program
// holds: this process opens it, its process-context children inherit it.
// Windows needs none: a mapping ends with its last handle.
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { TRACKER_ENV, addonForProcesses, native } from '../native';

/** Whether segments are tracked on this OS at all. */
export const TRACKS = process.platform !== 'win32';

/** That fd: the next after the channel's (fd 3). */
const CHILD_FD = 4;

const ENTRY = join(__dirname, 'tracker_entry.js');

/** Opens this process's tracker pipe if it has none; returns what starts the
 *  tracker on it (nothing to do if the pipe was open already). Until then the
 *  pipe holds what is written to it. */
function openTracker(): () => void {
  const read = native.trackerOpen();
  return read === null ? () => {} : () => startTracker(read);
}

function startTracker(read: number): void {
  try {
    // Its own session (no terminal signals), no output, the addon this
    // process loaded, and none of this program's Node options or environment.
    const tracker = spawn(process.execPath, [ENTRY], {
      stdio: [read, 'ignore', 'ignore'], detached: true, cwd: '/', env: addonForProcesses,
    });
    tracker.on('error', () => {});
    // Never keeps this program alive: it waits for the program, not the reverse.
    tracker.unref();
    // Idle until the program ends: its start (a node's) yields the CPU to the
    // program's own processes.
    try {
      if (tracker.pid !== undefined) setPriority(tracker.pid, 19);
    } catch {
      // It has ended already (and its spawn failed, or it found no writer).
    }
  } finally {
    closeSync(read);
  }
}

/** What a process-context child's stdio and environment get so it shares
 *  this program's tracker, and `start`, to call right after spawning it (in
 *  the same turn, whether the spawn worked or not): a tracker first started
 *  for this child then starts beside it rather than before it. */
export function trackerForChild(): { stdio: number[]; env: Record<string, string>; start: () => void } {
  if (!TRACKS) return { stdio: [], env: {}, start: () => {} };
  const start = openTracker();
  return { stdio: [native.trackerFd()!], env: { [TRACKER_ENV]: String(CHILD_FD) }, start };
}

/** Segment `name` was just created with `track`: the tracker unlinks it at the program's end unless unlinked before. */
export function track(name: string): void {
  if (!TRACKS) return;
  openTracker()();
  native.trackerRegister(name);
}

/** Segment `name` was unlinked: nothing left for this program's tracker to do, if it has one. */
export function untrack(name: string): void {
  if (!TRACKS || native.trackerFd() === null) return;
  try {
    native.trackerUnregister(name);
  } catch {
    // The tracker is gone: there is nothing for it to forget.
  }
}
