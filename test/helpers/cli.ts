import { spawn } from 'node:child_process';
import * as path from 'node:path';

/** Runs the built command line (dist/cli.js) as a user would, collecting its output. */
export const CLI = path.resolve(__dirname, '../../../dist/cli.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where commands run unless a test says otherwise: snapshots land in its .dbporter/, not in the repository. */
let defaultCwd: string | undefined;

export function setDefaultCwd(dir: string): void {
  defaultCwd = dir;
}

export function dbporter(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string; input?: NodeJS.ReadableStream } = {}): Promise<Run> & { child: ReturnType<typeof spawn> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? defaultCwd,
    env: { ...process.env, DATABASE_URL: undefined, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  if (options.input) options.input.pipe(child.stdin);
  else child.stdin.end();
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))) as Promise<Run> & { child: typeof child };
  done.child = child;
  return done;
}

