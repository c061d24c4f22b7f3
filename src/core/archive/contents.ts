import { once } from 'node:events';
import * as readline from 'node:readline';
import type { Writable } from 'node:stream';
import type { Adapter, EncodedRows } from '../engines/adapter';
import { rowsFromNative } from '../engines';
import type { OperationOptions } from '../progress';
import { type DumpHeader, type ImportEvent, type TableEvent } from '../dump/format';
import { readDump } from '../dump/reader';
import { parseDumpHeader } from '../dump/header';
import { RowDecoder } from '../dump/rows';
import { writableColumns, type Row } from '../schema/model';
import { BulkChoice, importEvents, type ImportResult } from '../import';
import { newDumpHeader } from '../export';
import { rowCountsOf, selectTables } from '../tables';
import { DbPorterError, errorMessage, throwIfAborted } from '../errors';
import type { ArchiveReader } from './reader';
import type { ArchiveWriter } from './writer';
import { DUMP_ENTRY, SCHEMA_ENTRY, isNativeKind, tableEntry, type Manifest, type NativeKind } from './manifest';

/**
 * The rows of a server backup, whatever its kind, and the one way to read them back:
 *
 * dump           dump.ndjson.gz, a dump in the NDJSON format (zip exports, and server backups of
 *                earlier versions)
 * postgres-copy  schema.json, the dump header; then tables/<n>.copy.gz, table n's rows as the
 *                server's COPY TO wrote them, gzipped
 * mysql-tsv      schema.json; then tables/<n>.tsv.gz, table n's rows as LOAD DATA text, gzipped
 *
 * archiveEvents reads any of them as import events (the header, then rows), so that restoring,
 * looking inside and any other reader see one thing. The core never parses an engine's text: a
 * target of the same engine takes the bytes as they are (Writer.writeNativeRows), other readers
 * get rows from the engine's rowsFromNative.
 */

/** Whether an archive of this kind holds a dump header and rows (not a SQLite file, not nothing). */
export function holdsRows(manifest: Manifest): boolean {
  return manifest.kind === 'dump' || isNativeKind(manifest.kind);
}

/**
 * Writes the schema and rows of `adapter`'s database into `archive` in the engine's own bulk text
 * (the adapter must have a nativeFormat): every table read from one snapshot, the row counts
 * counted in it. The entries are declared first; `declareMore` declares the archive's other
 * entries before it starts. Returns the row counts.
 */
export async function writeNativeRows(adapter: Adapter, archive: ArchiveWriter, declareMore: () => void, options: OperationOptions = {}): Promise<Record<string, number>> {
  // Parents first, as in a dump: a target that checks foreign keys as rows arrive takes them in this order.
  const schema = await adapter.introspect();
  const tables = selectTables(schema, undefined, adapter.description);
  const schemaEntry = archive.stream(SCHEMA_ENTRY);
  const format = adapter.nativeFormat;
  if (!format) throw new Error(`${adapter.description} has no native rows to back up`);
  const entries = tables.map((_, n) => archive.gzipStream(tableEntry(n, format)));
  declareMore();
  archive.start();
  return adapter.read(async (reader) => {
    if (!reader.nativeRows) throw new Error(`${adapter.description} has no native rows to back up`);
    const rowCounts = await rowCountsOf(reader, tables);
    schemaEntry.end(JSON.stringify(newDumpHeader(adapter, { ...schema, tables }, rowCounts, {}), null, 2));
    for (const [n, table] of tables.entries()) {
      throwIfAborted(options.signal);
      const rowsTotal = rowCounts[table.name];
      let rowsDone = 0;
      options.onProgress?.({ table: table.name, rowsDone, rowsTotal });
      for await (const piece of joinPieces(reader.nativeRows(table.name, writableColumns(table), options.signal))) {
        await write(entries[n], piece.bytes);
        rowsDone += piece.rows;
        options.onProgress?.({ table: table.name, rowsDone, rowsTotal });
      }
      entries[n].end();
      // One snapshot: the rows read are the rows counted, unless the engine broke its promise.
      if (rowsDone !== rowsTotal) throw new DbPorterError('WRITE_FAILED', `${adapter.description} gave ${rowsDone} rows of "${table.name}", having counted ${rowsTotal}; no backup was written.`);
    }
    return rowCounts;
  });
}

