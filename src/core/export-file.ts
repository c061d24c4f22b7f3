import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { AtomicWriteStream } from './atomic-file';
import type { ResolvedDatabase } from './config';
import type { Container } from './dump/format';
import type { Adapter } from './engines/adapter';
import { DbPorterError } from './errors';
import { exportDatabase, type ExportOptions, type ExportResult } from './export';
import { exportArchive } from './export-archive';

export type ExportFileResult = ExportResult & { files?: number };

/**
 * What `dbporter export DEST` does, for every front end: a zip archive of the dump and the rows'
 * files, or a dump file that appears only once it is complete, or a dump streamed into `destination`
 * when it is a stream (standard output).
 */
export async function exportFile(
  adapter: Adapter,
  db: ResolvedDatabase,
  destination: string | Writable,
  format: Container,
  options: Omit<ExportOptions, 'format'>,
): Promise<ExportFileResult> {
  if (typeof destination !== 'string') {
    if (format === 'zip') throw new DbPorterError('BAD_ARGUMENT', 'A zip archive is written to a file, not to standard output: give DEST, like out.zip.');
    return exportDatabase(adapter, destination, { ...options, format });
  }
  const file = path.resolve(destination);
  if (!fs.existsSync(path.dirname(file))) {
    throw new DbPorterError('FILE_NOT_FOUND', `The folder ${path.dirname(file)} does not exist. Create it or choose another destination.`);
  }
  if (format === 'zip') return exportArchive(adapter, file, db, options);
  const out = new AtomicWriteStream(file);
  try {
    const result = await exportDatabase(adapter, out.stream, { ...options, format });
    await out.commit();
    return result;
  } catch (err) {
    await out.abort();
    throw err;
  }
}
