// What `npm run bench` measures: libraries, scenarios, run counts and targets.
// Targets are compared in the same run and reported, never asserted.

export const JS_LIBS = ['multiproc', 'piscina', 'poolifier', 'tinypool', 'workerpool'];
export const LABELS = {
  multiproc: 'multiproc',
  piscina: 'piscina',
  poolifier: 'poolifier',
  tinypool: 'tinypool',
  workerpool: 'workerpool',
  'multiproc-rlock': 'multiproc (RLock)',
  atomics: 'Atomics',
  workers: 'worker_threads',
  python: 'Python Pool',
};
// A scenario may run its own list of libraries (`libs`) and name them its own way (`labels`);
// `file` names its module in scenarios/ and `python` its script in python/ when that is
// not the scenario's id; `context: 'process'` runs the pools (and Process) as child
// processes: multiproc's process context, tinypool's `runtime: 'child_process'`,
// workerpool's `workerType: 'process'`, a bare `spawn(node)` for the `workers` baseline.
export const labelOf = (sc, lib) => sc.labels?.[lib] ?? LABELS[lib];

export const RUNS = 5; // timed runs per library; the median is reported
export const WARMUP = 1; // untimed runs before them
export const CHILD_TIMEOUT_MS = 240_000; // a hung library costs at most this
// Before each row, wait for the machine to be quiet (see lib/quiet.mjs), at most this long,
// and at most QUIET_WAIT_TOTAL_MS over the whole run (measuring alone takes ~4-5 min).
export const QUIET_WAIT_PER_ROW_MS = 20_000;
export const QUIET_WAIT_TOTAL_MS = 120_000;

