import { Writable } from 'node:stream';
import { createDumpWriter } from '../../src/core/dump/writer';
import { readDump } from '../../src/core/dump/reader';
import { FORMAT_NAME, FORMAT_VERSION, type DumpFormat, type DumpHeader } from '../../src/core/dump/format';
import type { Row, Table } from '../../src/core/schema/model';
import type { BulkRequest } from '../../src/core/dump/bulk-text';
import { nativeField, type NativeFormat } from '../../src/core/engines';

export const sampleTable: Table = {
  name: 'items',
  columns: [
    { name: 'id', type: 'bigint', nullable: false },
    { name: 'name', type: 'text', nullable: true },
    { name: 'price', type: 'decimal', precision: 30, scale: 10, nullable: true },
    { name: 'data', type: 'bytes', nullable: true },
    { name: 'at', type: 'timestamptz', nullable: true },
  ],
  primaryKey: ['id'],
  uniques: [],
  foreignKeys: [],
  indexes: [],
};

export function header(tables: Table[], rowCounts: Record<string, number>): DumpHeader {
  return {
    metadata: {
      format: FORMAT_NAME,
      version: FORMAT_VERSION,
      tool: { name: 'dbporter', version: 'test' },
      source: { engine: 'sqlite', database: 'test' },
      createdAt: new Date(0).toISOString(),
      options: {},
      rowCounts,
    },
    schema: { engine: 'sqlite', tables },
  };
}

/** Writes a dump into a string. */
export async function writeDump(format: DumpFormat, data: Array<{ table: Table; rows: Row[] }>, indent?: number): Promise<string> {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  const writer = createDumpWriter(sink, format, { indent });
  await writer.writeHeader(header(data.map((d) => d.table), Object.fromEntries(data.map((d) => [d.table.name, d.rows.length]))));
  for (const { table, rows } of data) {
    await writer.beginTable(table);
    if (rows.length) await writer.writeRows(rows);
    await writer.endTable();
  }
  await writer.finish();
  return text;
}

/** Feeds a text to a reader in chunks of `size` bytes and collects what comes out. */
export async function readAll(text: string | Buffer, format: DumpFormat, size = 7): Promise<{ header: DumpHeader; rows: Record<string, Row[]> }> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  let h: DumpHeader | undefined;
  const rows: Record<string, Row[]> = {};
  for await (const event of readDump(chunks(), format)) {
    if (event.kind === 'header') h = event.header;
    else if (event.kind === 'rows') (rows[event.table] ??= []).push(...event.rows);
    else throw new Error('readAll asks for no bulk text');
  }
  return { header: h!, rows };
}

/** Reads a dump in chunks, asking for bulk text for `bulkTables`; rows of other tables are formatted the same way, for comparison. */
export async function readAsText(bytes: Buffer, chunk: number, format: NativeFormat, bulkTables: string[], dumpFormat: DumpFormat = 'ndjson'): Promise<{ text: Record<string, string>; bulkRows: number }> {
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
  }
  const text: Record<string, string> = {};
  let bulkRows = 0;
  const field = nativeField(format);
  const request = (name: string): BulkRequest | undefined => (bulkTables.includes(name) ? { field, keys: [], createdTable: false } : undefined);
  let tables: Table[] = [];
  for await (const event of readDump(chunks(), dumpFormat, { bulk: request })) {
    if (event.kind === 'header') tables = event.header.schema.tables;
    else if (event.kind === 'bulk') {
      text[event.table] = (text[event.table] ?? '') + event.piece.text.toString('utf8');
      bulkRows += event.piece.rows;
    } else {
      const fields = tables.find((t) => t.name === event.table)!.columns.map(field);
      text[event.table] = (text[event.table] ?? '') + event.rows.map((r) => r.map((v, i) => (v === null ? '\\N' : fields[i](v))).join('\t') + '\n').join('');
    }
  }
  return { text, bulkRows };
}
