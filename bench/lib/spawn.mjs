// Runs one measuring child process and returns its parsed RESULT line.
import { execFile } from 'node:child_process';

export function runChild(cmd, args, { cwd, timeout }) {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) return resolve(JSON.parse(line.slice(7)));
      // Keep the most telling part of the failure for the report.
      const why = err?.killed ? `timed out after ${timeout / 1000} s` : lastError(stderr) || err?.message || 'no result';
      resolve({ error: why });
    });
  });
}

function lastError(stderr) {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const hit = lines.findLast((l) => /Error|error:|Exception/.test(l));
  return (hit ?? lines.at(-1) ?? '').slice(0, 300);
}
