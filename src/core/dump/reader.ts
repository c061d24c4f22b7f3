import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { Row, Table } from '../schema/model';
import { DbPorterError } from '../errors';
import { MAX_ROW_CHARS, trailerSchema, type DumpEvent, type DumpFormat, type DumpHeader, type DumpTrailer } from './format';
import { JsonScanner, ScanError } from './json-scanner';
import { RowDecoder } from './rows';
import { parseDumpHeader, zodProblem } from './header';
import { BulkLines, type BulkRequest } from './bulk-text';

const BATCH_ROWS = 1000;

/**
 * Reads a dump as a stream of events: the header, then validated rows table by table. Problems
 * surface as DbPorterErrors naming the place; some (a wrong checksum, a missing trailer, row counts
 * that disagree) can only be known at the end, so a consumer writes inside a transaction and
 * commits only after the last event.
 */
export function readDump(source: AsyncIterable<Buffer | string>, format: DumpFormat, options: ReadOptions = {}): AsyncIterable<DumpEvent> {
  return format === 'ndjson' ? readNdjson(source, options) : readJson(source, options);
}

export interface ReadOptions {
  /**
   * Asked as each run of a table's rows begins: when it gives a request, the rows come as
   * the target engine's bulk text (bulk events, see bulk-text.ts) instead of rows.
   */
  bulk?: (table: string) => BulkRequest | undefined;
}

function parseHeader(value: unknown, where: string): DumpHeader {
  const parsed = parseDumpHeader(value);
  if ('problem' in parsed) {
    throw new DbPorterError('DUMP_INVALID', `The dump's ${where} is not a DB Porter dump header (${parsed.problem}). Was this file written by dbporter export?`);
  }
  return parsed.header;
}

/** Counts rows per table and checks them against what the dump promised. */
class RowTally {
  readonly counts: Record<string, number> = {};
  private readonly decoders = new Map<string, RowDecoder>();

  constructor(private readonly header: DumpHeader) {
    for (const t of header.schema.tables) this.counts[t.name] = 0;
  }

  decoder(table: string): RowDecoder {
    let decoder = this.decoders.get(table);
    if (!decoder) {
      const def: Table | undefined = this.header.schema.tables.find((t) => t.name === table);
      if (!def) {
        throw new DbPorterError('UNKNOWN_TABLE', `The dump has rows for table "${table}", which its schema does not describe. Add the table to the schema or remove its rows.`);
      }
      decoder = new RowDecoder(def);
      this.decoders.set(table, decoder);
    }
    return decoder;
  }

  check(expected: Record<string, number>, where: string): void {
    for (const [table, n] of Object.entries(expected)) {
      const got = this.counts[table] ?? 0;
      if (got !== n) {
        throw new DbPorterError('DUMP_TRUNCATED', `The dump's ${where} says table "${table}" has ${n} rows, but ${got} were found. The file is incomplete or was edited; export it again.`);
      }
    }
  }
}

