// workerpool worker: every task is called by name with exec(name, args).
import workerpool from 'workerpool';
import { square, fib, threadId, pid } from '../lib/tasks.mjs';

workerpool.worker({ square, fib, threadId, pid });