/**
 * Waits for 'drain' when the entry's buffer is full, so that the database is read no faster than
 * the archive is written. An entry the archive gave up on (a full disk) has been destroyed with the
 * reason: writing to it would wait for a 'drain' that never comes, so the reason is thrown instead.
 */
async function write(out: Writable, chunk: Buffer): Promise<void> {
  if (out.destroyed) throw out.errored ?? new Error('the archive stopped taking data');
  if (!out.write(chunk)) await once(out, 'drain');
}

/** The dump header of an archive that holds rows (see holdsRows): metadata and schema. */
export async function archiveHeader(reader: ArchiveReader, manifest: Manifest): Promise<DumpHeader> {
  if (isNativeKind(manifest.kind)) return readSchemaEntry(reader, manifest);
  // A dump's first line: read only that far.
  const input = await reader.openGzipEntry(DUMP_ENTRY);
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) return parseArchiveHeader(reader.file, DUMP_ENTRY, line);
  } finally {
    lines.close();
    input.destroy();
  }
  throw new DbPorterError('ARCHIVE_INVALID', `The dump in ${reader.file} is empty.`);
}

/**
 * What an archive that holds rows (see holdsRows) holds, as import events: the header, then the
 * rows, for importEvents or for reading. A table of a postgres-copy archive comes whole (a
 * TableEvent): its entry is opened only when its rows are read, and a table passed over costs
 * nothing. Call after reader.verify(): the entries are trusted to be what was written. With `bulk`,
 * a dump's rows may come as the target's bulk text (see import.ts BulkChoice).
 */
export async function* archiveEvents(reader: ArchiveReader, manifest: Manifest, bulk?: BulkChoice): AsyncIterable<ImportEvent> {
  if (manifest.kind === 'dump') {
    yield* readDump(await reader.openGzipEntry(DUMP_ENTRY), 'ndjson', { bulk: bulk?.ask });
    return;
  }
  const kind = manifest.kind;
  if (!isNativeKind(kind)) throw new DbPorterError('ARCHIVE_INVALID', `${reader.file} holds no rows (it is a "${kind}" archive).`);
  const format: NativeKind = kind;
  const header = await readSchemaEntry(reader, manifest);
  yield { kind: 'header', header };
  for (const [n, table] of header.schema.tables.entries()) {
    const entry = tableEntry(n, format);
    // A backup keeps the columns rows are written to; a generated column's values are computed again.
    const columns = writableColumns(table);
    const damaged = (err: unknown) =>
      err instanceof DbPorterError && err.code !== 'DUMP_INVALID'
        ? err
        : new DbPorterError('ARCHIVE_INVALID', `${reader.file}: the rows of table "${table.name}" (${entry}) are damaged: ${errorMessage(err).replace(/\.?$/, '.')}`, { cause: err });
    async function* bytes(): AsyncIterable<Buffer> {
      try {
        yield* await reader.openGzipEntry(entry);
      } catch (err) {
        throw damaged(err);
      }
    }
    // As rows, the values are checked as a dump's are: they were not written by the server they go to.
    async function* batches(signal?: AbortSignal): AsyncIterable<Row[]> {
      const decoder = new RowDecoder({ ...table, columns });
      let rowNumber = 0;
      try {
        for await (const batch of rowsFromNative(format, columns, bytes(), signal)) {
          for (const row of batch) decoder.check(row, ++rowNumber);
          yield batch;
        }
      } catch (err) {
        throw damaged(err);
      }
    }
    const event: TableEvent = { kind: 'table', table: table.name, rows: header.metadata.rowCounts[table.name], columns, batches, native: { format, bytes } };
    yield event;
  }
}

