// `npm run demo`: runs every example in this folder under tsx, in name order,
// printing what each prints (as its Python original would).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const folder = fileURLToPath(new URL('.', import.meta.url));
const examples = readdirSync(folder).filter((name) => name.endsWith('.mts')).sort();
let failed = 0;
for (const name of examples) {
  console.log(`--- examples/${name}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', name], { cwd: folder, stdio: 'inherit', timeout: 60_000 });
  if (run.status !== 0) {
    failed++;
    console.error(`examples/${name} failed (${run.error?.message ?? `exit code ${run.status}`})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
