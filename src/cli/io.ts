import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { AtomicWriteStream } from '../core/atomic-file';
import { DbPorterError } from '../core/errors';

/** Where a dump goes: stdout for "-", otherwise a file that appears only once it is complete. */
export interface Destination {
  stream: Writable;
  commit(): Promise<void>;
  abort(): Promise<void>;
  label: string;
}

export function openDestination(dest: string): Destination {
  if (dest === '-') {
    return {
      stream: process.stdout,
      commit: async () => undefined,
      abort: async () => undefined,
      label: 'standard output',
    };
  }
  const file = path.resolve(dest);
  if (!fs.existsSync(path.dirname(file))) {
    throw new DbPorterError('FILE_NOT_FOUND', `The folder ${path.dirname(file)} does not exist. Create it or choose another destination.`);
  }
  const atomic = new AtomicWriteStream(file);
  return { stream: atomic.stream, commit: () => atomic.commit(), abort: () => atomic.abort(), label: file };
}

/** A default dump name when none is given: dump-2024_01_01_00_10_01.json in the working directory. */
export function defaultDumpName(format: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}_${p(now.getMonth() + 1)}_${p(now.getDate())}_${p(now.getHours())}_${p(now.getMinutes())}_${p(now.getSeconds())}`;
  return `dump-${stamp}.${format}`;
}
