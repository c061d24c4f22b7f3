import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { DbPorterError } from '../errors';
import { rowObjectBuilder } from '../dump/rows';
import type { DatabaseSchema, Row } from '../schema/model';
import { SqliteAdapter } from '../engines/sqlite/adapter';
import { ArchiveReader } from './reader';
import { DUMP_ENTRY, SQLITE_ENTRY, isNativeKind, type Manifest } from './manifest';
import { archiveEvents, archiveHeader, holdsRows, parseArchiveHeader } from './contents';

/**
 * A look inside a DB Porter zip archive (a backup, a snapshot or a zip export) without unpacking
 * it: its manifest, its schema, and the first rows of a table. The rows of a dump archive are read
 * as a stream from the gzipped NDJSON entry, line by line (other tables' lines are skipped without
 * parsing them); those of a PostgreSQL backup from the table's own entry, as archiveEvents gives
 * them. The reading stops after the rows asked for, so a huge table costs no more memory than a
 * small one. A SQLite backup holds the
 * database file itself: it is unzipped to a temporary file and opened like any SQLite database
 * (sql.js holds it in memory, as it does for every SQLite database DB Porter opens).
 */

export async function archiveManifest(file: string): Promise<Manifest> {
  const reader = await ArchiveReader.open(file);
  try {
    return await reader.manifest();
  } finally {
    reader.close();
  }
}

/** The tables and columns the archive holds (from the dump header, or the SQLite file itself). */
export async function archiveSchema(file: string): Promise<DatabaseSchema> {
  return withArchive(file, async (reader, manifest) => {
    if (holdsRows(manifest)) return (await archiveHeader(reader, manifest)).schema;
    if (manifest.kind === 'sqlite-file') return withSqliteFile(reader, (adapter) => adapter.introspect());
    return { engine: manifest.database.engine, tables: [] };
  });
}

export interface RowsPreview {
  table: string;
  /** Rows of the table in the archive, from its manifest. */
  rowsInArchive: number;
  /** The first rows, as column name to value in the dump format's encoding. */
  rows: Array<Record<string, unknown>>;
}

/** The first `limit` rows of one table of the archive. */
export async function previewArchiveRows(file: string, table: string, limit = 100): Promise<RowsPreview> {
  return withArchive(file, async (reader, manifest) => {
    if (!(table in manifest.rowCounts)) {
      throw new DbPorterError('UNKNOWN_TABLE', `${file} holds no table "${table}". Its tables: ${Object.keys(manifest.rowCounts).join(', ') || 'none'}.`);
    }
    const preview: RowsPreview = { table, rowsInArchive: manifest.rowCounts[table], rows: [] };
    if (limit <= 0) return preview;
    if (manifest.kind === 'dump') {
      // Rows come table by table: skip to the table's first line, stop after `limit` or at the next table.
      const prefix = `{"table":${JSON.stringify(table)},`;
      let first = true;
      for await (const line of dumpLines(reader)) {
        if (first) {
          parseArchiveHeader(file, DUMP_ENTRY, line);
          first = false;
          continue;
        }
        if (line.startsWith(prefix)) {
          preview.rows.push(parseRow(file, table, preview.rows.length + 1, line));
          if (preview.rows.length >= limit) break;
        } else if (preview.rows.length) break;
      }
    } else if (isNativeKind(manifest.kind)) {
      // Each table is an entry of its own: the others are passed over unread.
      let toObject: ((row: Row) => Record<string, unknown>) | undefined;
      for await (const event of archiveEvents(reader, manifest)) {
        if (event.kind === 'header') toObject = tableOf(event.header.schema, table, file);
        if (event.kind !== 'table' || event.table !== table) continue;
        for await (const batch of event.batches()) {
          for (const row of batch.slice(0, limit - preview.rows.length)) preview.rows.push(toObject!(row));
          if (preview.rows.length >= limit) break;
        }
        break;
      }
    } else if (manifest.kind === 'sqlite-file') {
      await withSqliteFile(reader, async (adapter) => {
        const def = (await adapter.introspect()).tables.find((t) => t.name === table);
        if (!def) throw new DbPorterError('UNKNOWN_TABLE', `The SQLite file in ${file} has no table "${table}".`);
        const toObject = rowObjectBuilder(def);
        await adapter.read(async (r) => {
          for await (const batch of r.rows(table, def.columns)) {
            for (const row of batch.slice(0, limit - preview.rows.length)) preview.rows.push(toObject(row));
            if (preview.rows.length >= limit) break;
          }
        });
      });
    }
    return preview;
  });
}

async function withArchive<T>(file: string, fn: (reader: ArchiveReader, manifest: Manifest) => Promise<T>): Promise<T> {
  const reader = await ArchiveReader.open(file);
  try {
    return await fn(reader, await reader.manifest());
  } finally {
    reader.close();
  }
}

/** The row builder for a table of the archive's schema. */
function tableOf(schema: DatabaseSchema, table: string, file: string): (row: Row) => Record<string, unknown> {
  const def = schema.tables.find((t) => t.name === table);
  if (!def) throw new DbPorterError('ARCHIVE_INVALID', `The schema in ${file} has no table "${table}", which its manifest lists.`);
  return rowObjectBuilder(def);
}

function parseRow(file: string, table: string, n: number, line: string): Record<string, unknown> {
  try {
    return (JSON.parse(line) as { row: Record<string, unknown> }).row;
  } catch {
    throw new DbPorterError('ARCHIVE_INVALID', `The dump in ${file} is damaged: row ${n} of table "${table}" is not valid JSON.`);
  }
}

/** The lines of the archive's NDJSON dump; leaving the loop early stops reading the archive. */
async function* dumpLines(reader: ArchiveReader): AsyncGenerator<string> {
  const raw = await reader.openEntry(DUMP_ENTRY);
  const gunzip = zlib.createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  const lines = readline.createInterface({ input: raw.pipe(gunzip), crlfDelay: Infinity });
  try {
    yield* lines;
  } finally {
    lines.close();
    raw.unpipe(gunzip);
    raw.destroy();
    gunzip.destroy();
  }
}

async function withSqliteFile<T>(reader: ArchiveReader, fn: (adapter: SqliteAdapter) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbporter-preview-'));
  try {
    const file = path.join(dir, 'database.sqlite');
    await pipeline(await reader.openGzipEntry(SQLITE_ENTRY), fs.createWriteStream(file));
    const adapter = await SqliteAdapter.open(file);
    try {
      return await fn(adapter);
    } finally {
      await adapter.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