// targets: the median of multiproc compared with `factor` x the best median among `ref`
// (libraries) or with the absolute number `absolute` (in the scenario's unit).
export const SCENARIOS = [
  {
    id: 'tiny',
    title: '100k tiny tasks (apply x => x*x, all in flight)',
    unit: 'tasks/s',
    higherIsBetter: true,
    targets: [{ ref: ['piscina', 'poolifier'], factor: 2, text: '≥ 2× the best of piscina and poolifier' }],
  },
  {
    id: 'map',
    title: 'map(x => x*x) over 1M ints, default chunksize',
    unit: 'items/s',
    higherIsBetter: true,
    // poolifier's mapExecute is one task per item (~16 s per run): fewer runs keep the total short.
    runs: { poolifier: 3 },
    note: 'piscina, tinypool and workerpool have no map API and are skipped; poolifier runs mapExecute (one task per item).',
    targets: [{ ref: ['python'], factor: 1.5, text: '≥ 1.5× Python Pool(2).map' }],
  },
  {
    id: 'fib',
    title: '16 × fib(32) on 2 workers: speedup over a serial loop',
    unit: '× serial',
    higherIsBetter: true,
    runs: { python: 3 }, // ~9 s a round
    note: 'map where the library has one, else all 16 tasks submitted at once; serial loop runs the same function in the same process, alternating with the parallel runs (~0.5 s serial in JS, ~6 s in Python).',
    targets: [{ absolute: 1.8, text: '≥ 1.8× speedup' }],
  },
  {
    id: 'startup',
    title: 'Pool start-up until a task has completed on each of 2 workers',
    unit: 'ms',
    higherIsBetter: false,
    note: 'constructor call → pairs of trivial tasks until 2 distinct workers have answered; library already loaded; pool destroyed between runs. Python forks its workers (the Linux default start method), which is why it is far quicker.',
    targets: [{ ref: ['piscina'], factor: 1, text: '≤ piscina' }],
  },
  {
    id: 'rss',
    title: 'RSS per worker (2-worker pool, warmed)',
    unit: 'MiB',
    higherIsBetter: false,
    freshPerRun: true, // freed pool memory is not returned: one fresh process per run
    gc: true, // runs node with --expose-gc, to measure RSS after collecting
    note: 'JS: (RSS with the warmed pool − RSS before creating it) / 2, after gc, in one fresh process per run. Python workers are processes: each worker\'s PSS instead.',
    targets: [{ ref: ['piscina'], factor: 1, text: '≤ piscina' }],
  },
  {
    id: 'lock',
    title: '2 workers × 200k increments of one shared int, each under its lock',
    unit: 'increments/s',
    higherIsBetter: true,
    libs: ['multiproc', 'multiproc-rlock', 'atomics', 'python'],
    labels: { atomics: 'Atomics mutex', python: 'Python Value' },
    // A run is short (Python's ~0.5 s) but who wins the lock varies from run to run: more runs.
    runs: { multiproc: 15, 'multiproc-rlock': 15, atomics: 15, python: 15 },
    note: "Each worker runs `lock.acquireSync(); v.value += 1; lock.release()` 200k times on `new Value('i', 0, { lock: new Lock() })`, passed to 2 pool tasks (lock from `v.getLock()`); multiproc (RLock) is the same with Value's default lock, for information. Atomics mutex: a hand-written three-state compare-exchange mutex (Atomics.wait/notify on contention) guarding a plain increment, over one SharedArrayBuffer, in 2 plain worker_threads. Python Value: `with v.get_lock(): v.value += 1` on `multiprocessing.Value('i', 0)` in 2 processes. Only the loops are timed: the 2 workers wait for each other, start together and time their own loop; rate = 400k / the slower loop (loopMs). Every run checks that the counter ends at exactly 400,000.",
    targets: [
      { ref: ['atomics'], factor: 1, text: '≥ 1× the Atomics mutex' },
      { ref: ['python'], factor: 5, text: '≥ 5× Python multiprocessing.Value' },
    ],
  },
  {
    id: 'value-add',
    title: "v.add(1) on a shared Value('i') from the main thread, 5M calls",
    unit: 'ops/s',
    higherIsBetter: true,
    libs: ['multiproc', 'atomics'],
    labels: { atomics: 'Atomics.add' },
    note: 'Uncontended. Atomics.add: the same loop calling Atomics.add on an Int32Array over a SharedArrayBuffer, the most any wrapper around it can reach (for information). Every run checks that the counter ends at exactly 5M.',
    targets: [{ absolute: 20e6, text: '≥ 20M ops/s' }],
  },
  {
    id: 'queue',
    title: '200k small ints through a Queue, one worker to another',
    unit: 'items/s',
    higherIsBetter: true,
    libs: ['multiproc', 'workers', 'python'],
    labels: { workers: 'MessagePort', python: 'Python Queue' },
    python: 'mp_queue', // not queue.py: that would shadow Python's own queue module
    runs: { multiproc: 9, workers: 9, python: 5 },
    note: "multiproc: one pool task runs `q.putSync(i)` for i < 200k, another `q.getSync()` 200k times, on one `new Queue()` passed to both with `pool.apply(fn, [q, n])`. MessagePort: one plain worker_threads worker posts the same ints on its end of a MessageChannel, another receives them (`port.on('message')`). Python Queue: `multiprocessing.Queue`, one process `put`s, another `get`s. Only the loops are timed: both sides wait for each other (a shared ready count; a Barrier in Python), start together and time their own loop; rate = 200k / the slower loop (loopMs; the receiver's, go → last item received). Every run checks that exactly 0..199,999 arrived in order and nothing was left.",
    targets: [
      { ref: ['workers'], factor: 1.5, text: '≥ 1.5× a MessagePort stream' },
      { ref: ['python'], factor: 10, text: '≥ 10× Python multiprocessing.Queue' },
    ],
  },
  {
    id: 'manager-dict',
    title: 'Manager dict: d.set(k, v) from 2 workers, 2 × 50k distinct keys',
    unit: 'ops/s',
    higherIsBetter: true,
    libs: ['multiproc', 'python'],
    labels: { python: 'Python Manager' },
    runs: { python: 3 }, // ~3 s a run
    note: "multiproc: `new Manager().dict()` passed to 2 pool tasks, each running `d.set(`w${w}-${i}`, i)` for i < 50k. Python: `Manager().dict()` passed to 2 processes, each `d[f'w{w}-{i}'] = i`. Both sides start together and time only their own loop; rate = 100k / the slower loop (loopMs). Every run checks, untimed, all 100k keys and values.",
    targets: [{ ref: ['python'], factor: 10, text: '≥ 10× Python Manager().dict()' }],
  },
  {
    id: 'queue-bytes',
    title: 'One 64 MiB Float64Array through a Queue, main thread to a worker',
    unit: 'GB/s',
    higherIsBetter: true,
    libs: ['multiproc'],
    runs: { multiproc: 9 },
    note: 'For information. `q.putSync(a)` on the main thread, `q.getSync()` in a pool task already waiting for it; timed from just before the put until the get returned (performance.timeOrigin + performance.now() on both threads); GB = 10⁹ bytes. Every run checks every element, untimed.',
    targets: [],
  },
  {
    id: 'process',
    title: 'Empty Process: start() to join()',
    unit: 'ms',
    higherIsBetter: false,
    libs: ['multiproc', 'workers', 'python'],
    labels: { workers: 'bare Worker', python: 'Python Process' },
    runs: { multiproc: 15, workers: 15, python: 15 },
    note: "multiproc: `const p = new Process({ target: () => {} }); p.start(); await p.join()` (thread context). bare Worker: `new Worker(emptyFile)` until its `exit` event. Python: `Process(target=f).start(); p.join()` (fork). Library already loaded, one at a time.",
    targets: [{ ref: ['workers'], factor: 1.2, text: '≤ 1.2× a bare Worker' }],
  },
  // The process context: the same scenarios with every worker a child process.
  {
    id: 'map-process',
    file: 'map',
    python: 'map',
    context: 'process',
    title: 'Process context: map(x => x*x) over 1M ints, default chunksize',
    unit: 'items/s',
    higherIsBetter: true,
    libs: ['multiproc', 'python'],
    labels: { multiproc: 'multiproc (process)', python: 'Python Pool (processes)' },
    note: "multiproc: `new Pool({ processes: 2, context: 'process' }).map`. The peers with processes (tinypool, workerpool) have no map API.",
    targets: [{ ref: ['python'], factor: 2, text: '≥ 2× Python Pool(2).map' }],
  },
  {
    id: 'tiny-process',
    file: 'tiny',
    context: 'process',
    title: 'Process context: 100k tiny tasks (apply x => x*x, all in flight)',
    unit: 'tasks/s',
    higherIsBetter: true,
    libs: ['multiproc', 'tinypool', 'workerpool'],
    labels: { multiproc: 'multiproc (process)', tinypool: "tinypool (child_process)", workerpool: "workerpool (process)" },
    runs: { tinypool: 3, workerpool: 3 }, // one IPC message per task: ~10 s a run
    note: "2 child processes each: multiproc `context: 'process'`, tinypool `runtime: 'child_process'`, workerpool `workerType: 'process'`.",
    targets: [{ ref: ['tinypool', 'workerpool'], factor: 5, text: '≥ 5× the best of tinypool and workerpool (processes)' }],
  },
  {
    id: 'fib-process',
    file: 'fib',
    context: 'process',
    title: 'Process context: 16 × fib(32) on 2 workers, speedup over a serial loop',
    unit: '× serial',
    higherIsBetter: true,
    libs: ['multiproc', 'tinypool', 'workerpool'],
    labels: { multiproc: 'multiproc (process)', tinypool: "tinypool (child_process)", workerpool: "workerpool (process)" },
    note: 'As the fib scenario, with child processes (Python Pool is processes: see the fib scenario).',
    targets: [{ absolute: 1.8, text: '≥ 1.8× speedup' }],
  },
  {
    id: 'process-spawn',
    file: 'process',
    python: 'process',
    context: 'process',
    title: "Empty Process, process context: start() to join()",
    unit: 'ms',
    higherIsBetter: false,
    libs: ['multiproc', 'workers', 'python'],
    labels: { multiproc: 'multiproc (process)', workers: 'bare spawn', python: 'Python Process' },
    runs: { multiproc: 15, workers: 15, python: 15 },
    note: "multiproc: `const p = new Process({ target: () => {}, context: 'process' }); p.start(); await p.join()`. bare spawn: `child_process.spawn(node, ['-e', ''])` until its `exit` event. Python: `Process(target=f).start(); p.join()` (fork, the Linux default). Library already loaded, one at a time.",
    targets: [{ ref: ['workers'], factor: 1.2, text: '≤ 1.2× a bare spawn' }],
  },
  {
    id: 'lock-process',
    file: 'lock',
    python: 'lock',
    context: 'process',
    title: 'Process context: 2 processes × 200k increments of one shared int, each under its lock',
    unit: 'increments/s',
    higherIsBetter: true,
    libs: ['multiproc', 'python'],
    labels: { multiproc: 'multiproc (process)', python: 'Python Value' },
    runs: { multiproc: 15, python: 15 },
    note: "As the lock scenario, with the pool's workers child processes (`context: 'process'`): the Value and its Lock live in OS shared memory both map; compare with the thread context's row above.",
    targets: [{ ref: ['python'], factor: 10, text: '≥ 10× Python multiprocessing.Value' }],
  },
  {
    id: 'rss-process',
    context: 'process',
    title: 'RSS per process-context worker (2-worker pool, warmed)',
    unit: 'MiB',
    higherIsBetter: false,
    libs: ['multiproc', 'tinypool', 'workerpool', 'workers'],
    labels: { multiproc: 'multiproc (process)', tinypool: "tinypool (child_process)", workerpool: "workerpool (process)", workers: 'bare node -e' },
    note: "Each child process's VmRSS, averaged over the pool's 2 children, after the rss scenario's warm-up; bare node -e: an idle `node -e` child that has started. Linux (/proc) only.",
    targets: [{ ref: ['workers'], factor: 1.3, text: '≤ 1.3× a bare node -e child' }],
  },
];
