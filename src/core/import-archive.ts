import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Adapter } from './engines/adapter';
import { CONFIG_FILE, fileColumnKey, type ResolvedDatabase } from './config';
import { importDump, type ImportOptions, type ImportResult } from './import';
import { DbPorterError, errorMessage, throwIfAborted } from './errors';
import { ArchiveReader } from './archive/reader';
import { DUMP_ENTRY, FILES_PREFIX, type Manifest } from './archive/manifest';
import { asidePathFor, temporaryPathFor } from './atomic-file';
import type { LoadMode } from './load';
import type { DumpHeader } from './dump/format';
import { archiveHeader } from './archive/contents';

/**
 * Imports a zip export (`dbporter import dump.zip`): the dump goes into the database exactly as an
 * NDJSON import, and the files of the rows go under the target's own roots for their columns.
 *
 * Order, so that a failed import leaves neither rows nor files:
 * 1. open: the archive is verified in full (checksums; no entry absolute, climbing out with "..",
 *    or a symbolic link), and every file column it carries files for has a root in the target;
 * 2. the files are written into a hidden folder beside each root (nothing visible changes);
 * 3. the dump is imported, in one atomic unit;
 * 4. only then the files move into place (renames in the same file system).
 *
 * Files and modes: merge keeps a file that is already there (as it keeps colliding rows), append
 * refuses one (as it refuses colliding rows), replace overwrites it. Files the archive does not
 * carry are left alone in every mode.
 */

export type ArchiveImportOptions = Omit<ImportOptions, 'format' | 'replaceDatabase'>;

export interface ArchiveImportResult extends ImportResult {
  /** Files put under the target's roots. */
  files: number;
  /** Files kept as they were (merge mode, already there). */
  filesKept: number;
}

/** Where one folder of the archive goes in the target. */
interface Placement {
  /** files/<n>/ */
  prefix: string;
  /** The target's root for the folder's columns, absolute. */
  root: string;
  /** Entry names below the prefix. */
  entries: string[];
}

export class DumpArchive {
  private constructor(
    readonly file: string,
    readonly manifest: Manifest,
    private readonly reader: ArchiveReader,
    private readonly placements: Placement[],
  ) {}

  /** Opens and verifies an archive, and checks that `target` has a root for every file it carries. */
  static async open(file: string, target: Pick<ResolvedDatabase, 'name' | 'baseDir' | 'fileColumns' | 'entry'>): Promise<DumpArchive> {
    const reader = await ArchiveReader.open(file);
    try {
      const manifest = await reader.verify();
      if (manifest.reason !== 'export') {
        throw new DbPorterError('BAD_ARGUMENT', `${file} is a backup, not a zip export. Put it back with dbporter restore --backup-file ${file}.`);
      }
      if (!manifest.entries[DUMP_ENTRY]) throw new DbPorterError('ARCHIVE_INVALID', `${file} has no ${DUMP_ENTRY}; it holds no rows to import.`);
      return new DumpArchive(file, manifest, reader, placementsFor(file, manifest, target));
    } catch (err) {
      reader.close();
      throw err;
    }
  }

  /** Imports the rows into `adapter`'s database and then puts the files in place. */
  async importInto(adapter: Adapter, options: ArchiveImportOptions = {}): Promise<ArchiveImportResult> {
    const mode = options.mode ?? 'merge';
    if (options.dryRun) {
      // Rows are checked and counted; files stay where they are.
      const result = await importDump(adapter, await this.reader.openGzipEntry(DUMP_ENTRY), { ...options, format: 'ndjson' });
      return { ...result, files: 0, filesKept: 0 };
    }
    const staged: Staged[] = [];
    let done = false;
    try {
      for (const placement of this.placements) await this.stage(placement, mode, staged, options.signal);
      const filesKept = staged.reduce((n, s) => n + s.kept, 0);
      const dump = await this.reader.openGzipEntry(DUMP_ENTRY);
      const result = await importDump(adapter, dump, { ...options, format: 'ndjson' });
      const files = moveIntoPlace(staged);
      done = true;
      return { ...result, files, filesKept };
    } finally {
      for (const s of staged) {
        fs.rmSync(s.dir, { recursive: true, force: true });
        // Folders made only to hold the staging folder go too, unless the files now live there.
        if (!done && s.madeFolder) fs.rmSync(s.madeFolder, { recursive: true, force: true });
      }
    }
  }

  /** The dump header of the archive's rows: its metadata and schema. */
  header(): Promise<DumpHeader> {
    return archiveHeader(this.reader, this.manifest);
  }

  close(): void {
    this.reader.close();
  }

  /**
   * Writes a folder's files into a hidden folder beside its root, checking each destination first.
   * The folder joins `into` before its first file, so that it is cleaned up whatever happens.
   */
  private async stage(placement: Placement, mode: LoadMode, into: Staged[], signal?: AbortSignal): Promise<void> {
    const { root } = placement;
    const dir = temporaryPathFor(root);
    const madeFolder = fs.mkdirSync(path.dirname(root), { recursive: true });
    const staged: Staged = { root, dir, madeFolder, files: [], kept: 0 };
    into.push(staged);
    fs.mkdirSync(dir);
    for (const name of placement.entries) {
      throwIfAborted(signal);
      const relative = name.slice(placement.prefix.length);
      const target = path.resolve(dir, relative);
      if (!target.startsWith(dir + path.sep)) throw new DbPorterError('ARCHIVE_INVALID', `${this.file}: entry "${name}" would land outside its folder; nothing was imported.`);
      if (existingFile(root, relative, name)) {
        if (mode === 'merge') {
          staged.kept++;
          continue;
        }
        if (mode === 'append') {
          throw new DbPorterError(
            'CONFLICT',
            `${path.join(root, relative)} exists already, and the archive carries a file of that name. Append mode adds only new files; use --mode merge to keep it or --mode replace to overwrite it. Nothing was imported.`,
          );
        }
      }
      fs.mkdirSync(path.dirname(target), { recursive: true });
      await pipeline(await this.reader.openEntry(name), fs.createWriteStream(target, { flags: 'wx' }));
      staged.files.push(relative);
    }
  }
}

