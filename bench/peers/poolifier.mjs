// poolifier worker: the first task function is the default one used by execute(x).
import { ThreadWorker } from 'poolifier';
import { square, fib, threadId, pid } from '../lib/tasks.mjs';

export default new ThreadWorker({ square, fib, threadId, pid });
