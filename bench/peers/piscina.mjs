// piscina worker: the default export serves run(x); others are picked with run(x, { name }).
export { square as default, fib, threadId, pid } from '../lib/tasks.mjs';
