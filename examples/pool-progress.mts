// A progress bar over pool.map, as Python users write with tqdm:
//   with Pool() as pool:
//       results = list(tqdm(pool.imap(work, items), total=len(items)))
// onProgress is called per item (coalesced to ~20 calls a second), so the bar
// moves smoothly even though the items travel in a few large chunks.
import cliProgress from 'cli-progress';
import { Pool } from 'multiproc';

function work(n: number): number {
  let x = 0;
  for (let i = 0; i < 20_000; i++) x = (x + i * n) % 1_000_003;
  return x;
}

const items = Array.from({ length: 20_000 }, (_, i) => i);
const bar = new cliProgress.SingleBar({ clearOnComplete: false }, cliProgress.Presets.shades_classic);
bar.start(items.length, 0);
const pool = new Pool();
const results = await pool.map(work, items, {
  onProgress: (done) => bar.update(done),
});
bar.stop();
pool.close();
await pool.join();
console.log(`${results.length} results`);
