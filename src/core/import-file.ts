import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedDatabase } from './config';
import { openAdapter } from './engines';
import { withSnapshot } from './backup';
import { containerFromPath, type Container, type DumpFormat } from './dump/format';
import { DbPorterError } from './errors';
import { importDump, type ImportOptions, type ImportResult } from './import';
import { DumpArchive, type ArchiveImportResult } from './import-archive';
import { readDump } from './dump/reader';
import type { DumpHeader } from './dump/format';
import { LEDGER_TABLE } from './ledger';
import type { LoadMode } from './load';
import { planLoad, type LoadPlan } from './plan';

export type ImportFileResult = (ImportResult | ArchiveImportResult) & { snapshot?: string };

/** A dump that arrives as a stream (standard input), not as a file: JSON or NDJSON, never zip. */
export interface DumpStream {
  stream: AsyncIterable<Buffer>;
  format: DumpFormat;
}

/**
 * What `dbporter import FILE` does, for every front end that imports a file: a zip archive is
 * verified and its files given a place before anything is written; then a snapshot of the
 * database (not for a dry run), and the dump or archive goes in.
 */
export async function importFile(
  db: ResolvedDatabase,
  source: string | DumpStream,
  options: Omit<ImportOptions, 'format'> & { format?: Container; onSnapshot?: (file: string) => void },
): Promise<ImportFileResult> {
  const file = typeof source === 'string' ? path.resolve(source) : undefined;
  if (file !== undefined && !fs.existsSync(file)) throw new DbPorterError('FILE_NOT_FOUND', `No dump at ${file}. Check the path.`);
  const container = typeof source === 'string' ? (options.format ?? containerFromPath(source)) : source.format;
  const archive = file !== undefined && container === 'zip' ? await DumpArchive.open(file, db) : undefined;
  const run = async (): Promise<ImportResult | ArchiveImportResult> => {
    const adapter = await openAdapter(db.url, db.baseDir);
    try {
      if (archive) return await archive.importInto(adapter, options);
      const stream = typeof source === 'string' ? fs.createReadStream(source, { highWaterMark: 64 * 1024 }) : source.stream;
      return await importDump(adapter, stream, { ...options, format: container === 'zip' ? 'ndjson' : container });
    } finally {
      await adapter.close();
    }
  };
  try {
    // A dry run writes nothing, so it needs no snapshot.
    if (options.dryRun) return await run();
    return await withSnapshot(db, 'snapshot-before-import', { signal: options.signal, onSnapshot: options.onSnapshot }, run);
  } finally {
    archive?.close();
  }
}

/**
 * The plan of `dbporter import SRC --plan`: the dump's header is read (a zip archive verified
 * first), the target introspected, and nothing written; no snapshot is taken.
 */
export async function planImportFile(
  db: ResolvedDatabase,
  source: string | DumpStream,
  options: { format?: Container; mode?: LoadMode; trustDump?: boolean; keepImportMetadata?: boolean },
): Promise<LoadPlan> {
  const header = await dumpHeaderOf(db, source, options.format);
  const incoming = { ...header.schema, tables: header.schema.tables.filter((t) => options.keepImportMetadata || t.name !== LEDGER_TABLE) };
  const adapter = await openAdapter(db.url, db.baseDir);
  try {
    return await planLoad(adapter, incoming, {
      mode: options.mode ?? 'merge',
      trusted: Boolean(options.trustDump),
      fromDump: true,
      sourceName: typeof source === 'string' ? path.resolve(source) : 'standard input',
    });
  } finally {
    await adapter.close();
  }
}

/** A dump's header: its first line or object, read without its rows (a zip archive is verified first). */
export async function dumpHeaderOf(db: ResolvedDatabase, source: string | DumpStream, format: Container | undefined): Promise<DumpHeader> {
  const file = typeof source === 'string' ? path.resolve(source) : undefined;
  if (file !== undefined && !fs.existsSync(file)) throw new DbPorterError('FILE_NOT_FOUND', `No dump at ${file}. Check the path.`);
  const container = typeof source === 'string' ? (format ?? containerFromPath(source)) : source.format;
  if (file !== undefined && container === 'zip') {
    const archive = await DumpArchive.open(file, db);
    try {
      return await archive.header();
    } finally {
      archive.close();
    }
  }
  const stream = typeof source === 'string' ? fs.createReadStream(source, { highWaterMark: 64 * 1024 }) : source.stream;
  const events = readDump(stream, container === 'zip' ? 'ndjson' : container)[Symbol.asyncIterator]();
  try {
    const first = await events.next();
    if (first.done || first.value.kind !== 'header') throw new DbPorterError('DUMP_INVALID', 'The dump has no header.');
    return first.value.header;
  } finally {
    await events.return?.();
    if ('destroy' in stream) stream.destroy();
  }
}
