import * as assert from 'node:assert/strict';
import { lineCount, tabLines } from '../../src/core/engines/tab-lines';
import { joinPieces } from '../../src/core/archive/contents';
import type { EncodedRows } from '../../src/core/engines/adapter';
import type { Row } from '../../src/core/schema/model';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function* batches(rows: number, perBatch: number, width: number): AsyncIterable<Row[]> {
  for (let done = 0; done < rows; done += perBatch) {
    yield Array.from({ length: Math.min(perBatch, rows - done) }, (_, i) => [done + i, 'x'.repeat(width), null]);
  }
}

describe('bulk text in pieces', () => {
  it('cuts the text of large batches into pieces that end at line ends, and counts every row', async () => {
    const count = { rows: 0 };
    const pieces = await collect(tabLines(batches(3000, 1000, 200), [String, String, String], count));
    // 200,000 characters a batch: several pieces each, none much above 32K characters.
    assert.ok(pieces.length > 6, `${pieces.length} pieces`);
    for (const piece of pieces) {
      assert.ok(piece.endsWith('\n'));
      assert.ok(piece.length < 32 * 1024 + 300, `a piece of ${piece.length} characters`);
    }
    const text = pieces.join('');
    assert.equal(count.rows, 3000);
    assert.equal(lineCount(Buffer.from(text)), 3000);
    assert.equal(text.split('\n')[2999], `2999\t${'x'.repeat(200)}\t\\N`);
  });

  it('joins small pieces into half-megabyte ones, keeping every byte and the row counts', async () => {
    const small: EncodedRows[] = Array.from({ length: 300 }, (_, i) => ({ bytes: Buffer.from(`${i}\t${'y'.repeat(9000)}\n`), rows: 1 }));
    const joined = await collect(joinPieces((async function* () { yield* small; })()));
    assert.ok(joined.length > 1 && joined.length < 10, `${joined.length} pieces`);
    for (const piece of joined.slice(0, -1)) assert.ok(piece.bytes.length >= 512 * 1024);
    assert.deepEqual(Buffer.concat(joined.map((p) => p.bytes)), Buffer.concat(small.map((p) => p.bytes)));
    assert.equal(joined.reduce((n, p) => n + p.rows, 0), 300);
    for (const piece of joined) assert.equal(lineCount(piece.bytes), piece.rows);
  });
});
