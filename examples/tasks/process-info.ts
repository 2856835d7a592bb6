// Module tasks for process-hello.mts: a module keeps its imports, so the child
// can call currentProcess()/parentProcess() (an inline target could not use
// this module's imports).
import { currentProcess, parentProcess } from 'multiproc';

export function info(title: string): void {
  const me = currentProcess();
  console.log(title);
  console.log('process name:', me.name);
  console.log('parent process:', parentProcess()?.name ?? null);
  console.log('process id:', me.ident); // the worker thread's id (0 on the main thread)
}

export function f(name: string): void {
  info('function f');
  console.log('hello', name);
}
