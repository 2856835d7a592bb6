// Module tasks for process-hello.mts: a module keeps its imports, so the child
// can call currentProcess()/parentProcess() (an inline target could not use
// this module's imports).
import { currentProcess, parentProcess } from 'multiproc';

export function info(title: string): void {
  const me = currentProcess();
  const parent = parentProcess();
  console.log(title);
  console.log('process name:', me.name);
  console.log('parent process:', parent === null ? null : `${parent.name} (pid ${parent.pid})`);
  // ident: the thread id in the thread context (0 on the main thread), the pid in the process context
  console.log('process id:', me.pid, `(ident ${me.ident})`);
}

export function f(name: string): void {
  info('function f');
  console.log('hello', name);
}
