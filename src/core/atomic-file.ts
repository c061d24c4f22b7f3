import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Files that appear whole or not at all: content goes to a temporary file in the same folder,
 * is flushed to disk, then renamed over the destination (rename is atomic within a file system).
 */

export function temporaryPathFor(destination: string): string {
  return path.join(path.dirname(destination), `.${path.basename(destination)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
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
      fs.writeSync(fd, data);
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
    this.stream = fs.createWriteStream(this.tmp, { mode: 0o644 });
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
