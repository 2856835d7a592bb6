// Python (docs, "The Process class"):
//   from multiprocessing import Process
//   import os
//   def info(title):
//       print(title)
//       print('module name:', __name__)
//       print('parent process:', os.getppid())
//       print('process id:', os.getpid())
//   def f(name):
//       info('function f')
//       print('hello', name)
//   if __name__ == '__main__':
//       info('main line')
//       p = Process(target=f, args=('Bob',))
//       p.start()
//       p.join()
//   # main line / ... / function f / ... / hello Bob
// In the thread context (the default) a child is a worker thread of this same
// OS process, told apart by name and ident (its thread id), not by pid; with
// MULTIPROC_CONTEXT=process it is an OS child process with its own pid, as in
// Python. The target is a module task: the module keeps its own imports.
import { Process, task } from 'multiproc';
import { info } from './tasks/process-info.js'; // tsx maps .js to the .ts file

const context = (process.env.MULTIPROC_CONTEXT ?? 'thread') as 'thread' | 'process';
info('main line');
const p = new Process({ target: task(new URL('./tasks/process-info.ts', import.meta.url), 'f'), args: ['Bob'], context });
p.start();
await p.join();
console.log(`${p.name} exited with code ${p.exitCode}; same OS process: ${p.pid === process.pid}`);
