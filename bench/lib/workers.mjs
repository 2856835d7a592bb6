// Plain worker_threads helpers shared by the library-less baselines (adapters/atomics.mjs,
// adapters/workers.mjs).

export function terminateAll(workers) {
  return Promise.all(workers.map((w) => w.terminate()));
}

// One message to a worker, its one reply back.
export function ask(worker, message, transfer) {
  return new Promise((resolve, reject) => {
    const done = (settle) => (x) => {
      worker.off('message', onMessage).off('error', onError);
      settle(x);
    };
    const onMessage = done(resolve);
    const onError = done(reject);
    worker.on('message', onMessage).on('error', onError);
    worker.postMessage(message, transfer);
  });
}
