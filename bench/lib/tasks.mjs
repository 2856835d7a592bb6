// The task bodies every JS library runs. Peers import them in their worker files;
// the serial baseline of the fib scenario imports the same fib, so both sides run
// identical code. (multiproc ships the same source text inline, see adapters/multiproc.mjs.)
import { threadId as tid } from 'node:worker_threads';

export function square(x) {
  return x * x;
}

export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

// Tells the caller which worker ran the task (start-up scenario).
export function threadId() {
  return tid;
}

// Tells the caller which process ran the task (process-context scenarios: every
// child's threadId is 0).
export function pid() {
  return process.pid;
}
