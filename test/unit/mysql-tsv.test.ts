import * as assert from 'node:assert/strict';
import { tabLines } from '../../src/core/engines/tab-lines';
import { tsvField } from '../../src/core/engines/mysql/tsv';
import { rowsFromNative } from '../../src/core/engines';
import type { Column, Row } from '../../src/core/schema/model';

const COLUMNS: Column[] = [
  { name: 'id', type: 'bigint', nullable: false },
  { name: 't', type: 'text', nullable: true },
  { name: 'b', type: 'bytes', nullable: true },
  { name: 'flag', type: 'boolean', nullable: true },
  { name: 'ts', type: 'timestamp', nullable: true },
  { name: 'n', type: 'decimal', nullable: true },
];

/** Rows through the text a MySQL backup keeps, and back, the text cut into pieces at `cut`. */
async function roundTrip(rows: Row[], cut?: number): Promise<Row[]> {
  const bytes = Buffer.from(await textOf(rows), 'utf8');
  const pieces = cut === undefined ? [bytes] : [bytes.subarray(0, cut), bytes.subarray(cut)];
  const out: Row[] = [];
  for await (const batch of rowsFromNative('mysql-tsv', COLUMNS, (async function* () { yield* pieces; })())) out.push(...batch);
  return out;
}

describe('MySQL LOAD DATA text (mysql-tsv backups)', () => {
  const rows: Row[] = [
    ['9007199254740993', 'tab\there\nnew line\r\\back\\\\slash \\N \0 nul', Buffer.from([0, 0x5c, 0x0a, 0x09]).toString('base64'), true, '2024-02-29T23:59:59.123456', '12345678901234567890.0123456789'],
    [2, '\\N', '', false, '1970-01-01T00:00:00', '-0.5'],
    [3, null, null, null, null, null],
    [4, '', null, true, null, '0'],
    [5, 'héllo 🎉 東京', null, null, null, null],
  ];

  it('reads back every value it wrote: escapes, \\N as text, NULL, empty strings, bytes, big numbers', async () => {
    assert.deepEqual(await roundTrip(rows), rows);
  });

  it('reads rows split anywhere, even inside a UTF-8 character or an escape', async () => {
    const length = Buffer.byteLength((await textOf(rows)), 'utf8');
    for (let cut = 1; cut < length; cut++) assert.deepEqual(await roundTrip(rows, cut), rows, `cut at byte ${cut}`);
  });

  it('refuses a row with another number of fields, and text that ends inside a row', async () => {
    const read = async (text: string) => {
      for await (const batch of rowsFromNative('mysql-tsv', COLUMNS, (async function* () { yield Buffer.from(text); })())) void batch;
    };
    await assert.rejects(read('1\ta\n'), /row 1 has 2 fields, not 6/);
    await assert.rejects(read('1\ta\t\\N\t1\t\\N\t1'), /ends inside row 1/);
  });
});

/** The text of `rows`, as the adapter writes it. */
async function textOf(rows: Row[]): Promise<string> {
  let text = '';
  for await (const piece of tabLines((async function* () { yield rows; })(), COLUMNS.map(tsvField), { rows: 0 })) text += piece;
  return text;
}
