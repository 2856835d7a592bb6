import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const kTaskRef = Symbol.for('multiproc.TaskRef');

/**
 * The signature of a module task whose type `task()` was not given: it may take
 * anything, and what it returns is `unknown` until checked.
 */
export type UntypedTask = (...args: any[]) => unknown;

/**
 * A function exported by a module, run by importing that module in the worker.
 * @typeParam F - The function's type, from `task<F>()`.
 */
export interface TaskRef<F extends (...args: any[]) => any = UntypedTask> {
  /** @internal */
  readonly [kTaskRef]: true;
  /** The module's URL (`file:` for a path). */
  readonly module: string;
  /** The name of the export to call. */
  readonly exportName: string;
  /** Type-only: the function's signature, for inference. */
  readonly __fn?: F;
}

/**
 * A task function: an inline function (shipped by source) or a module task.
 * @typeParam F - The function's type.
 */
export type TaskFn<F extends (...args: any[]) => any = UntypedTask> = F | TaskRef<F>;

/**
 * Names the export `exportName` of `module` (a URL, `file:` URL string, or a
 * path: relative paths resolve from the working directory) as a task.
 *
 * TypeScript cannot see the module's type through a URL: give it, as
 * `task<typeof import('./tasks.js')['fib']>(new URL('./tasks.js', import.meta.url), 'fib')`
 * (or `task<typeof fib>` with `import type`). Without it the task takes
 * anything and its results are `unknown`.
 * @typeParam F - The exported function's type.
 */
export function task<F extends (...args: any[]) => any = UntypedTask>(
  module: string | URL,
  exportName = 'default',
): TaskRef<F> {
  let href: string;
  if (module instanceof URL) href = module.href;
  else if (typeof module === 'string' && module.length > 0) {
    href = /^[a-z][a-z0-9+.-]*:/i.test(module) && !isAbsolute(module)
      ? module
      : pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
  } else {
    throw new TypeError(`task(module, exportName): module must be a URL or a path string, got ${describe(module)}`);
  }
  if (typeof exportName !== 'string' || exportName.length === 0) {
    throw new TypeError(`task(module, exportName): exportName must be a non-empty string, got ${describe(exportName)}`);
  }
  return Object.freeze({ [kTaskRef]: true as const, module: href, exportName });
}

export function isTaskRef(value: unknown): value is TaskRef {
  return typeof value === 'object' && value !== null && (value as TaskRef)[kTaskRef] === true;
}

/** Where an inline function's source stands in the caller's file (1-based). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** How a task function is described to workers; see worker/compile.ts. */
export type FunctionSpec = { source: string; at?: SourceLocation } | { module: string; exportName: string };

/** Describes `fn` for shipping, or throws a TypeError saying why it cannot be shipped. */
export function functionSpec(fn: unknown, what = 'the task function'): string {
  if (isTaskRef(fn)) return JSON.stringify({ module: fn.module, exportName: fn.exportName });
  if (typeof fn !== 'function') {
    throw new TypeError(`${what} must be a function or task(module, exportName), got ${describe(fn)}`);
  }
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new TypeError(
      `${what} ${fn.name ? `(${fn.name}) ` : ''}is a native or bound function, whose source cannot be ` +
        'sent to a worker; wrap it in a plain function (x => Math.sqrt(x)) or use task(module, exportName)',
    );
  }
  if (/^class\b/.test(source)) {
    throw new TypeError(`${what} is a class; pass a function, or use task(module, exportName)`);
  }
  return JSON.stringify({ source, at: locate(source) });
}

/** This package's own frames are not the caller's. */
const OWN_SOURCES = __dirname + sep;
const OWN_ENTRIES = new Set(['index.js', 'index.mjs'].map((name) => join(__dirname, '..', name)));
const FRAME_FILE = /(?:\(|at )((?:file:\/\/)?[^\s()][^()]*?):\d+:\d+\)?$/;
/** Caller files searched for a function's source. */
const MAX_FILES = 4;

/**
 * The function's defining file is usually one of the calling frames' (the
 * call-site stack): find its source text there, so a worker's stack can name
 * the user's file and line. Undefined when it cannot be found (a function
 * compiled by a TypeScript loader, built with `new Function`, ...).
 */
function locate(source: string): SourceLocation | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const files = new Set<string>();
  for (const frame of stack.split('\n').slice(1)) {
    const match = FRAME_FILE.exec(frame.trim());
    if (!match) continue;
    const file = match[1].startsWith('file://') ? fileURLToPath(match[1]) : match[1];
    if (!isAbsolute(file) || file.startsWith(OWN_SOURCES) || OWN_ENTRIES.has(file)) continue;
    files.add(file);
    if (files.size === MAX_FILES) break;
  }
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const index = text.indexOf(source);
    if (index < 0) continue;
    const before = text.slice(0, index);
    const line = before.split('\n').length;
    return { file, line, column: index - before.lastIndexOf('\n') };
  }
  return undefined;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return `${typeof value} ${String(value)}`;
}
