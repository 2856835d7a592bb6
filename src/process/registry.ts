import type { Process } from './process';

// This thread's children. One module instance serves both the CommonJS and
// the ES entry (index.mjs re-exports index.js), so the lists agree.

const running = new Set<Process>();
let started = 0;

/** `Process-N`, N counting from 1 in each parent. */
export function nextProcessName(): string {
  return `Process-${++started}`;
}

export function childStarted(child: Process): void {
  running.add(child);
}

export function childEnded(child: Process): void {
  running.delete(child);
}

/** Started children that have not finished. */
export function activeChildren(): Process[] {
  return [...running].filter((child) => child.isAlive());
}
