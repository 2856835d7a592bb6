// Runs one scenario for one JS library in this fresh process and prints one
// `RESULT {json}` line for the orchestrator (libraries may log to stdout too).
// usage: node [--expose-gc] bench/child.mjs <scenario id> <library> <runs> <warmup>
import { SCENARIOS } from './config.mjs';

const [scenario, libName, runs = '5', warmup = '1'] = process.argv.slice(2);
const config = SCENARIOS.find((s) => s.id === scenario);
// The scenario's context reaches the adapter here, so scenarios are written once.
const context = config.context ?? 'thread';

const DESTROY_GRACE_MS = 3000;
const adapter = await import(`./adapters/${libName}.mjs`);
const sc = await import(`./scenarios/${config.file ?? scenario}.mjs`);

// Tearing a pool down is never timed, but a destroy() promise that never settles would
// end this process with an unsettled top-level await (poolifier 5.3 does this now and
// then in the start-up loop): give it a grace period, then carry on.
async function destroy(pool) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => {
      process.stderr.write(`${libName}: destroy() still pending after ${DESTROY_GRACE_MS} ms, moving on\n`);
      resolve();
    }, DESTROY_GRACE_MS);
  });
  await Promise.race([adapter.destroy(pool), late]);
  clearTimeout(timer);
}

const lib = { ...adapter, create: (n) => adapter.create(n, context), emptyProcess: () => adapter.emptyProcess(context), destroy };
const result = await sc.measure(lib, { runs: Number(runs), warmup: Number(warmup) });
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
// Do not wait for a library that keeps the loop alive after destroy: the result is out.
process.exit(0);
