/**
 * Resolves once `done()` holds, or once `limitMs` has passed. It checks at each
 * turn of the event loop, then every few milliseconds; the checks keep the
 * loop turning, so whatever is awaited (a message, a wake from another thread)
 * can arrive even when nothing else keeps the process alive.
 */
export function waitUntil(done: () => boolean, limitMs = Infinity): Promise<void> {
  const start = performance.now();
  return new Promise((resolve) => {
    let turns = 0;
    const check = () => {
      if (done() || performance.now() - start >= limitMs) resolve();
      else if (++turns < 20) setImmediate(check);
      else setTimeout(check, 2);
    };
    setImmediate(check);
  });
}
