// Python (docs, "Sharing state between processes"):
//   from multiprocessing import Process, Value, Array
//   def f(n, a):
//       n.value = 3.1415927
//       for i in range(len(a)):
//           a[i] = -a[i]
//   num = Value('d', 0.0)
//   arr = Array('i', range(10))
//   p = Process(target=f, args=(num, arr)); p.start(); p.join()
//   print(num.value)    # 3.1415927
//   print(arr[:])       # [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]
// Here a pool task plays the process: `num` and `arr` arrive in the worker as
// live handles to the same shared memory, so its writes are seen here.
import { Pool, SharedArray, Value } from 'multiproc';

// MULTIPROC_CONTEXT=process (npm run demo:process): the workers are OS processes.
const context = (process.env.MULTIPROC_CONTEXT ?? 'thread') as 'thread' | 'process';

function f(n: Value, a: SharedArray) {
  n.value = 3.1415927;
  for (let i = 0; i < a.length; i++) a.set(i, -a.get(i));
}

const num = new Value('d', 0.0);
const arr = new SharedArray('i', Array.from({ length: 10 }, (_, i) => i));

const pool = new Pool({ processes: 1, context });
await pool.apply(f, [num, arr]);
console.log(num.value);
console.log(`[${arr.toArray().join(', ')}]`);
pool.close();
await pool.join();
