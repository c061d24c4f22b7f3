import type { Row } from '../schema/model';
import { throwIfAborted } from '../errors';

/** What a bulk load reports as it goes: rows handed to the engine so far. */
export interface LineCount {
  rows: number;
}

// Pieces stay small enough for V8's ordinary heap: larger strings each get memory of their own from
// the system and give it back, and the page faults of that cost more than the formatting itself.
const PIECE_CHARS = 32 * 1024;

/**
 * Rows as tab-separated text lines, NULL as \N: what PostgreSQL's COPY and MySQL's LOAD DATA both
 * read. `fields` turn each column's non-NULL values into escaped text (each engine escapes its own
 * way). Text comes in pieces of about PIECE_CHARS characters (a piece may be one packet on the
 * wire); `count.rows` and `onRows` follow the batches as they go.
 */
export async function* tabLines(
  batches: AsyncIterable<Row[]>,
  fields: Array<(v: unknown) => string>,
  count: LineCount,
  options: { signal?: AbortSignal; onRows?: (rows: number) => void } = {},
): AsyncIterable<string> {
  for await (const batch of batches) {
    throwIfAborted(options.signal);
    let text = '';
    for (const row of batch) {
      for (let i = 0; i < row.length; i++) {
        const v = row[i];
        text += (i ? '\t' : '') + (v === null ? '\\N' : fields[i](v));
      }
      text += '\n';
      if (text.length >= PIECE_CHARS) {
        yield text;
        text = '';
      }
    }
    count.rows += batch.length;
    if (text) yield text;
    options.onRows?.(count.rows);
  }
}

/** Rows in a piece of such text: its newlines (a newline inside a value is written as \n). */
export function lineCount(chunk: Buffer): number {
  let n = 0;
  for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) n++;
  return n;
}