async function* readJson(source: AsyncIterable<Buffer | string>, options: ReadOptions): AsyncIterable<DumpEvent> {
  const s = new JsonScanner(source);
  let table = '';
  let rowNumber = 0;
  try {
    await s.expect('{', 'the opening "{" of the dump');
    const parts: Record<string, unknown> = {};
    let tally: RowTally | undefined;
    do {
      const key = await s.string('a key of the dump object');
      await s.expect(':', `":" after "${key}"`);
      if (key !== 'data') {
        parts[key] = await s.value(`the "${key}" section`);
        continue;
      }
      if (tally) throw new DbPorterError('DUMP_INVALID', 'The dump has two "data" sections.');
      const header = parseHeader(parts, '"metadata" and "schema" sections (they must come before "data")');
      yield { kind: 'header', header };
      tally = new RowTally(header);
      await s.expect('{', 'the "{" that opens "data"');
      if (await s.accept('}')) continue;
      do {
        table = await s.string('a table name in "data"');
        rowNumber = 0;
        await s.expect(':', `":" after table "${table}"`);
        await s.expect('[', `the "[" that opens the rows of "${table}"`);
        const decoder = tally.decoder(table);
        if (await s.accept(']')) continue;
        const request = options.bulk?.(table);
        // Rows of a table taken as bulk text go through BulkLines, a row on its line in its bytes
        // where they are valid UTF-8 (decoding would otherwise replace bad bytes).
        const bulk = request && new BulkLines(decoder.table, request, 'json');
        let batch: Row[] = [];
        /** Hands on the rows read so far: when a piece or a batch is full, or (`all`) at the table's end. */
        const flush = function* (all: boolean): Generator<DumpEvent> {
          const piece = bulk && (all || bulk.full) ? bulk.take() : undefined;
          if (piece) {
            tally!.counts[table] += piece.rows;
            yield { kind: 'bulk', table, piece };
          }
          if (batch.length && (all || batch.length === BATCH_ROWS)) {
            tally!.counts[table] += batch.length;
            yield { kind: 'rows', table, rows: batch };
            batch = [];
          }
        };
        do {
          rowNumber++;
          const line = bulk && s.lineObject();
          if (line && line.utf8 && bulk!.line(line.bytes, line.start, line.end)) {
            s.passLineObject();
          } else {
            // A row on a line of its own parses without waiting for anything (json-scanner.ts).
            const value = s.objectOnItsLine() ?? (await s.value(`row ${rowNumber} of table "${table}"`));
            const row = decoder.decode(value, rowNumber);
            if (bulk) bulk.row(row);
            else batch.push(row);
          }
          yield* flush(false);
        } while (s.acceptNow(',') || (await s.accept(',')));
        await s.expect(']', `"," or "]" after row ${rowNumber} of table "${table}"`);
        yield* flush(true);
        table = '';
      } while (await s.accept(','));
      await s.expect('}', '"," or the "}" that closes "data"');
    } while (await s.accept(','));
    await s.expect('}', 'the closing "}" of the dump');
    if (!(await s.atEnd())) throw new DbPorterError('DUMP_INVALID', 'The dump has more text after its closing "}".');
    if (!tally) {
      throw new DbPorterError('DUMP_INVALID', 'The dump has no "data" section. Was this file written by dbporter export?');
    }
    tally.check(parseHeader(parts, 'header').metadata.rowCounts, 'metadata');
  } catch (err) {
    if (!(err instanceof ScanError)) throw err;
    const place = table ? ` (table "${table}", after row ${rowNumber})` : '';
    if (err.truncated) {
      throw new DbPorterError('DUMP_TRUNCATED', `The JSON dump is truncated: ${err.message}${place}. The file is incomplete; export it again.`);
    }
    throw new DbPorterError('DUMP_INVALID', `The JSON dump is malformed at byte ${err.offset}${place}: ${err.message}.`);
  }
}

/**
 * NDJSON is read a region at a time: all complete lines of a chunk are decoded in one go, and
 * hashed with one call (only the trailer line stays out of the checksum). A newline byte never
 * occurs inside a UTF-8 character, so a region always ends on a character boundary. Rows of a table
 * the caller takes as bulk text (ReadOptions.bulk) are not decoded at all where the region is valid
 * UTF-8: each line goes through BulkLines, which hands back any line it does not take.
 */
