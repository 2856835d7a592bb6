// `npm run demo`: runs every example in this folder under tsx, in name order,
// printing what each prints (as its Python original would).
// `npm run demo -- --context process`: only the examples that read
// MULTIPROC_CONTEXT (those using only what crosses processes so far), with
// their children as OS processes.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({ options: { context: { type: 'string', default: 'thread' } } });
const folder = fileURLToPath(new URL('.', import.meta.url));
const examples = readdirSync(folder)
  .filter((name) => name.endsWith('.mts'))
  .filter((name) => values.context === 'thread' || readFileSync(join(folder, name), 'utf8').includes('MULTIPROC_CONTEXT'))
  .sort();
let failed = 0;
for (const name of examples) {
  console.log(`--- examples/${name}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', name], {
    cwd: folder,
    stdio: 'inherit',
    timeout: 60_000,
    env: { ...process.env, MULTIPROC_CONTEXT: values.context },
  });
  if (run.status !== 0) {
    failed++;
    console.error(`examples/${name} failed (${run.error?.message ?? `exit code ${run.status}`})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
