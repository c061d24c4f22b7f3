import type { Adapter } from './engines/adapter';
import { fileColumnKey, type ResolvedDatabase } from './config';
import { exportDatabase, exportedRows, type ExportOptions, type ExportPlan, type ExportResult } from './export';
import { DbPorterError, throwIfAborted } from './errors';
import { ArchiveWriter } from './archive/writer';
import { DUMP_ENTRY, FILES_PREFIX, newManifest, type Manifest } from './archive/manifest';
import { describeRow, filesOfValue, relatedColumns, type RelatedColumn } from './related-files';

/**
 * Zip exports (`dbporter export out.zip`): one archive holding the dump (NDJSON, gzipped, as in
 * backups) and the files the exported rows name in their file columns, each root folder under
 * files/<n>/, and the manifest with a checksum per entry. The archive appears only when complete.
 */

export type ArchiveExportOptions = Omit<ExportOptions, 'format' | 'indent' | 'beforeRows'>;

export interface ArchiveExportResult extends ExportResult {
  file: string;
  /** Files carried (each once, however many rows name it). */
  files: number;
  manifest: Manifest;
}

export async function exportArchive(
  adapter: Adapter,
  destination: string,
  db: Pick<ResolvedDatabase, 'name' | 'baseDir' | 'fileColumns'>,
  options: ArchiveExportOptions = {},
): Promise<ArchiveExportResult> {
  const archive = new ArchiveWriter(destination);
  let carried: Carried = { roots: [], columns: {}, files: 0 };
  try {
    const dump = archive.gzipStream(DUMP_ENTRY);
    const result = await exportDatabase(adapter, dump, {
      ...options,
      format: 'ndjson',
      beforeRows: async (plan) => {
        carried = await addRelatedFiles(archive, plan, relatedColumns(db.fileColumns, plan.schema, plan.tables, db.baseDir, adapter.description), options.signal);
        archive.start();
      },
    });
    dump.end();
    throwIfAborted(options.signal);
    const manifest = await archive.finish((entries) =>
      newManifest({
        reason: 'export',
        database: { name: db.name, engine: adapter.engine, source: adapter.description },
        kind: 'dump',
        rowCounts: Object.fromEntries(result.tables.map((t) => [t.table, t.rows])),
        fileRoots: carried.roots,
        fileColumns: carried.columns,
        entries,
      }),
    );
    return { ...result, file: destination, files: carried.files, manifest };
  } catch (err) {
    await archive.abort();
    throw fileTrouble(err) ?? err;
  }
}

/** Files are read only when their turn in the archive comes; one may have gone or changed by then. */
function fileTrouble(err: unknown): DbPorterError | undefined {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof DbPorterError || !e.syscall || !e.path) return undefined;
  return new DbPorterError(
    'FILE_CHANGED',
    `${e.path} could not be read while it was being archived (${e.code ?? e.message}); it changed during the export. Nothing was exported; run it again.`,
  );
}

interface Carried {
  /** The roots as configured, one files/<n>/ folder each. */
  roots: string[];
  /** "table.column" to its root's n. */
  columns: Record<string, number>;
  files: number;
}

/**
 * Declares an entry for every file the exported rows name, reading only keys and file columns,
 * one batch at a time. JSZip fixes its list of entries before it writes the first byte, so this
 * runs before the rows are written, in the same snapshot. The archive's own entry list is the only
 * set of paths kept (a zip needs it for its central directory anyway); it dedupes a file named by
 * many rows, and grows with the number of distinct files, not with rows.
 */
async function addRelatedFiles(archive: ArchiveWriter, plan: ExportPlan, related: RelatedColumn[], signal?: AbortSignal): Promise<Carried> {
  const carried: Carried = { roots: [], columns: {}, files: 0 };
  const rootIndex = new Map<string, number>();
  for (const r of related) {
    if (!rootIndex.has(r.rootDir)) {
      rootIndex.set(r.rootDir, carried.roots.length);
      carried.roots.push(r.root);
    }
    carried.columns[fileColumnKey({ table: r.table.name, column: r.column.name })] = rootIndex.get(r.rootDir)!;
  }
  for (const table of plan.tables) {
    const mine = related.filter((r) => r.table === table);
    if (!mine.length) continue;
    const keys = table.primaryKey.map((k) => table.columns.find((c) => c.name === k)!);
    const columns = [...keys, ...mine.map((r) => r.column)];
    let rowNumber = 0;
    for await (const batch of exportedRows(plan.reader, table, columns, plan.slice, signal)) {
      throwIfAborted(signal);
      for (const row of batch) {
        rowNumber++;
        const n = rowNumber;
        mine.forEach((r, i) => {
          const prefix = `${FILES_PREFIX}${rootIndex.get(r.rootDir)}/`;
          for (const { file, relative } of filesOfValue(r, row[keys.length + i], () => describeRow(table, row.slice(0, keys.length), n))) {
            if (archive.has(prefix + relative)) continue;
            archive.file(prefix + relative, file);
            carried.files++;
          }
        });
      }
    }
  }
  return carried;
}
