import { StringDecoder } from 'node:string_decoder';
import type { Column, Row } from '../../schema/model';
import { throwIfAborted } from '../../errors';
import { fromMysql, toMysql, type MysqlRaw } from './types';

/**
 * The text LOAD DATA reads, as the adapter writes it: one row a line, fields separated by tabs,
 * NULL as \N, tab, newline, carriage return, NUL and backslash escaped with a backslash, bytes as
 * hex (the statement UNHEXes them). Bulk loads stream it to the server, and MySQL backups keep it
 * (kind mysql-tsv): what the server reads back is exactly what was read.
 */

/** One non-NULL portable value as a field. */
export function tsvField(column: Column): (v: unknown) => string {
  const convert = toMysql(column);
  if (column.type === 'bytes') return (v) => (convert(v) as Buffer).toString('hex');
  return (v) => escapeTsv(String(convert(v)));
}

/**
 * One non-NULL value as mysql2 read it (MysqlRaw) as a field: the same text tsvField writes for
 * its portable value, without making that value first (backups read a whole database).
 */
export function rawTsvField(column: Column): (v: unknown) => string {
  if (column.type === 'bytes') return (v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8')).toString('hex');
  if (column.type === 'boolean') {
    const truth = fromMysql(column);
    return (v) => (truth(v as MysqlRaw) ? '1' : '0');
  }
  return (v) => (typeof v === 'number' ? String(v) : escapeTsv(Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

function escapeTsv(text: string): string {
  return /[\\\t\n\r\0]/.test(text) ? text.replace(/[\\\t\n\r\0]/g, (c) => TSV_ESCAPES[c]) : text;
}

const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };
const TSV_UNESCAPES: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r', '0': '\0' };

/** A field back to a portable value: the inverse of tsvField. */
function fromTsvField(column: Column): (text: string) => unknown {
  const unescape = (text: string) => (text.includes('\\') ? text.replace(/\\(.)/g, (_, c: string) => TSV_UNESCAPES[c] ?? c) : text);
  if (column.type === 'bytes') return (text) => Buffer.from(text, 'hex').toString('base64');
  const convert = fromMysql(column);
  return (text) => convert(unescape(text));
}

const BATCH_ROWS = 2000;

/**
 * The text as batches of rows of portable values (in the order of `columns`): how a MySQL backup
 * goes into another engine, or shows its rows. A line with another number of fields than columns
 * is an error (plain, for the caller to say where the text came from).
 */
export async function* tsvRows(chunks: AsyncIterable<Buffer>, columns: Column[], signal?: AbortSignal): AsyncIterable<Row[]> {
  const converters = columns.map(fromTsvField);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let rowNumber = 0;
  let batch: Row[] = [];
  const parse = (line: string) => {
    rowNumber++;
    const fields = line.split('\t');
    if (fields.length !== converters.length) throw new Error(`row ${rowNumber} has ${fields.length} fields, not ${converters.length}`);
    const row: unknown[] = fields;
    for (let i = 0; i < fields.length; i++) row[i] = fields[i] === '\\N' ? null : converters[i](fields[i]);
    batch.push(row);
  };
  for await (const chunk of chunks) {
    const lines = (rest + decoder.write(chunk)).split('\n');
    rest = lines.pop()!;
    for (const line of lines) parse(line);
    if (batch.length >= BATCH_ROWS) {
      yield batch;
      batch = [];
      throwIfAborted(signal);
    }
  }
  rest += decoder.end();
  if (rest) throw new Error(`the text ends inside row ${rowNumber + 1}`);
  if (batch.length) yield batch;
}
