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
import { isMainThread } from 'node:worker_threads';
import { addonForProcesses, native } from '../native';

/** Whether segments are tracked on this OS at all. */
export const TRACKS = process.platform !== 'win32';

/** Names the fd a process-context child's tracker pipe is on. */
const TRACKER_ENV = 'MULTIPROC_TRACKER_FD';
/** That fd: the next after the channel's (fd 3). */
const CHILD_FD = 4;

const ENTRY = join(__dirname, 'tracker_entry.js');

// A process-context child shares its parent's tracker: it takes the fd over
// before any code of its own runs, and removes the variable, so programs it
// starts do not take an fd they do not have for a tracker.
const inherited = isMainThread ? process.env[TRACKER_ENV] : undefined;
if (inherited !== undefined) {
  delete process.env[TRACKER_ENV];
  native.trackerAdopt(Number(inherited));
}

/** This process's tracker pipe, the tracker started first if there is none yet. */
function trackerPipe(): number {
  const read = native.trackerOpen();
  if (read !== null) {
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
      // program's own processes, such as the child this start is for.
      try {
        if (tracker.pid !== undefined) setPriority(tracker.pid, 19);
      } catch {
        // It has ended already (and its spawn failed, or it found no writer).
      }
    } finally {
      closeSync(read);
    }
  }
  return native.trackerFd()!;
}

/** What to add to a process-context child's stdio and environment so it shares this program's tracker. */
export function trackerForChild(): { stdio: number[]; env: Record<string, string> } {
  if (!TRACKS) return { stdio: [], env: {} };
  return { stdio: [trackerPipe()], env: { [TRACKER_ENV]: String(CHILD_FD) } };
}

/** Segment `name` was just created with `track`: the tracker unlinks it at the program's end unless unlinked before. */
export function track(name: string): void {
  if (!TRACKS) return;
  trackerPipe();
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
