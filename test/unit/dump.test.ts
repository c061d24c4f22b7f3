import * as assert from 'node:assert/strict';
import { errorCode } from '../helpers/errors';
import type { Row } from '../../src/core/schema/model';
import { readAll, sampleTable, writeDump } from '../helpers/dumps';

const rows: Row[] = [
  ['9223372036854775807', 'émoji 🎉 and עברית', '12345678901234567890.1234567890', 'AAH/', '1969-07-20T20:17:40Z'],
  [2, '', null, '', null],
  [3, null, '0.5', null, '2024-02-29T23:59:59.999999Z'],
];

describe('dump format v1', () => {
  for (const format of ['json', 'ndjson'] as const) {
    for (const indent of format === 'json' ? [undefined, 2] : [undefined]) {
      it(`round-trips rows through ${format}${indent ? ' with indentation' : ''}, read in small chunks`, async () => {
        const text = await writeDump(format, [{ table: sampleTable, rows }, { table: { ...sampleTable, name: 'empty' }, rows: [] }], indent);
        if (format === 'json') JSON.parse(text); // the JSON container is plain JSON
        const back = await readAll(text, format, 5);
        assert.deepEqual(back.rows.items, rows);
        assert.equal(back.rows.empty, undefined);
        assert.equal(back.header.metadata.rowCounts.items, 3);
      });
    }
  }

  it('writes one row per line in compact JSON', async () => {
    const text = await writeDump('json', [{ table: sampleTable, rows }]);
    assert.equal(text.split('\n').filter((l) => l.startsWith('{"id"')).length, 3);
  });

  it('reads rows that each sit on a line of their own the same as the character scan does', async () => {
    // Whole-file chunks take the line-at-a-time path; 7-byte chunks never hold a whole line.
    const tricky: Row[] = [...rows, [4, 'a "},\n{" inside', '1', null, null], [5, '}', '2', null, null]];
    const text = await writeDump('json', [{ table: sampleTable, rows: tricky }]);
    for (const variant of [text, text.replace(/\n/g, '\r\n'), text.replace(/,\n\{/g, ' ,\n {')]) {
      assert.deepEqual((await readAll(variant, 'json', variant.length)).rows.items, tricky);
      assert.deepEqual((await readAll(variant, 'json', 7)).rows.items, tricky);
    }
    const broken = text.replace('"name":""', '"name":""x');
    for (const size of [broken.length, 7]) await assert.rejects(readAll(broken, 'json', size), errorCode('DUMP_INVALID', /row 2 of table "items"/));
  });

  it('refuses malformed JSON, naming where', async () => {
    const text = (await writeDump('json', [{ table: sampleTable, rows }])).replace('"name":""', '"name":""x');
    await assert.rejects(readAll(text, 'json'), errorCode('DUMP_INVALID', /row 2 of table "items"/));
  });

  it('refuses truncated JSON', async () => {
    const text = await writeDump('json', [{ table: sampleTable, rows }]);
    await assert.rejects(readAll(text.slice(0, text.length - 40), 'json'), errorCode('DUMP_TRUNCATED', /truncated/));
  });

  it('refuses NDJSON without its trailer', async () => {
    const text = await writeDump('ndjson', [{ table: sampleTable, rows }]);
    const cut = text.split('\n').slice(0, -2).join('\n') + '\n';
    await assert.rejects(readAll(cut, 'ndjson'), errorCode('DUMP_TRUNCATED', /no trailer/));
  });

  it('refuses NDJSON whose content does not match its checksum', async () => {
    const text = (await writeDump('ndjson', [{ table: sampleTable, rows }])).replace('"name":""', '"name":"y"');
    await assert.rejects(readAll(text, 'ndjson'), errorCode('DUMP_CHECKSUM'));
  });

  it('refuses a row that contradicts its schema, naming table, row and column', async () => {
    const text = (await writeDump('json', [{ table: sampleTable, rows }])).replace('"price":"0.5"', '"price":"zero point five"');
    await assert.rejects(readAll(text, 'json'), errorCode('DUMP_INVALID', /Table "items", row 3, column "price"/));
  });

  it('refuses NULL in a NOT NULL column', async () => {
    const text = (await writeDump('ndjson', [{ table: sampleTable, rows }])).replace('"id":2', '"id":null');
    await assert.rejects(readAll(text, 'ndjson'), errorCode('DUMP_INVALID', /column "id".*NOT NULL/));
  });

  it('refuses unknown columns and tables', async () => {
    const unknownColumn = (await writeDump('json', [{ table: sampleTable, rows }])).replace('"name":""', '"nom":""');
    await assert.rejects(readAll(unknownColumn, 'json'), errorCode('UNKNOWN_COLUMN', /"nom"/));
    const unknownTable = (await writeDump('ndjson', [{ table: sampleTable, rows }])).replace(/"table":"items"/g, '"table":"things"');
    await assert.rejects(readAll(unknownTable, 'ndjson'), errorCode('UNKNOWN_TABLE', /"things"/));
  });

  it('refuses a JSON dump whose rows disagree with its row counts', async () => {
    const text = (await writeDump('json', [{ table: sampleTable, rows }])).replace('"rowCounts":{"items":3}', '"rowCounts":{"items":4}');
    await assert.rejects(readAll(text, 'json'), errorCode('DUMP_TRUNCATED', /says table "items" has 4 rows, but 3/));
  });

  it('refuses something that is not a dump', async () => {
    await assert.rejects(readAll('{"hello": "world", "data": {}}', 'json'), errorCode('DUMP_INVALID', /not a DB Porter dump header/));
    await assert.rejects(readAll('', 'ndjson'), errorCode('DUMP_INVALID', /empty/));
    await assert.rejects(readAll('[1,2,3]', 'json'), errorCode('DUMP_INVALID'));
  });
});
