import type { Writable } from 'node:stream';
import type { OperationOptions } from './progress';
import { createDumpWriter } from './dump/writer';
import { FORMAT_NAME, FORMAT_VERSION, type DumpFormat, type DumpHeader } from './dump/format';
import { DbPorterError, throwIfAborted } from './errors';
import { chunks, selectSlice, type Selector, type Slice } from './subset';
import { drawSubstitutions, rowRewriter, substitutionsRecord } from './ids';
import type { Adapter, Reader } from './engines/adapter';
import type { Column, DatabaseSchema, Row, SchemaNote, Table } from './schema/model';
import { sortNotes } from './schema/report';
import { rowCountsOf, schemaOfTables, selectTables } from './tables';
import { TOOL } from './version';

export interface ExportOptions extends OperationOptions {
  format: DumpFormat;
  /** Only these tables (all when absent). */
  tables?: string[];
  /** Only a slice: chosen rows and what hangs from them (see subset.ts). Not with `tables`. */
  select?: Selector;
  /** Replace integer keys below 1,000,000 by random ones, foreign keys following (see ids.ts). */
  randomizeLegacyIds?: boolean;
  indent?: number;
  /**
   * Runs inside the read snapshot once the exported tables (and the slice) are known, before the
   * first byte of the dump is written: zip exports gather the rows' files here.
   */
  beforeRows?: (plan: ExportPlan) => Promise<void>;
}

/** What an export is about to write, read through the export's own snapshot. */
export interface ExportPlan {
  reader: Reader;
  schema: DatabaseSchema;
  tables: Table[];
  slice?: Slice;
}

export interface ExportResult {
  format: DumpFormat;
  tables: Array<{ table: string; rows: number }>;
  rows: number;
  durationMs: number;
  /** For partial exports: the slice, whose owned rows --delete-exported-data removes. */
  slice?: Slice;
  /** What the source holds that the dump does not carry (also in the dump's metadata.report). */
  notes: SchemaNote[];
}

/**
 * Writes a dump of the database to `out`, streaming: rows go from the engine to the stream in
 * batches and memory stays flat. All tables are read from one snapshot, so the dump is consistent.
 * The caller owns `out` (and ends it).
 */
export async function exportDatabase(adapter: Adapter, out: Writable, options: ExportOptions): Promise<ExportResult> {
  const started = Date.now();
  const schema = await adapter.introspect();
  if (options.select && options.tables?.length) {
    throw new DbPorterError('BAD_ARGUMENT', 'A partial export picks its own tables by following foreign keys; leave out --table.');
  }
  let tables = selectTables(schema, options.tables, adapter.description);
  const writer = createDumpWriter(out, options.format, { indent: options.indent });
  const results: ExportResult['tables'] = [];
  let sliced: Slice | undefined;
  let notes: SchemaNote[] = [];
  await adapter.read(async (reader) => {
    const slice = options.select ? await selectSlice(reader, schema, options.select, options.signal) : undefined;
    sliced = slice;
    if (slice) tables = tables.filter((t) => slice.rows.has(t.name));
    const rowCounts = slice ? Object.fromEntries(tables.map((t) => [t.name, slice.rows.get(t.name)!.length])) : await rowCountsOf(reader, tables);
    const substitutions = options.randomizeLegacyIds
      ? await drawSubstitutions(tables, (table) => keysOf(reader, table, slice, options.signal), options.signal)
      : undefined;
    const carried = schemaOfTables(schema, tables).schema;
    notes = carried.notes ?? [];
    const header = newDumpHeader(adapter, carried, rowCounts, {
      format: options.format,
      ...(options.tables?.length ? { tables: options.tables } : {}),
      ...(options.select ? { select: options.select } : {}),
      ...(options.randomizeLegacyIds ? { randomizeLegacyIds: true } : {}),
    });
    if (substitutions?.size) header.metadata.idSubstitutions = substitutionsRecord(substitutions);
    await options.beforeRows?.({ reader, schema, tables, slice });
    await writer.writeHeader(header);
    for (const table of tables) {
      throwIfAborted(options.signal);
      await writer.beginTable(table);
      let rows = 0;
      options.onProgress?.({ table: table.name, rowsDone: 0, rowsTotal: rowCounts[table.name] });
      const report = (n: number) => {
        rows += n;
        options.onProgress?.({ table: table.name, rowsDone: rows, rowsTotal: rowCounts[table.name] });
      };
      const framing = writer.framing;
      const rewrite = substitutions && rowRewriter(table, substitutions);
      const write = async (batch: Row[]) => {
        rewrite?.(batch);
        await writer.writeRows(batch);
        report(batch.length);
      };
      if (!slice && framing && reader.jsonRows && !rewrite) {
        // The engine writes the rows as JSON itself: no JavaScript value per field on the way.
        for await (const encoded of reader.jsonRows(table.name, table.columns, framing, options.signal)) {
          await writer.writeEncoded(encoded);
          report(encoded.rows);
        }
      } else {
        for await (const batch of exportedRows(reader, table, table.columns, slice, options.signal)) await write(batch);
      }
      await writer.endTable();
      results.push({ table: table.name, rows });
    }
    await writer.finish();
  });
  return {
    format: options.format,
    tables: results,
    rows: results.reduce((n, t) => n + t.rows, 0),
    durationMs: Date.now() - started,
    notes: sortNotes(notes),
    ...(sliced ? { slice: sliced } : {}),
  };
}

/**
 * The header of a dump of `schema` (its tables in the order their rows follow) read from `adapter`
 * now: what the dump holds, where it came from, and what the source holds that it could not carry.
 */
export function newDumpHeader(adapter: Adapter, schema: DatabaseSchema, rowCounts: Record<string, number>, options: DumpHeader['metadata']['options']): DumpHeader {
  const report = sortNotes(schema.notes ?? []);
  return {
    metadata: {
      format: FORMAT_NAME,
      version: FORMAT_VERSION,
      tool: { ...TOOL },
      source: { engine: adapter.engine, database: adapter.description },
      createdAt: new Date().toISOString(),
      options,
      rowCounts,
      ...(report.length ? { report } : {}),
    },
    schema: { ...schema, engine: adapter.engine },
  };
}

/** The rows an export writes of a table, in batches and with the given columns: a slice's, or all. */
export async function* exportedRows(reader: Reader, table: Table, columns: Column[], slice: Slice | undefined, signal?: AbortSignal): AsyncIterable<Row[]> {
  if (!slice) {
    yield* reader.rows(table.name, columns, signal);
    return;
  }
  // The slice's rows, by the key the slice took them by, a few hundred keys a query.
  const keys = slice.rows.get(table.name);
  if (!keys) return;
  const keyColumns = slice.keyColumns.get(table.name)!.map((k) => table.columns.find((c) => c.name === k)!);
  for (const values of chunks(keys)) yield* reader.rows(table.name, columns, signal, { kind: 'in', columns: keyColumns, values });
}

/** The primary-key values that an export will write for a table (one with a single-column primary key): a slice's, or every row's. */
async function* keysOf(reader: Reader, table: Table, slice: Slice | undefined, signal?: AbortSignal): AsyncIterable<number[]> {
  if (slice) {
    yield (slice.rows.get(table.name) ?? []).map((key) => key[0]).filter((v): v is number => typeof v === 'number');
    return;
  }
  const pk = table.columns.filter((c) => c.name === table.primaryKey[0]);
  for await (const batch of reader.rows(table.name, pk, signal)) yield batch.map((r) => r[0]).filter((v): v is number => typeof v === 'number');
}
