import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import type { FunctionSpec, SourceLocation } from '../task_function';

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * Turns a shipped function back into a callable. Inline sources are compiled in
 * this worker's main context with `require`, `__filename` and `__dirname` of
 * the parent's entry folder in scope, so `require('./x')` resolves as it would
 * in the main script; module tasks are imported.
 */
export async function loadFunction(specText: string, id: number, baseDir: string): Promise<AnyFunction> {
  const spec = JSON.parse(specText) as FunctionSpec;
  if ('module' in spec) return importExport(spec.module, spec.exportName);
  return compileInline(spec, id, baseDir);
}

async function importExport(module: string, exportName: string): Promise<AnyFunction> {
  await registerTypeScript?.();
  const namespace = (await import(module)) as Record<string, unknown>;
  let fn = namespace[exportName];
  // A CommonJS module's named exports may only be visible on its default export.
  if (fn === undefined && namespace.default && typeof namespace.default === 'object') {
    fn = (namespace.default as Record<string, unknown>)[exportName];
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`task module ${module} has no export "${exportName}" that is a function (found ${typeof fn})`);
  }
  return fn as AnyFunction;
}

/** Compiles an inline function spec on any thread (e.g. a Barrier's action). */
export function compileSpecSync(specText: string): AnyFunction {
  const spec = JSON.parse(specText) as FunctionSpec;
  if ('module' in spec) throw new TypeError('a module task cannot be used here: pass an inline function');
  return compileInline(spec, 0, process.cwd());
}

/** Where each inline task really stands, by the file name its code runs under. */
const locations = new Map<string, SourceLocation>();

type Compiled = (r: NodeRequire, f: string, d: string, n: typeof keepName) => AnyFunction;

/**
 * Node's loader for `import()` in vm-compiled code (Node >= 20.12, flagged
 * experimental): a relative `import()` then resolves from the task's file name
 * in the entry folder, as `require` does. Older Nodes compile with `new
 * Function`, whose `import()` resolves from this file.
 */
const mainLoader = (vm.constants as unknown as { USE_MAIN_CONTEXT_DEFAULT_LOADER?: unknown } | undefined)?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
if (mainLoader !== undefined) quietLoaderWarning();

function compileInline(spec: { source: string; at?: SourceLocation }, id: number, baseDir: string): AnyFunction {
  const filename = join(baseDir, taskUrl(id));
  const require = createRequire(filename);
  const at = spec.at !== undefined && spec.at.line >= 2 ? spec.at : undefined;
  if (at) locations.set(filename, at);
  const compile = (expression: string, shift: number): Compiled => {
    if (mainLoader === undefined) {
      return new Function('require', '__filename', '__dirname', '__name', `return (${expression}\n);\n//# sourceURL=${filename}`) as Compiled;
    }
    // Line and column offsets put the source where it stands in the user's
    // file, so a stack's line:column are the file's (see taskError).
    const body = at ? `return (\n${' '.repeat(Math.max(0, at.column - 1 - shift))}${expression}\n);` : `return (${expression}\n);`;
    return vm.compileFunction(body, ['require', '__filename', '__dirname', '__name'], {
      filename,
      lineOffset: at ? at.line - 2 : 0,
      importModuleDynamically: mainLoader as never,
    }) as Compiled;
  };
  try {
    return compile(spec.source, 0)(require, filename, baseDir, keepName);
  } catch (error) {
    // Method shorthand (`{ square(x) {...} }.square`) is not an expression on its own.
    if (!(error instanceof SyntaxError)) throw error;
    const holder = compile(`{ ${spec.source} }`, 2)(require, filename, baseDir, keepName) as unknown as Record<string, AnyFunction>;
    return Object.values(holder)[0];
  }
}

/** Node warns once per thread that the loader constant is experimental; the
 *  warning is about our use of it, not the user's code. */
