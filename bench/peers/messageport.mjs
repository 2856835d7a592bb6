// Worker of the MessagePort baseline of the `queue` scenario (adapters/workers.mjs), no
// library: one worker posts 0..n-1 on its end of a MessageChannel, the other receives them.
// Same start protocol as the multiproc tasks: count ready, spin until both are, then go.
import { parentPort } from 'node:worker_threads';

function go(ready) {
  Atomics.add(ready, 0, 1);
  const deadline = Date.now() + 10_000;
  while (Atomics.load(ready, 0) < 2) {
    if (Date.now() > deadline) throw new Error('the other worker never started');
  }
  return performance.now();
}

parentPort.on('message', ({ role, port, ready, n }) => {
  if (role === 'produce') {
    const t0 = go(ready);
    for (let i = 0; i < n; i++) port.postMessage(i);
    parentPort.postMessage({ ms: performance.now() - t0 }); // the consumer closes the channel
    return;
  }
  let received = 0;
  let bad = 0;
  let t0;
  port.on('message', (x) => {
    if (x !== received) bad++;
    if (++received === n) {
      const ms = performance.now() - t0;
      port.close();
      parentPort.postMessage({ ms, received, bad });
    }
  });
  t0 = go(ready);
});