/**
 * Loads an archive's rows into `target` so that it holds exactly the archive's tables and rows (a
 * restore), in one unit of writing: importEvents in replace mode, every table of the target
 * dropped first, DB Porter's own ledger table restored like any other.
 */
export async function restoreArchiveRows(reader: ArchiveReader, manifest: Manifest, target: Adapter, options: OperationOptions = {}): Promise<ImportResult> {
  const bulk = new BulkChoice();
  return importEvents(
    target,
    archiveEvents(reader, manifest, bulk),
    // A backup is DB Porter's own archive, verified against its manifest: its SQL is trusted, as pg_restore trusts its archives.
    { mode: 'replace', replaceDatabase: true, keepImportMetadata: true, trustDump: true, signal: options.signal, onProgress: options.onProgress },
    bulk,
  );
}

/** schema.json, checked against the manifest: every table once, with its entry and the same row count. */
async function readSchemaEntry(reader: ArchiveReader, manifest: Manifest): Promise<DumpHeader> {
  const chunks: Buffer[] = [];
  for await (const chunk of await reader.openEntry(SCHEMA_ENTRY)) chunks.push(chunk as Buffer);
  const header = parseArchiveHeader(reader.file, SCHEMA_ENTRY, Buffer.concat(chunks).toString('utf8'));
  const names = header.schema.tables.map((t) => t.name);
  const agree = (problem: string | undefined) => {
    if (problem) throw new DbPorterError('ARCHIVE_INVALID', `${reader.file}: ${SCHEMA_ENTRY} does not agree with the manifest: ${problem}. The archive cannot be trusted.`);
  };
  const listed = Object.keys(manifest.rowCounts);
  agree(names.length !== listed.length || new Set(names).size !== names.length ? `its tables (${names.join(', ') || 'none'}) are not the manifest's (${listed.join(', ') || 'none'})` : undefined);
  names.forEach((name, n) => {
    const entry = tableEntry(n, manifest.kind as NativeKind);
    agree(manifest.entries[entry] ? undefined : `table "${name}" has no entry ${entry}`);
    const rows = header.metadata.rowCounts[name];
    agree(rows === manifest.rowCounts[name] ? undefined : `table "${name}" has ${rows} rows, the manifest says ${manifest.rowCounts[name]}`);
  });
  return header;
}

/** A dump header held in an archive's entry, as text; anything else is ARCHIVE_INVALID. */
export function parseArchiveHeader(file: string, entry: string, text: string): DumpHeader {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DbPorterError('ARCHIVE_INVALID', `${file}: ${entry} is not valid JSON (${errorMessage(err)}).`);
  }
  const parsed = parseDumpHeader(value);
  if ('problem' in parsed) throw new DbPorterError('ARCHIVE_INVALID', `${file}: ${entry} holds no DB Porter dump header (${parsed.problem}).`);
  return parsed.header;
}

/**
 * Pieces of an engine's bulk text joined as bytes into about half a megabyte each: a gzipped
 * archive entry takes a few large writes faster than many small ones (a MySQL backup of a million
 * rows 7.2 s -> 6.2 s; PostgreSQL's COPY output comes in pieces of about 10 KB).
 */
export async function* joinPieces(pieces: AsyncIterable<EncodedRows>, bytes = 512 * 1024): AsyncIterable<EncodedRows> {
  let held: Buffer[] = [];
  let size = 0;
  let rows = 0;
  for await (const piece of pieces) {
    held.push(piece.bytes);
    size += piece.bytes.length;
    rows += piece.rows;
    if (size < bytes) continue;
    yield { bytes: Buffer.concat(held, size), rows };
    held = [];
    size = 0;
    rows = 0;
  }
  if (size) yield { bytes: Buffer.concat(held, size), rows };
}
