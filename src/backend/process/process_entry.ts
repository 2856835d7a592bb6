// Entry point of a Process child (process context): take the start data from
// the channel, run the target, wait for this process's own non-daemon
// children, then exit with the target's code (the parent reads it from the OS).
import { inspect } from 'node:util';
import { deserialize } from 'node:v8';
import { native } from '../../native';
import { parentProcess } from '../../process_info';
import { activeChildren } from '../../process/registry';
import type { ChildStart } from '../../process/started';
import { reviveShared } from '../../shared/handles';
import { loadFunction } from '../../worker/compile';
import { flushStdio } from '../../worker/stdio';
import { START_FRAME } from './process_wire';
import { parentChannel } from './channel';

// No orphans: this process ends with its parent, however the parent ends.
native.dieWithParent(parentProcess()!.pid);

// What a child prints must be out when it exits, also by process.exit(n) in
// the target, as in Python. Node queues a write to a full pipe for later, which
// exiting loses, so a pipe is written blocking here (as Node does on Windows).
// The pipe is shared with the parent, whose writes to it block too; a TTY is
// not touched (its stdin would block as well), files are written synchronously.
for (const stream of [process.stdout, process.stderr]) {
  const handle = (stream as unknown as { _handle?: { constructor: { name: string }; setBlocking?(blocking: boolean): number } })._handle;
  if (handle?.constructor.name === 'Pipe') handle.setBlocking?.(true);
}

process.on('uncaughtException', (error) => {
  process.stderr.write(`${inspect(error)}\n`);
  process.exit(1);
});

let started = false;
// The open channel also keeps this process alive while a target awaits
// something that does not hold the event loop (as a pool worker's task does).
const channel = parentChannel((type, body) => {
  if (type !== START_FRAME || started) return;
  started = true;
  void main(deserialize(body) as ChildStart);
});
// The parent went away before sending anything: nothing to run.
channel.socket.on('end', () => {
  if (!started) process.exit(1);
});

async function main(start: ChildStart): Promise<void> {
  let code = 0;
  try {
    const target = await loadFunction(start.target, 0, start.baseDir);
    await target.apply(reviveShared(start.self), reviveShared(start.args) as unknown[]);
  } catch (error) {
    process.stderr.write(`${inspect(error)}\n`);
    code = 1;
  }
  // As in Python, a child waits for its own non-daemon children before it ends.
  await Promise.all(activeChildren().filter((child) => !child.daemon).map((child) => child.join()));
  await flushStdio();
  process.exit(code);
}
