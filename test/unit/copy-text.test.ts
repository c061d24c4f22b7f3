import * as assert from 'node:assert/strict';
import { CopyTextParser, escapeField, unescapeField } from '../../src/core/engines/postgres/copy-text';
import { lineCount } from '../../src/core/engines/tab-lines';
import { rowsFromNative } from '../../src/core/engines';
import type { Column, Row } from '../../src/core/schema/model';

async function allRows(columns: Column[], chunks: Buffer[]): Promise<Row[]> {
  const rows: Row[] = [];
  const bytes = (async function* () {
    yield* chunks;
  })();
  for await (const batch of rowsFromNative('postgres-copy', columns, bytes)) rows.push(...batch);
  return rows;
}

describe('PostgreSQL COPY text format', () => {
  it('round-trips tabs, newlines, backslashes and unicode', () => {
    for (const s of ['plain', 'a\tb', 'line\nbreak\r', 'back\\slash', '\\N', 'عربى 🎉']) {
      assert.equal(unescapeField(escapeField(s)), s);
    }
  });

  it('parses rows split anywhere, even inside a UTF-8 character', () => {
    const text = Buffer.from('1\théllo 🎉\t\\N\n2\ta\\tb\t\\\\x00ff\n', 'utf8');
    for (let cut = 1; cut < text.length; cut++) {
      const parser = new CopyTextParser();
      const rows = [...parser.push(text.subarray(0, cut)), ...parser.push(text.subarray(cut))];
      parser.finish();
      assert.deepEqual(rows, [
        ['1', 'héllo 🎉', null],
        ['2', 'a\tb', '\\x00ff'],
      ]);
    }
  });

  it('notices output that stops inside a row', () => {
    const parser = new CopyTextParser();
    parser.push(Buffer.from('1\tabc'));
    assert.throws(() => parser.finish(), /middle of a row/);
  });

  it('turns COPY text into portable values, wherever the chunks end', async () => {
    const columns: Column[] = [
      { name: 'id', type: 'bigint', nullable: false },
      { name: 'ok', type: 'boolean', nullable: true },
      { name: 'x', type: 'double', nullable: true },
      { name: 'raw', type: 'bytes', nullable: true },
      { name: 'at', type: 'timestamptz', nullable: true },
      { name: 'note', type: 'text', nullable: true },
    ];
    const text = Buffer.from('9007199254740993\tt\tNaN\t\\\\x00ff\t2024-01-01 10:00:00.5+00\tline\\none\n1\t\\N\t-1.5\t\\N\t\\N\t\n');
    const expected = [
      ['9007199254740993', true, 'NaN', Buffer.from([0, 255]).toString('base64'), '2024-01-01T10:00:00.5Z', 'line\none'],
      [1, null, -1.5, null, null, ''],
    ];
    for (let cut = 0; cut <= text.length; cut += 7) assert.deepEqual(await allRows(columns, [text.subarray(0, cut), text.subarray(cut)]), expected);
    assert.equal(lineCount(text), 2);
  });

  it('refuses a row with more or fewer fields than columns, and text cut inside a row', async () => {
    const columns: Column[] = [
      { name: 'a', type: 'integer', nullable: true },
      { name: 'b', type: 'text', nullable: true },
    ];
    await assert.rejects(allRows(columns, [Buffer.from('1\tx\n2\n')]), /row 2 has 1 fields, not 2/);
    await assert.rejects(allRows(columns, [Buffer.from('1\tx\t3\n')]), /row 1 has 3 fields, not 2/);
    await assert.rejects(allRows(columns, [Buffer.from('1\tx\n2\ty')]), /middle of a row/);
  });
});