async function* readNdjson(source: AsyncIterable<Buffer | string>, options: ReadOptions): AsyncIterable<DumpEvent> {
  const hash = createHash('sha256');
  let lineNo = 0;
  let tally: RowTally | undefined;
  let header: DumpHeader | undefined;
  let trailer: DumpTrailer | undefined;
  /** The table of the current run of rows, and its rows so far: as values, or as bulk text. */
  let run = '';
  let batch: Row[] = [];
  let bulk: BulkLines | undefined;
  const rowNumbers: Record<string, number> = {};

  const flush = function* (): Generator<DumpEvent> {
    if (batch.length) {
      tally!.counts[run] += batch.length;
      yield { kind: 'rows', table: run, rows: batch };
      batch = [];
    }
    const piece = bulk?.take();
    if (piece) {
      tally!.counts[run] += piece.rows;
      yield { kind: 'bulk', table: run, piece };
    }
  };

  const begin = function* (table: string): Generator<DumpEvent> {
    yield* flush();
    run = table;
    rowNumbers[table] ??= 0;
    const request = options.bulk?.(table);
    bulk = request ? new BulkLines(tally!.decoder(table).table, request) : undefined;
  };

  /** A line read as JSON; true when it is the trailer. `cutOff`: the file ends inside this line. */
  const line = function* (text: string, cutOff: boolean): Generator<DumpEvent, boolean> {
    if (text.trim() === '') return false;
    if (trailer) throw new DbPorterError('DUMP_INVALID', `NDJSON line ${lineNo} comes after the trailer line; the trailer must be last.`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new DbPorterError(
        cutOff ? 'DUMP_TRUNCATED' : 'DUMP_INVALID',
        cutOff
          ? `NDJSON line ${lineNo} is cut off (${(err as Error).message}): the file is truncated. Export it again.`
          : `NDJSON line ${lineNo} is not valid JSON: ${(err as Error).message}.`,
      );
    }
    if (!header) {
      header = parseHeader(value, 'first line');
      tally = new RowTally(header);
      yield { kind: 'header', header };
      return false;
    }
    if (value && typeof value === 'object' && 'trailer' in value) {
      const parsed = trailerSchema.safeParse(value);
      if (!parsed.success) throw new DbPorterError('DUMP_INVALID', `NDJSON line ${lineNo} is a malformed trailer (${zodProblem(parsed.error)}).`);
      trailer = parsed.data.trailer;
      yield* flush();
      return true;
    }
    const entry = value as { table?: unknown; row?: unknown };
    if (!entry || typeof entry !== 'object' || typeof entry.table !== 'string' || !('row' in entry)) {
      throw new DbPorterError('DUMP_INVALID', `NDJSON line ${lineNo} is neither a row ({"table": ..., "row": {...}}) nor the trailer.`);
    }
    if (entry.table !== run) yield* begin(entry.table);
    else if (batch.length === BATCH_ROWS) yield* flush();
    const row = tally!.decoder(entry.table).decode(entry.row, ++rowNumbers[entry.table]);
    if (!bulk) batch.push(row);
    else {
      bulk.row(row);
      if (bulk.full) yield* flush();
    }
    return false;
  };

  /** `complete` is false for the file's last bytes when they lack a final newline. */
  const region = function* (bytes: Buffer, complete: boolean): Generator<DumpEvent> {
    // The checksum covers every byte before the trailer line.
    let hashed = Boolean(trailer);
    const hashTo = (at: number) => {
      hash.update(bytes.subarray(0, at));
      hashed = true;
    };
    let at = 0;
    if (bulk && !trailer && isUtf8(bytes)) {
      // Line by line, in bytes; a line BulkLines does not take (another table's, the trailer, an
      // odd or bad row) is decoded and read as JSON.
      while (at < bytes.length) {
        let end = bytes.indexOf(0x0a, at);
        if (end < 0) end = bytes.length;
        lineNo++;
        if (!trailer && bulk && bulk.line(bytes, at, end)) {
          rowNumbers[run]++;
          if (bulk.full) yield* flush();
        } else if (yield* line(bytes.toString('utf8', at, end), !complete && end === bytes.length)) {
          hashTo(at);
        }
        at = end + 1;
      }
    } else {
      const lines = bytes.toString('utf8').split('\n');
      if (complete) lines.pop(); // the empty string after the final newline
      for (let k = 0; k < lines.length; k++) {
        lineNo++;
        if (yield* line(lines[k], !complete && k === lines.length - 1)) hashTo(k ? Buffer.byteLength(lines.slice(0, k).join('\n')) + 1 : 0);
      }
    }
    if (!hashed) hash.update(bytes);
  };

  // Bytes after the last newline so far, as chunks: a long line is joined once, when it ends.
  let carry: Buffer[] = [];
  let carried = 0;
  for await (const chunk of source) {
    const data = Buffer.from(chunk);
    const end = data.lastIndexOf(0x0a);
    if (end < 0) {
      carry.push(data);
      carried += data.length;
      if (carried > MAX_ROW_CHARS) {
        throw new DbPorterError('DUMP_INVALID', `NDJSON line ${lineNo + 1} is longer than ${MAX_ROW_CHARS / 1024 / 1024} MiB, more than a row may be: the file is damaged or not a dump. Nothing was written.`);
      }
      continue;
    }
    const lines = carry.length ? Buffer.concat([...carry, data.subarray(0, end + 1)]) : data.subarray(0, end + 1);
    carry = [data.subarray(end + 1)];
    carried = carry[0].length;
    yield* region(lines, true);
  }
  if (carried) yield* region(Buffer.concat(carry), false);
  yield* flush();

  if (!header) throw new DbPorterError('DUMP_INVALID', 'The NDJSON dump is empty: it has no header line.');
  if (!trailer) {
    throw new DbPorterError(
      'DUMP_TRUNCATED',
      `The NDJSON dump has no trailer line after line ${lineNo}: the file is truncated. Nothing was written; export it again.`,
    );
  }
  const checksum = `sha256:${hash.digest('hex')}`;
  if (checksum !== trailer.checksum) {
    throw new DbPorterError('DUMP_CHECKSUM', `The NDJSON dump's checksum does not match its content (expected ${trailer.checksum}, got ${checksum}): the file was changed or damaged. Nothing was written.`);
  }
  tally!.check(trailer.rowCounts, 'trailer');
  tally!.check(header.metadata.rowCounts, 'metadata');
}
