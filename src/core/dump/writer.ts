import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Row, Table } from '../schema/model';
import type { EncodedRows, RowFraming } from '../engines/adapter';
import type { DumpFormat, DumpHeader } from './format';
import { jsonLines, rowObjectBuilder } from './rows';

/** Writes a dump as a stream: header, then each table's rows, then the end. Memory stays flat. */
export interface DumpWriter {
  writeHeader(header: DumpHeader): Promise<void>;
  beginTable(table: Table): Promise<void>;
  writeRows(rows: Row[]): Promise<void>;
  endTable(): Promise<void>;
  /**
   * How this writer frames one row, when rows can arrive pre-encoded (Reader.jsonRows);
   * undefined when it needs the values themselves (indented JSON).
   */
  readonly framing: RowFraming | undefined;
  /** Rows pre-encoded with `framing`, in place of writeRows. */
  writeEncoded(encoded: EncodedRows): Promise<void>;
  /** Writes what closes the dump; the caller ends the stream. */
  finish(): Promise<void>;
}

export interface DumpWriterOptions {
  /** Spaces of indentation for reading by eye (JSON only); rows stay one per line without it. */
  indent?: number;
}

export function createDumpWriter(out: Writable, format: DumpFormat, options: DumpWriterOptions = {}): DumpWriter {
  return format === 'ndjson' ? new NdjsonWriter(out) : new JsonWriter(out, options.indent ?? 0);
}

/**
 * Rows are serialised a hundred at a time: the text of a whole batch would be a string too large for
 * V8's ordinary heap, and each such string costs a fresh mapping from the system and its page faults,
 * which took a third of an export's time.
 */
const PIECE_ROWS = 100;

function* pieces(rows: Row[]): Iterable<Row[]> {
  for (let i = 0; i < rows.length; i += PIECE_ROWS) yield rows.slice(i, i + PIECE_ROWS);
}

/** Waits for 'drain' when the stream's buffer is full, so a slow disk or pipe slows the reader down. */
async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

class JsonWriter implements DumpWriter {
  private toObject: ((row: Row) => Record<string, unknown>) | undefined;
  private firstKey = '';
  private firstTable = true;
  private firstRow = true;

  constructor(
    private readonly out: Writable,
    private readonly indent: number,
  ) {}

  private pad(level: number): string {
    return this.indent ? '\n' + ' '.repeat(this.indent * level) : '';
  }

  private pretty(value: unknown, level: number): string {
    return JSON.stringify(value, null, this.indent || undefined).replace(/\n/g, this.pad(level) || '\n');
  }

  async writeHeader(header: DumpHeader): Promise<void> {
    const sep = this.indent ? ' ' : '';
    await write(
      this.out,
      `{${this.pad(1)}"metadata":${sep}${this.pretty(header.metadata, 1)},${this.pad(1)}"schema":${sep}${this.pretty(header.schema, 1)},${this.pad(1)}"data":${sep}{`,
    );
  }

  async beginTable(table: Table): Promise<void> {
    this.toObject = rowObjectBuilder(table);
    this.firstKey = table.columns[0].name;
    this.firstRow = true;
    const sep = this.indent ? ' ' : '';
    // Without indentation each table and row still starts a line: editors and diff tools cope.
    await write(this.out, `${this.firstTable ? '' : ','}${this.pad(2) || '\n'}${JSON.stringify(table.name)}:${sep}[`);
    this.firstTable = false;
  }

  async writeRows(rows: Row[]): Promise<void> {
    for (const piece of pieces(rows)) {
      const objects = piece.map(this.toObject!);
      const lead = this.firstRow ? '' : ',';
      this.firstRow = false;
      if (this.indent) {
        await write(this.out, lead + objects.map((o) => this.pad(3) + this.pretty(o, 3)).join(','));
      } else {
        await write(this.out, `${lead}\n${jsonLines(objects, this.firstKey, ',\n')}`);
      }
    }
  }

  get framing(): RowFraming | undefined {
    return this.indent ? undefined : { prefix: ',\n', suffix: '' };
  }

  async writeEncoded({ bytes, rows }: EncodedRows): Promise<void> {
    if (!rows) return;
    // Every row came with a leading comma; the table's first row goes without.
    await write(this.out, this.firstRow ? bytes.subarray(1) : bytes);
    this.firstRow = false;
  }

  async endTable(): Promise<void> {
    await write(this.out, `${this.firstRow ? '' : this.pad(2) || '\n'}]`);
  }

  async finish(): Promise<void> {
    await write(this.out, `${this.pad(1) || (this.firstTable ? '' : '\n')}}${this.pad(0) || ''}}\n`);
  }
}

class NdjsonWriter implements DumpWriter {
  private readonly hash: Hash = createHash('sha256');
  private readonly counts: Record<string, number> = {};
  private toObject: ((row: Row) => Record<string, unknown>) | undefined;
  private table = '';

  constructor(private readonly out: Writable) {}

  private async emit(chunk: string): Promise<void> {
    // Encoded once, then hashed and written: encoding a large string twice costs more than hashing it.
    const bytes = Buffer.from(chunk, 'utf8');
    this.hash.update(bytes);
    await write(this.out, bytes);
  }

  async writeHeader(header: DumpHeader): Promise<void> {
    await this.emit(JSON.stringify({ metadata: header.metadata, schema: header.schema }) + '\n');
  }

  async beginTable(table: Table): Promise<void> {
    this.table = table.name;
    this.counts[table.name] ??= 0;
    this.toObject = rowObjectBuilder(table);
  }

  async writeRows(rows: Row[]): Promise<void> {
    const table = this.table;
    const toObject = this.toObject!;
    this.counts[table] += rows.length;
    for (const piece of pieces(rows)) {
      const lines = piece.map((row) => ({ table, row: toObject(row) }));
      await this.emit(jsonLines(lines, 'table', '\n') + '\n');
    }
  }

  get framing(): RowFraming {
    return { prefix: `{"table":${JSON.stringify(this.table)},"row":`, suffix: '}\n' };
  }

  async writeEncoded({ bytes, rows }: EncodedRows): Promise<void> {
    this.counts[this.table] += rows;
    this.hash.update(bytes);
    await write(this.out, bytes);
  }

  async endTable(): Promise<void> {}

  async finish(): Promise<void> {
    const trailer = { trailer: { rowCounts: this.counts, checksum: `sha256:${this.hash.digest('hex')}` } };
    await write(this.out, JSON.stringify(trailer) + '\n');
  }
}
