// No library: plain worker_threads and child processes, the baselines of the transfer and
// process scenarios. `queue`: a one-way MessagePort stream between two plain workers
// (peers/messageport.mjs); `process`: a bare `new Worker(emptyFile)` (peers/empty.mjs), or
// in the process context a bare `spawn(node, ['-e', ''])`, until its `exit` event;
// `rss-process`: idle bare `node -e` children.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { MessageChannel, Worker } from 'node:worker_threads';
import { ask, terminateAll } from '../lib/workers.mjs';

const streamFile = new URL('../peers/messageport.mjs', import.meta.url);
const emptyFile = new URL('../peers/empty.mjs', import.meta.url);

export function create(n) {
  return Array.from({ length: n }, () => new Worker(streamFile));
}

export function destroy(workers) {
  return terminateAll(workers);
}


// A fresh MessageChannel per run: one end to the producer worker, the other to the
// consumer; both wait on a shared ready count, then the producer posts 0..n-1 and the
// consumer times from go until the last one has arrived.
export function queueStream([producer, consumer]) {
  const ready = new Int32Array(new SharedArrayBuffer(4));
  return {
    async run(n) {
      ready[0] = 0;
      const { port1, port2 } = new MessageChannel();
      const [p, c] = await Promise.all([
        ask(producer, { role: 'produce', port: port1, ready, n }, [port1]),
        ask(consumer, { role: 'consume', port: port2, ready, n }, [port2]),
      ]);
      return { loopMs: [p.ms, c.ms], received: c.received, bad: c.bad, left: 0 };
    },
  };
}

export function emptyProcess(context = 'thread') {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const w = context === 'process' ? spawn(process.execPath, ['-e', '']) : new Worker(emptyFile);
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`bare ${context === 'process' ? 'spawn' : 'Worker'}: exit code ${code}`))));
  });
}

// n idle `node -e` children, each started (it has written to its stdout).
export async function bareChildren(n) {
  const children = Array.from({ length: n }, () => spawn(process.execPath, ['-e', "process.stdout.write('up'); setInterval(() => {}, 1 << 30)"], { stdio: ['ignore', 'pipe', 'inherit'] }));
  await Promise.all(children.map((child) => once(child.stdout, 'data')));
  return {
    pids: children.map((child) => child.pid),
    close: () => Promise.all(children.map((child) => (child.kill('SIGKILL'), once(child, 'exit')))),
  };
}
