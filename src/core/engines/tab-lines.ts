import type { Row } from '../schema/model';
import type { EncodedRows } from './adapter';
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

/**
 * Pieces of bulk text joined as bytes into about half a megabyte each: what a backup writes into a
 * gzipped archive entry, where a few large writes compress faster than many small ones (a MySQL
 * backup 8 s -> 7 s; the server's COPY output comes in pieces of about 10 KB).
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
