// Python:
//   from multiprocessing import Barrier, Pool
//   from threading import BrokenBarrierError
//   def report():
//       print('all 3 parties arrived')   # run by the last to arrive, once per round
//   def party(barrier):
//       return [barrier.wait() for _ in range(2)]   # two rounds
//   barrier = Barrier(3, action=report, timeout=5)
//   with Pool(3) as pool:
//       rounds = zip(*pool.map(party, [barrier] * 3))
//   for n, indexes in enumerate(rounds, 1):
//       print(f'round {n}:', sorted(indexes))   # distinct: [0, 1, 2]
//   lonely = Barrier(2)
//   try:
//       lonely.wait(timeout=0.05)          # the other party never comes
//   except BrokenBarrierError:
//       print('BrokenBarrierError, broken:', lonely.broken)
//   # all 3 parties arrived / all 3 parties arrived /
//   # round 1: [0, 1, 2] / round 2: [0, 1, 2] / BrokenBarrierError, broken: True
// The action travels to the workers by source, like an inline task function.
import { Barrier, BrokenBarrierError, Pool } from 'multiproc';

function party(barrier: Barrier) {
  return [barrier.waitSync(), barrier.waitSync()];
}

const barrier = new Barrier(3, { action: () => console.log('all 3 parties arrived'), timeout: 5000 });
const pool = new Pool(3);
const perParty = await pool.map(party, [barrier, barrier, barrier]);
pool.close();
await pool.join();
for (const round of [0, 1]) {
  const indexes = perParty.map((indexes) => indexes[round]).sort();
  console.log(`round ${round + 1}: [${indexes.join(', ')}]`);
}

const lonely = new Barrier(2);
try {
  await lonely.wait(50);
} catch (error) {
  if (!(error instanceof BrokenBarrierError)) throw error;
  console.log('BrokenBarrierError, broken:', lonely.broken);
}
