import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ResolvedDatabase } from './config';
import type { SchemaNote } from './schema/model';
import type { OperationOptions } from './progress';
import { withAdapter, type Adapter } from './engines';
import { countAllRows } from './tables';
import { readSqliteFile, SqliteAdapter } from './engines/sqlite/adapter';
import { exportDatabase } from './export';
import { copyDatabase } from './copy';
import { DbPorterError, errorMessage, throwIfAborted } from './errors';
import { ArchiveReader } from './archive/reader';
import { ArchiveWriter } from './archive/writer';
import { holdsRows, restoreArchiveRows, writeNativeRows } from './archive/contents';
import { DUMP_ENTRY, FILES_PREFIX, SQLITE_ENTRY, newManifest, type Manifest } from './archive/manifest';
import { maskUrl, parseUrl } from './url';
import { asidePathFor, syncDirectory, temporaryPathFor } from './atomic-file';
import { filesBelow } from './folder';

/**
 * Backups: one zip archive holding everything needed to bring a database back — the SQLite file
 * itself, or for a server the schema and every row (PostgreSQL's in its own COPY text, a table an
 * entry; MySQL's in the dump format, see archive/contents.ts) — plus the database's file folders,
 * and a manifest with a checksum per entry.
 */

export interface BackupOptions extends OperationOptions {
  /** The archive's path; by default a time-named file in the database's backup folder. */
  destination?: string;
  reason?: Manifest['reason'];
  /** For snapshots: a SQLite file that does not exist yet is backed up as "empty". */
  allowMissing?: boolean;
}

export interface BackupResult {
  file: string;
  manifest: Manifest;
}

