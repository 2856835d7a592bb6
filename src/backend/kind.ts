// The one place that knows which contexts exist and what each refuses.
import { crossesProcesses, findShared } from '../shared/handles';
import { describe } from '../task_function';

/** Where workers and `Process` children run: worker threads, or OS child processes. */
export type ContextKind = 'thread' | 'process';

/** Checks a `context` option (undefined: the default, 'thread'). */
export function contextKind(value: unknown, where: string): ContextKind {
  if (value === undefined) return 'thread';
  if (value === 'thread' || value === 'process') return value;
  throw new TypeError(`${where} context must be 'thread' or 'process', got ${describe(value)}`);
}

/** Refuses options given for a context they mean nothing in, naming the option. */
export function refuseOptions(options: object, names: readonly string[], kind: ContextKind, where: string): void {
  for (const name of names) {
    if ((options as Record<string, unknown>)[name] !== undefined) {
      const other = kind === 'thread' ? "context: 'process'" : "the default context 'thread'";
      throw new TypeError(`${where} option ${name} has no meaning in the '${kind}' context; it applies with ${other}`);
    }
  }
}

/** Refuses, in what a process-context task or Process receives, a shared
 *  object that cannot cross processes yet, naming its path. */
export function refuseShared(value: unknown, root: string, kind: ContextKind): void {
  if (kind !== 'process') return;
  const path = findShared(value, root, crossesProcesses);
  if (path !== undefined) {
    throw new TypeError(
      `${path} is a shared object: passing it to a process-context task or Process is not supported yet ` +
        '(so far SharedMemory, ShareableList, Value, RawValue, SharedArray, RawArray, Lock, RLock, Event, Semaphore and BoundedSemaphore are); ' +
        "use the default context 'thread' for work that shares it",
    );
  }
}
