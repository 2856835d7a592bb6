// Entry point of a Process child (thread context): run the target, wait for
// its own non-daemon children, make sure its output reached the parent, then
// record the exit code where the parent's joinSync() can see it.
import { inspect } from 'node:util';
import { workerData } from 'node:worker_threads';
import { reviveShared } from '../shared/handles';
import { importParentPreloads, loadFunction } from '../worker/compile';
import { flushStdio, watchParent } from '../worker/stdio';
import { recordExit } from './exit_state';
import { activeChildren } from './registry';
import type { ThreadChildStart } from './thread_child';

const start = workerData as ThreadChildStart;
watchParent(start.parentBlocked);
const record = (code: number) => recordExit(start.finished, code);

// process.exit(n) in the target, or an error nobody caught.
process.on('exit', record);
process.on('uncaughtException', (error) => {
  process.stderr.write(`${inspect(error)}\n`);
  record(1);
  process.exit(1);
});

async function main(): Promise<void> {
  await importParentPreloads();
  let code = 0;
  // A running target keeps the child alive, as a running task keeps a pool
  // worker alive: a target awaiting q.get() or ev.wait() (whose wakes do not
  // hold the event loop open) must not end the thread before it resumes.
  const running = setInterval(() => {}, 2 ** 31 - 1);
  try {
    const target = await loadFunction(start.target, 0, start.baseDir);
    const self = reviveShared(start.self);
    await target.apply(self, reviveShared(start.args) as unknown[]);
  } catch (error) {
    process.stderr.write(`${inspect(error)}\n`);
    code = 1;
  } finally {
    clearInterval(running);
  }
  // As in Python, a child waits for its own non-daemon children before it ends.
  await Promise.all(activeChildren().filter((child) => !child.daemon).map((child) => child.join()));
  await flushStdio();
  record(code);
  process.exit(code);
}

void main();
