// imap/imapUnordered over long lazy inputs, in child scripts: every result
// exactly once, then the loop ends and the script exits by itself.
import test from 'ava';
import { assertExited, childScripts } from './helpers.mjs';

// A chunk could be finished by a busy worker before submit() returned its id;
// the lazy map then kept it "in flight" for ever, its window filled with such
// ghosts, and the event loop ran dry with results still due (exit 13, results
// silently lost, or a hang beside a keep-alive timer).
const runChild = childScripts(test.after.always);
// One 300 s budget for these tests together, not 300 s each.
const budgetEnd = Date.now() + 300_000;
// Each result marked once: a loss and a duplicate cannot cancel out.
const consume = (method, n) => `
  function* naturals(n) { for (let i = 0; i < n; i++) yield i }
  const seen = new Uint8Array(${n})
  let count = 0, sum = 0, twice = 0, ordered = true
  for await (const r of pool.${method}((x) => x * 2, naturals(${n}))) {
    const i = r / 2
    if (seen[i]++) twice++
    if (${method === 'imap'} && i !== count) ordered = false
    count++; sum += r
  }
  console.log(count, sum, twice, ordered)`;
const shapes = {
  'at top level': (pool, loop) => `const pool = ${pool}\n${loop}`,
  'inside async main()': (pool, loop) => `async function main() {\n const pool = ${pool}\n${loop}\n}\nvoid main()`,
  'beside a setInterval keep-alive': (pool, loop) => `const keepAlive = setInterval(() => {}, 1000)\nconst pool = ${pool}\n${loop}\nclearInterval(keepAlive)`,
};
// imapUnordered lost results past 200k-600k; imap's end never came from 30k on.
// The process context relays each chunk through this process, one in
// flight per child (2-3x slower): fewer items, one run.
const cases = [
  ['thread', 'imapUnordered', 1_000_000, 2],
  ['thread', 'imap', 100_000, 2],
  ['process', 'imapUnordered', 50_000, 1],
  ['process', 'imap', 30_000, 1],
];
for (const [context, method, n, runs] of cases) {
  for (const [shape, wrap] of Object.entries(shapes)) {
    test.serial(`imap over a lazy input delivers every result once and ends: ${method} over ${n} items ${shape} [${context}]`, async (t) => {
      t.timeout(Math.max(1, budgetEnd - Date.now()));
      for (let run = 0; run < runs; run++) {
        const script = wrap(`new Pool({ processes: 2, context: '${context}' })`, consume(method, n));
        assertExited(await runChild(script, { deadlineMs: 120_000 }), `${n} ${n * (n - 1)} 0 true`);
      }
    });
  }
}