/** 2024_01_01_00_10_01.zip (local time), with a suffix such as "before-import" for snapshots. */
export function backupFileName(now = new Date(), suffix?: string): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}_${p(now.getMonth() + 1)}_${p(now.getDate())}_${p(now.getHours())}_${p(now.getMinutes())}_${p(now.getSeconds())}`;
  return `${stamp}${suffix ? `_${suffix}` : ''}.zip`;
}

/** A path that does not exist yet: two backups in the same second get _2, _3, ... */
function freshPath(dir: string, name: string): string {
  let candidate = path.join(dir, name);
  for (let i = 2; fs.existsSync(candidate); i++) candidate = path.join(dir, name.replace(/\.zip$/, `_${i}.zip`));
  return candidate;
}

/** `--backup-file`: a path, or a bare name looked up in the database's backup folder. */
export function resolveBackupFile(nameOrPath: string, db: Pick<ResolvedDatabase, 'backupDir'> | undefined): string {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.includes(path.sep) || fs.existsSync(nameOrPath);
  if (looksLikePath || !db) return path.resolve(nameOrPath);
  const name = nameOrPath.endsWith('.zip') ? nameOrPath : `${nameOrPath}.zip`;
  return path.join(db.backupDir, name);
}

export interface BackupListing {
  file: string;
  name: string;
  size: number;
  modified: Date;
}

/** The archives in a database's backup folder, newest first. */
export function listBackups(dir: string): BackupListing[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.zip'))
    .map((name) => {
      const file = path.join(dir, name);
      const st = fs.statSync(file);
      return { file, name, size: st.size, modified: st.mtime };
    })
    .sort((a, b) => b.modified.getTime() - a.modified.getTime() || b.name.localeCompare(a.name));
}

/** Keeps the newest `keep` archives of the folder and deletes the rest; returns what was deleted. */
export function applyRetention(dir: string, keep: number | undefined): string[] {
  if (!keep) return [];
  const old = listBackups(dir).slice(keep);
  for (const b of old) fs.rmSync(b.file, { force: true });
  return old.map((b) => b.file);
}

export async function backupDatabase(db: ResolvedDatabase, options: BackupOptions = {}): Promise<BackupResult> {
  const location = parseUrl(db.url, db.baseDir);
  const sqliteMissing = location.engine === 'sqlite' && !fs.existsSync(location.file);
  if (sqliteMissing && !options.allowMissing) {
    throw new DbPorterError('FILE_NOT_FOUND', `No SQLite database at ${location.engine === 'sqlite' ? location.file : ''} to back up.`);
  }
  fs.mkdirSync(db.backupDir, { recursive: true });
  const destination = options.destination ?? freshPath(db.backupDir, backupFileName(new Date(), options.reason === 'backup' || !options.reason ? undefined : options.reason.replace('snapshot-', '')));
  const roots = db.fileRoots.map((r) => ({ root: r, files: filesBelow(path.resolve(db.baseDir, r)) }));

  const archive = new ArchiveWriter(destination);
  try {
    const declareFiles = () => roots.forEach(({ root, files }, i) => files.forEach((f) => archive.file(`${FILES_PREFIX}${i}/${f.split(path.sep).join('/')}`, path.resolve(db.baseDir, root, f))));
    let kind: Manifest['kind'] = sqliteMissing ? 'empty' : 'sqlite-file';
    let rowCounts: Record<string, number> = {};
    if (location.engine === 'sqlite') {
      const data = sqliteMissing ? undefined : archive.gzipStream(SQLITE_ENTRY);
      declareFiles();
      archive.start();
      if (data) {
        const file = location.file;
        const bytes = readSqliteFile(file);
        // Row counts come from the very bytes archived.
        const adapter = await SqliteAdapter.open(file, bytes);
        try {
          rowCounts = await countAllRows(adapter);
        } finally {
          await adapter.close();
        }
        data.end(bytes);
      }
    } else {
      await withAdapter(
        db.url,
        async (adapter) => {
          if (adapter.nativeFormat) {
            // The rows as the server writes them (PostgreSQL's COPY text, MySQL's LOAD DATA text), a table an entry.
            kind = adapter.nativeFormat;
            rowCounts = await writeNativeRows(adapter, archive, declareFiles, options);
            return;
          }
          kind = 'dump';
          const data = archive.gzipStream(DUMP_ENTRY);
          declareFiles();
          archive.start();
          const result = await exportDatabase(adapter, data, { format: 'ndjson', signal: options.signal, onProgress: options.onProgress });
          rowCounts = Object.fromEntries(result.tables.map((t) => [t.table, t.rows]));
          data.end();
        },
        db.baseDir,
      );
    }
    throwIfAborted(options.signal);

    const manifest = await archive.finish((entries) =>
      newManifest({
        reason: options.reason ?? 'backup',
        database: { name: db.name, engine: location.engine, source: maskUrl(db.url) },
        kind,
        rowCounts,
        fileRoots: db.fileRoots,
        entries,
      }),
    );
    return { file: destination, manifest };
  } catch (err) {
    await archive.abort();
    throw err;
  }
}

/** Checks every entry of an archive against its manifest; throws at the first bad one. */
export async function verifyBackup(file: string): Promise<Manifest> {
  const reader = await ArchiveReader.open(file);
  try {
    return await reader.verify();
  } finally {
    reader.close();
  }
}

export interface RestoreResult {
  file: string;
  manifest: Manifest;
  rowCounts: Record<string, number>;
  filesRestored: number;
  /** What the restore adapted or could not carry (an archive of another engine, or objects this one cannot recreate). */
  notes: SchemaNote[];
}

export interface RestoreOptions extends OperationOptions {
  /**
   * An archive of the database as it is now (the snapshot): put back if a restore that cannot be
   * atomic here fails half way.
   */
  putBack?: string;
  /** Told when the restore cannot be atomic, and why. */
  onNote?: (message: string) => void;
}

/**
 * Puts an archive back: the database then holds exactly the archive's tables and rows, and its file
 * folders exactly the archive's files. The archive is verified in full before anything changes.
 * The database changes atomically, also against a killed process: SQLite by a file rename,
 * PostgreSQL in one transaction, MySQL through a shadow database (see replaceTables).
 */
export async function restoreBackup(file: string, db: ResolvedDatabase, options: RestoreOptions = {}): Promise<RestoreResult> {
  const reader = await ArchiveReader.open(file);
  const staged: Array<{ root: string; dir: string }> = [];
  try {
    const manifest = await reader.verify();
    if (manifest.reason === 'export') {
      throw new DbPorterError('BAD_ARGUMENT', `${file} is a zip export, not a backup: it holds some rows, not a whole database. Import it with dbporter import ${file}.`);
    }
    throwIfAborted(options.signal);
    const location = parseUrl(db.url, db.baseDir);

    // Files first into folders beside their destinations: nothing visible changes yet.
    let filesRestored = 0;
    for (let i = 0; i < manifest.fileRoots.length; i++) {
      const root = path.resolve(db.baseDir, db.fileRoots[i] ?? manifest.fileRoots[i]);
      const dir = temporaryPathFor(root);
      fs.mkdirSync(dir, { recursive: true });
      staged.push({ root, dir });
      const prefix = `${FILES_PREFIX}${i}/`;
      for (const name of Object.keys(manifest.entries).filter((n) => n.startsWith(prefix))) {
        const target = path.resolve(dir, name.slice(prefix.length));
        if (!target.startsWith(dir + path.sep)) throw new DbPorterError('ARCHIVE_INVALID', `${file}: entry "${name}" would land outside its folder; nothing was restored.`);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        await pipeline(await reader.openEntry(name), fs.createWriteStream(target));
        filesRestored++;
      }
    }

    let notes: SchemaNote[] = [];
    if (manifest.kind === 'sqlite-file' && location.engine === 'sqlite') {
      await replaceSqliteFile(reader, location.file);
    } else if (manifest.kind === 'sqlite-file') {
      const tmp = path.join(os.tmpdir(), `dbporter-restore-${process.pid}-${Date.now()}.db`);
      await pipeline(await reader.openGzipEntry(SQLITE_ENTRY), fs.createWriteStream(tmp));
      try {
        const source = await SqliteAdapter.open(tmp);
        try {
          notes = (await replaceTables(db, (target) => copyDatabase(source, target, { replaceDatabase: true, signal: options.signal, onProgress: options.onProgress }), options)).notes;
        } finally {
          await source.close();
        }
      } finally {
        fs.rmSync(tmp, { force: true });
      }
    } else if (holdsRows(manifest)) {
      notes = (await replaceTables(db, (target) => restoreArchiveRows(reader, manifest, target, options), options)).notes;
    } else if (location.engine === 'sqlite') {
      // An empty snapshot of a SQLite file that did not exist: restoring it removes the file.
      fs.rmSync(location.file, { force: true });
    } else {
      await replaceTables(db, (target) => target.write((w) => w.clear()), options);
    }

    // The database is back; now the folders trade places with their staged copies.
    for (const { root, dir } of staged.splice(0)) swapFolder(root, dir);
    return { file, manifest, rowCounts: manifest.rowCounts, filesRestored, notes };
  } finally {
    for (const { dir } of staged) fs.rmSync(dir, { recursive: true, force: true });
    reader.close();
  }
}

/**
 * Makes the server database hold exactly what `load` writes into the adapter it is handed (`load`
 * empties that database first). Where the adapter's write() rolls back DDL, `load` runs on the
 * database itself. Where it does not (MySQL), the adapter's replaceAll loads into an empty database
 * and swaps it in at once; if even that is refused (no right to create databases, triggers), the
 * tables are replaced in place, and should that fail half way, `putBack` goes back in.
 */
async function replaceTables<T>(db: ResolvedDatabase, load: (target: Adapter) => Promise<T>, options: RestoreOptions): Promise<T> {
  return withAdapter(
    db.url,
    async (target) => {
      if (!target.replaceAll) return load(target);
      const atomic = await target.replaceAll(load, options.signal);
      if ('result' in atomic) return atomic.result;
      options.onNote?.(
        `This restore cannot be atomic: ${atomic.refused}. The tables are replaced in place; a failure puts the snapshot back, but a killed run leaves the database half restored.`,
      );
      try {
        return await load(target);
      } catch (err) {
        if (!options.putBack) throw err;
        try {
          await restoreBackup(options.putBack, db);
        } catch (again) {
          throw new DbPorterError(
            'WRITE_FAILED',
            `The restore failed (${errorMessage(err)}), and putting the snapshot back failed too (${errorMessage(again)}). Restore it by hand: dbporter restore --backup-file ${options.putBack}.`,
          );
        }
        throw err;
      }
    },
    db.baseDir,
  );
}

/** Writes the archived SQLite file next to the target, checks it opens, and renames it into place. */
async function replaceSqliteFile(reader: ArchiveReader, target: string): Promise<void> {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = temporaryPathFor(target);
  try {
    await pipeline(await reader.openGzipEntry(SQLITE_ENTRY), fs.createWriteStream(tmp));
    await (await SqliteAdapter.open(tmp)).close();
    const fd = fs.openSync(tmp, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, target);
    syncDirectory(path.dirname(target));
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Puts `staged` where `root` is, in two renames; the old content is removed afterwards. */
function swapFolder(root: string, staged: string): void {
  fs.mkdirSync(path.dirname(root), { recursive: true });
  const old = fs.existsSync(root) ? asidePathFor(root) : undefined;
  if (old) fs.renameSync(root, old);
  try {
    fs.renameSync(staged, root);
  } catch (err) {
    if (old) fs.renameSync(old, root);
    throw new DbPorterError('WRITE_FAILED', `Could not put the restored files into ${root}: ${errorMessage(err)}.`);
  }
  if (old) fs.rmSync(old, { recursive: true, force: true });
}

export type SnapshotReason = 'snapshot-before-import' | 'snapshot-before-restore' | 'snapshot-before-delete' | 'snapshot-before-migrate';

/** The full backup every import and restore takes of its target first. */
export async function takeSnapshot(db: ResolvedDatabase, reason: SnapshotReason, options: OperationOptions = {}): Promise<BackupResult> {
  const result = await backupDatabase(db, { reason, allowMissing: true, signal: options.signal });
  applyRetention(db.backupDir, db.keepBackups);
  return result;
}

/**
 * Runs a change to a database after taking a snapshot of it, and names the snapshot in the result
 * and in any error: whatever happens, the state before is one restore away.
 */
export async function withSnapshot<T extends object>(
  db: ResolvedDatabase,
  reason: SnapshotReason,
  options: OperationOptions & { onSnapshot?: (file: string) => void },
  change: (snapshot: BackupResult) => Promise<T>,
): Promise<T & { snapshot: string }> {
  const snapshot = await takeSnapshot(db, reason, options);
  options.onSnapshot?.(snapshot.file);
  try {
    return { ...(await change(snapshot)), snapshot: snapshot.file };
  } catch (err) {
    if (err instanceof DbPorterError) {
      throw new DbPorterError(err.code, `${err.message} A snapshot of the database from before is at ${snapshot.file}.`, { cause: err });
    }
    throw err;
  }
}

/**
 * restore, the way users run it: the archive verified, a snapshot of the target, then the restore.
 * Where the restore cannot be atomic (see replaceTables) and fails half way, the snapshot goes back
 * in, so the database is as before.
 */
export async function restoreWithSnapshot(
  file: string,
  db: ResolvedDatabase,
  options: OperationOptions & { onSnapshot?: (file: string) => void; onNote?: (message: string) => void } = {},
): Promise<RestoreResult & { snapshot: string }> {
  await verifyBackup(file);
  return withSnapshot(db, 'snapshot-before-restore', options, (snapshot) => restoreBackup(file, db, { ...options, putBack: snapshot.file }));
}
