import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedDatabase } from './config';
import { openAdapter } from './engines';
import { withSnapshot } from './backup';
import { containerFromPath, type Container, type DumpFormat } from './dump/format';
import { DbPorterError } from './errors';
import { importDump, type ImportOptions, type ImportResult } from './import';
import { DumpArchive, type ArchiveImportResult } from './import-archive';

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
