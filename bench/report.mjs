// Writes results.md and results.svg from one run's results.
// Re-render without measuring: node bench/report.mjs [bench/.work/results.json] [outDir]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toMarkdown } from './report/markdown.mjs';
import { toSvg } from './report/svg.mjs';

export function writeReport(out, dir) {
  writeFileSync(`${dir}/results.md`, toMarkdown(out));
  writeFileSync(`${dir}/results.svg`, toSvg(out));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const file = process.argv[2] ?? `${here}.work/results.json`;
  writeReport(JSON.parse(readFileSync(file, 'utf8')), process.argv[3] ?? here);
}
