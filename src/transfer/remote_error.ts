import { serialize } from 'node:v8';
import * as errors from '../errors';

// Errors cross threads as plain records, so that a thrown value keeps its
// name, class (for built-ins and multiproc's own), message, own properties,
// cause and stack.

export interface ErrorRecord {
  thrown?: unknown; // a non-Error value that was thrown, as is
  name?: string;
  message?: string;
  stack?: string;
  props?: Record<string, unknown>;
  cause?: ErrorRecord;
  hasCause?: boolean;
  /** One of multiproc's error classes (src/errors.ts), by name. */
  ours?: boolean;
}

const BUILTINS: Record<string, ErrorConstructor> = {
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
};

/** multiproc's error classes by name, so `instanceof Empty` holds across threads too. */
const OURS = new Map<string, { prototype: Error }>(
  Object.values(errors).filter((value): value is typeof Error => typeof value === 'function' && value.prototype instanceof Error)
    .map((Class) => [Class.name, Class]),
);

function cloneable(value: unknown): boolean {
  try {
    serialize(value);
    return true;
  } catch {
    return false;
  }
}

export function toErrorRecord(error: unknown, depth = 0): ErrorRecord {
  if (!(error instanceof Error)) {
    return { thrown: cloneable(error) ? error : String(error) };
  }
  const record: ErrorRecord = { name: error.name, message: error.message, stack: error.stack };
  if (OURS.get(error.constructor.name)?.prototype === Object.getPrototypeOf(error)) record.ours = true;
  const props: Record<string, unknown> = {};
  let any = false;
  for (const key of Object.keys(error)) {
    if (key === 'cause') continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    props[key] = cloneable(value) ? value : String(value);
    any = true;
  }
  if (any) record.props = props;
  if ('cause' in error && depth < 8) {
    record.hasCause = true;
    record.cause = toErrorRecord(error.cause, depth + 1);
  }
  return record;
}

export function fromErrorRecord(record: ErrorRecord): unknown {
  if (!('name' in record)) return record.thrown;
  const Class = BUILTINS[record.name!] ?? Error;
  const error = new Class(record.message);
  const ours = record.ours ? OURS.get(record.name!) : undefined;
  if (ours) Object.setPrototypeOf(error, ours.prototype);
  if (error.name !== record.name) {
    Object.defineProperty(error, 'name', { value: record.name, writable: true, configurable: true });
  }
  if (record.props) Object.assign(error, record.props);
  if (record.hasCause) {
    Object.defineProperty(error, 'cause', {
      value: fromErrorRecord(record.cause!), writable: true, configurable: true,
    });
  }
  if (record.stack !== undefined) {
    Object.defineProperty(error, 'remoteStack', { value: record.stack, writable: true, configurable: true });
    error.stack = record.stack;
  }
  return error;
}