interface Staged {
  root: string;
  /** The hidden folder beside the root. */
  dir: string;
  /** The topmost folder created to hold it, if any. */
  madeFolder: string | undefined;
  files: string[];
  kept: number;
}

function placementsFor(file: string, manifest: Manifest, target: Pick<ResolvedDatabase, 'name' | 'baseDir' | 'fileColumns' | 'entry'>): Placement[] {
  const names = Object.keys(manifest.entries).filter((n) => n.startsWith(FILES_PREFIX));
  const placements: Placement[] = [];
  for (let n = 0; n < manifest.fileRoots.length; n++) {
    const prefix = `${FILES_PREFIX}${n}/`;
    const entries = names.filter((e) => e.startsWith(prefix));
    if (!entries.length) continue;
    const columns = Object.entries(manifest.fileColumns ?? {})
      .filter(([, i]) => i === n)
      .map(([key]) => key);
    if (!columns.length) throw new DbPorterError('ARCHIVE_INVALID', `${file} carries files in ${prefix} that belong to no column; the archive cannot be placed.`);
    const roots = new Set<string>();
    for (const key of columns) {
      const configured = target.fileColumns.find((c) => fileColumnKey(c) === key);
      if (!configured) {
        throw new DbPorterError(
          'CONFIG_INVALID',
          `${file} carries files of ${key}, but ${target.name} has no folder for them. ${
            target.entry ? `Add "fileColumns": { "${key}": "<folder>" } to the database "${target.name}" in ${CONFIG_FILE}` : `Name the database in ${CONFIG_FILE}, with "fileColumns": { "${key}": "<folder>" }, and import into it by that name`
          }. Nothing was imported.`,
        );
      }
      roots.add(path.resolve(target.baseDir, configured.root));
    }
    if (roots.size > 1) {
      throw new DbPorterError(
        'CONFIG_INVALID',
        `${file} keeps the files of ${columns.join(' and ')} in one folder, but ${target.name} gives these columns different folders (${[...roots].join(', ')}). Give them the same folder in ${CONFIG_FILE}. Nothing was imported.`,
      );
    }
    placements.push({ prefix, root: [...roots][0], entries });
  }
  const placed = names.filter((e) => !placements.some((p) => e.startsWith(p.prefix)));
  if (placed.length) throw new DbPorterError('ARCHIVE_INVALID', `${file} has an entry "${placed[0]}" outside its file folders; the archive cannot be placed.`);
  return placements;
}

/**
 * Whether a file already stands where `relative` goes below `root`. Anything that would make the
 * final renames fail or write elsewhere (a file where a folder goes, a folder where the file goes,
 * a symbolic link on the way) is refused now, before anything is written.
 */
function existingFile(root: string, relative: string, name: string): boolean {
  const parts = relative.split('/');
  let at = root;
  for (let i = 0; i < parts.length; i++) {
    at = path.join(at, parts[i]);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(at);
    } catch {
      return false;
    }
    const last = i === parts.length - 1;
    const problem = stat.isSymbolicLink() ? 'is a symbolic link' : last && !stat.isFile() ? 'is not a file' : !last && !stat.isDirectory() ? 'is not a folder' : undefined;
    if (problem) {
      throw new DbPorterError('CONFLICT', `${at} ${problem}, so the archive's "${name}" cannot go there. Move it away first; nothing was imported.`);
    }
  }
  return true;
}

/**
 * Moves the staged files into their roots, each with one rename. Should one fail, those already
 * moved go back (and files they replaced return), so the folders are as before.
 */
function moveIntoPlace(staged: Staged[]): number {
  const moved: Array<{ from: string; to: string; previous?: string }> = [];
  try {
    for (const s of staged) {
      for (const relative of s.files) {
        const from = path.join(s.dir, relative);
        const to = path.join(s.root, relative);
        fs.mkdirSync(path.dirname(to), { recursive: true });
        let previous: string | undefined;
        if (fs.existsSync(to)) {
          previous = asidePathFor(to);
          fs.renameSync(to, previous);
        }
        moved.push({ from, to, previous });
        fs.renameSync(from, to);
      }
    }
  } catch (err) {
    for (const m of moved.reverse()) {
      if (fs.existsSync(m.to) && !fs.existsSync(m.from)) fs.renameSync(m.to, m.from);
      if (m.previous) fs.renameSync(m.previous, m.to);
    }
    throw new DbPorterError(
      'WRITE_FAILED',
      `The rows were imported, but the files could not be put into ${staged.map((s) => s.root).join(', ')} (${errorMessage(err)}); the folders are as they were.`,
    );
  }
  for (const m of moved) if (m.previous) fs.rmSync(m.previous, { force: true });
  return moved.length;
}