function quietLoaderWarning(): void {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning?.message;
    if (typeof text === 'string' && text.includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) return;
    return (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
}

/**
 * esbuild-based TypeScript loaders (tsx) compile named inner functions to
 * `__name(fn, "name")` calls, a helper defined in the loaded module but not in
 * a function's own source: shipped sources get the same helper.
 */
function keepName<T extends object>(target: T, value: string): T {
  return Object.defineProperty(target, 'name', { value, configurable: true });
}

const taskUrl = (id: number) => `multiproc-task-${id}.js`;

/**
 * An error thrown by task code, made helpful: a closure's missing name is
 * explained, and the stack names the user's file where the task was found in
 * it (the code ran under a name in the entry folder, at the file's lines).
 */
export function taskError(error: unknown, id: number): unknown {
  explainMissingName(error, id);
  if (!(error instanceof Error) || typeof error.stack !== 'string' || locations.size === 0) return error;
  let stack = error.stack;
  for (const [filename, at] of locations) stack = stack.split(`${filename}:`).join(`${at.file}:`);
  error.stack = stack;
  return error;
}

/** Registers tsx for this thread once, before the first module task is
 *  imported; undefined when the parent does not run under tsx. */
let registerTypeScript: (() => Promise<void>) | undefined;

/**
 * Node 20 runs the parent's `--require` preloads in workers but not its
 * `--import` ones (which is how TypeScript loaders such as tsx register), so a
 * worker imports them itself, resolved from the working directory as Node does.
 * tsx is registered only once a module task is imported: inline functions
 * arrive as JavaScript already, and loading tsx takes a worker ~0.1-0.4 s.
 */
export async function importParentPreloads(): Promise<void> {
  if (Number(process.versions.node.split('.')[0]) >= 22) return;
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const specifier = args[i] === '--import' ? args[++i] : args[i].startsWith('--import=') ? args[i].slice(9) : undefined;
    if (specifier === undefined) continue;
    const tsx = tsxLocation(specifier);
    if (tsx !== undefined) {
      let registered: Promise<void> | undefined;
      registerTypeScript = () => (registered ??= registerTsx(tsx));
    } else {
      const path = /^\.{0,2}\//.test(specifier) ? resolve(process.cwd(), specifier) : undefined;
      await import(path === undefined ? specifier : pathToFileURL(path).href);
    }
  }
}

/**
 * Where to resolve tsx from, if `specifier` is tsx's loader: `--import tsx`
 * (resolved from the working directory) or, from the `tsx` command, the file
 * URL of the loader in whichever tsx it runs (perhaps npx's own copy).
 */
function tsxLocation(specifier: string): string | undefined {
  if (/^tsx(\/esm)?$/.test(specifier)) return join(process.cwd(), 'main');
  if (/^file:.*[\\/]tsx[\\/]dist[\\/](loader|esm[\\/]index)\.mjs$/.test(specifier)) return fileURLToPath(specifier);
  return undefined;
}

// tsx's --import entry registers its hooks on the main thread only; its APIs
// register them for this thread, for ESM and CommonJS .ts files. They are
// imported as that tsx's exports map gives them to `import` (its CommonJS
// flavour of the ESM API cannot register from a worker).
async function registerTsx(from: string): Promise<void> {
  const manifestPath = createRequire(from).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
  const api = (subpath: string) => import(pathToFileURL(join(dirname(manifestPath), exports[subpath].import.default)).href) as Promise<{ register(): void }>;
  const [esm, cjs] = [await api('./esm/api'), await api('./cjs/api')];
  esm.register();
  cjs.register();
}

const UNDEFINED_NAME = /^(\S+) is not defined$/;

/**
 * A ReferenceError raised by shipped code for a name that is not a global is
 * almost always a closure over the parent's scope: say so, and how to fix it.
 */
function explainMissingName(error: unknown, id: number): unknown {
  if (!(error instanceof ReferenceError)) return error;
  const match = UNDEFINED_NAME.exec(error.message);
  if (!match || !error.stack?.includes(taskUrl(id))) return error;
  const name = match[1];
  error.message =
    `${name} is not defined in the worker: the task function uses "${name}" from its enclosing scope, ` +
    `which does not travel with the function's source. Pass ${name} as an argument ` +
    `(pool.apply(fn, [x, ${name}]), or pool.starmap(fn, items.map((x) => [x, ${name}]))), ` +
    'or move the function into a module and use task(module, exportName)';
  error.stack = `ReferenceError: ${error.message}\n${error.stack.split('\n').slice(1).join('\n')}`;
  return error;
}
