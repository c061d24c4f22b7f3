import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Files that appear whole or not at all: content goes to a temporary file in the same folder,
 * is flushed to disk, then renamed over the destination (rename is atomic within a file system).
 */

export function temporaryPathFor(destination: string): string {
  sweepStaleTemporaries(path.dirname(destination));
  return path.join(path.dirname(destination), `.${path.basename(destination)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Where existing content is moved aside while new content takes its place. Never swept: if a
 * process dies between the two renames, this is the only copy of what was there.
 */
export function asidePathFor(existing: string): string {
  return path.join(path.dirname(existing), `.${path.basename(existing)}.${process.pid}-${randomBytes(4).toString('hex')}.old`);
}

/** `.<name>.<pid>-<8 hex>.tmp`: a temporary file (or folder) and the process that made it. */
const TEMPORARY = /^\..+\.(\d+)-[0-9a-f]{8}\.tmp$/;

/**
 * Removes temporary files and folders left in `dir` by DB Porter processes that no longer run
 * (killed with SIGKILL, or the machine went down): the next write into a folder cleans it up.
 * A temporary of a process still running is left alone, whoever it belongs to.
 */
export function sweepStaleTemporaries(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMPORARY.exec(name);
    if (!m || Number(m[1]) === process.pid || processIsRunning(Number(m[1]))) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

/** Whether a process of this machine runs (any user's). */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** fsync of the folder makes the rename itself durable. Some file systems refuse it; that is harmless. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Not supported here (some network and Windows file systems); the rename is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function writeFileAtomic(destination: string, data: Uint8Array): void {
  const tmp = temporaryPathFor(destination);
  try {
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      // writeSync may write less than asked (a disk filling up): go on until all is written, or
      // the next write fails with the reason.
      for (let done = 0; done < data.length; ) done += fs.writeSync(fd, data, done, data.length - done);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, destination);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  syncDirectory(path.dirname(destination));
}

/**
 * A write stream to a temporary file that becomes `destination` on commit() and vanishes on
 * abort(): a dump that fails half way never leaves a half-written file behind.
 */
export class AtomicWriteStream {
  readonly stream: fs.WriteStream;
  private readonly tmp: string;

  constructor(readonly destination: string) {
    this.tmp = temporaryPathFor(destination);
    // A megabyte in flight lets the next rows be formatted while the disk takes the last ones;
    // with the default 16 KiB the writer would wait for nearly every write.
    this.stream = fs.createWriteStream(this.tmp, { mode: 0o644, highWaterMark: 1024 * 1024 });
  }

  async commit(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
    const fd = fs.openSync(this.tmp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(this.tmp, this.destination);
    syncDirectory(path.dirname(this.destination));
  }

  async abort(): Promise<void> {
    if (!this.stream.destroyed) {
      await new Promise<void>((resolve) => {
        this.stream.once('close', () => resolve());
        this.stream.destroy();
      });
    }
    fs.rmSync(this.tmp, { force: true });
  }
}
