// No library: plain worker_threads, the baselines of the transfer scenarios. `queue`: a
// one-way MessagePort stream between two plain workers (peers/messageport.mjs); `process`:
// a bare `new Worker(emptyFile)` until its `exit` event (peers/empty.mjs).
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

export function emptyProcess() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const w = new Worker(emptyFile);
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`bare Worker: exit code ${code}`))));
  });
}
