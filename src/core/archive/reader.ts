import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import * as yauzl from 'yauzl';
import { DbPorterError, errorMessage } from '../errors';
import { MANIFEST_ENTRY, manifestSchema, type Manifest } from './manifest';

/**
 * Zip bombs: an entry (or the gzip stream inside one) that expands more than MAX_RATIO times is
 * refused once it passes RATIO_FLOOR bytes. Real dumps and files compress 3-50 times (rarely over 100); a bomb
 * compresses thousands of times, so that a small archive fills the disk or memory.
 */
export const MAX_RATIO = 500;
export const RATIO_FLOOR = 64 * 1024 * 1024;

/**
 * Reads a zip archive without loading it: yauzl reads the central directory and then streams one
 * entry at a time from the file (JSZip, used for writing, can only read a whole archive from
 * memory). yauzl also refuses entry names that are absolute or climb out with ".."; symbolic links
 * are refused here, since DB Porter never writes them and one could point anywhere.
 */
export class ArchiveReader {
  private constructor(
    readonly file: string,
    private readonly zip: yauzl.ZipFile,
    readonly entries: Map<string, yauzl.Entry>,
  ) {}

  static async open(file: string): Promise<ArchiveReader> {
    let zip: yauzl.ZipFile;
    try {
      zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
        yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: true }, (err, z) => (err ? reject(err) : resolve(z))),
      );
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') throw new DbPorterError('FILE_NOT_FOUND', `No archive at ${file}. Check the path.`);
      throw new DbPorterError('ARCHIVE_INVALID', `${file} is not a readable zip archive (${errorMessage(err)}).`);
    }
    const entries = new Map<string, yauzl.Entry>();
    try {
      await new Promise<void>((resolve, reject) => {
        zip.on('entry', (entry: yauzl.Entry) => {
          if (isSymbolicLink(entry)) {
            reject(new Error(`"${entry.fileName}" is a symbolic link`));
            return;
          }
          if (entry.uncompressedSize > RATIO_FLOOR && entry.uncompressedSize > MAX_RATIO * Math.max(1, entry.compressedSize)) {
            reject(new Error(`"${entry.fileName}" expands ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))} times (${entry.uncompressedSize} bytes), like a zip bomb`));
            return;
          }
          entries.set(entry.fileName, entry);
          zip.readEntry();
        });
        zip.on('end', () => resolve());
        zip.on('error', reject);
        zip.readEntry();
      });
    } catch (err) {
      zip.close();
      throw new DbPorterError('ARCHIVE_INVALID', `${file} has a bad entry: ${errorMessage(err)}. The archive cannot be trusted; nothing was written.`);
    }
    return new ArchiveReader(file, zip, entries);
  }

  async openEntry(name: string): Promise<Readable> {
    const entry = this.entries.get(name);
    if (!entry) throw new DbPorterError('ARCHIVE_INVALID', `${this.file} has no entry "${name}"; it is incomplete.`);
    return new Promise((resolve, reject) =>
      this.zip.openReadStream(entry, (err, stream) => (err ? reject(new DbPorterError('ARCHIVE_INVALID', `Cannot read "${name}" in ${this.file}: ${err.message}`)) : resolve(stream))),
    );
  }

  /** An entry written with ArchiveWriter.gzipStream, unzipped; a gzip bomb inside is cut off. */
  async openGzipEntry(name: string): Promise<Readable> {
    const gunzip = zlib.createGunzip();
    const raw = await this.openEntry(name);
    let compressed = 0;
    let expanded = 0;
    const file = this.file;
    const guard = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        expanded += chunk.length;
        if (expanded > RATIO_FLOOR && expanded > MAX_RATIO * Math.max(1, compressed)) {
          raw.destroy();
          done(new DbPorterError('ARCHIVE_INVALID', `${file}: "${name}" expands more than ${MAX_RATIO} times, like a zip bomb; it is not read further and nothing was written.`));
        } else done(null, chunk);
      },
    });
    raw.on('data', (chunk: Buffer) => (compressed += chunk.length));
    raw.on('error', (err) => gunzip.destroy(err));
    gunzip.on('error', (err) => guard.destroy(err));
    // A reader that stops early (destroys what it got) stops the reading of the entry, too.
    guard.on('close', () => {
      raw.unpipe(gunzip);
      raw.destroy();
      gunzip.destroy();
    });
    return raw.pipe(gunzip).pipe(guard);
  }

  async manifest(): Promise<Manifest> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.openEntry(MANIFEST_ENTRY)) chunks.push(chunk as Buffer);
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      throw new DbPorterError('ARCHIVE_INVALID', `The manifest of ${this.file} is not valid JSON (${errorMessage(err)}).`);
    }
    const parsed = manifestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DbPorterError('ARCHIVE_INVALID', `${this.file} is not a DB Porter archive: its manifest has ${issue.path.join('.') || 'a problem'}: ${issue.message}.`);
    }
    return parsed.data;
  }

  /**
   * Reads every entry and checks it against the manifest: the first entry that is missing, extra,
   * of another size or another checksum is reported, and nothing else is trusted.
   */
  async verify(): Promise<Manifest> {
    const manifest = await this.manifest();
    for (const name of this.entries.keys()) {
      // Folder entries (a name ending in "/") carry no content; other zip tools add them.
      if (name !== MANIFEST_ENTRY && !name.endsWith('/') && !manifest.entries[name]) {
        throw new DbPorterError('ARCHIVE_INVALID', `${this.file}: entry "${name}" is not in the manifest; the archive was changed after it was written.`);
      }
    }
    for (const [name, expected] of Object.entries(manifest.entries)) {
      if (!this.entries.has(name)) throw new DbPorterError('ARCHIVE_INVALID', `${this.file}: entry "${name}" is missing.`);
      const hash = createHash('sha256');
      let size = 0;
      try {
        for await (const chunk of await this.openEntry(name)) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
      } catch (err) {
        if (err instanceof DbPorterError) throw err;
        throw new DbPorterError('ARCHIVE_INVALID', `${this.file}: entry "${name}" is damaged (${errorMessage(err)}).`);
      }
      const sha256 = hash.digest('hex');
      if (size !== expected.size || sha256 !== expected.sha256) {
        throw new DbPorterError('ARCHIVE_INVALID', `${this.file}: entry "${name}" does not match its checksum; the archive is damaged.`);
      }
    }
    return manifest;
  }

  close(): void {
    this.zip.close();
  }
}

/** The Unix file type in a zip entry's external attributes (zero when the writer was not Unix). */
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

function isSymbolicLink(entry: yauzl.Entry): boolean {
  return ((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK;
}
