import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { BulkLines, type BulkRequest } from '../../src/core/dump/bulk-text';
import { RowDecoder } from '../../src/core/dump/rows';
import { nativeField, type NativeFormat } from '../../src/core/engines';
import type { Row, Table } from '../../src/core/schema/model';
import { DbPorterError } from '../../src/core/errors';
import { portableValue } from '../../src/core/values';
import { readAsText, writeDump } from '../helpers/dumps';

/**
 * BulkLines writes a dump's row lines straight into an engine's bulk text. Whatever it takes must
 * come out exactly as the ordinary way gives it (JSON.parse, the row checks, the engine's field
 * functions); whatever the ordinary way refuses it must hand back untouched, so that the ordinary
 * way says what is wrong.
 */

const table: Table = {
  name: 'all_types',
  columns: [
    { name: 'id', type: 'integer', nullable: false },
    { name: 'small', type: 'smallint', nullable: true },
    { name: 'big', type: 'bigint', nullable: true },
    { name: 'flag', type: 'boolean', nullable: false },
    { name: 'amount', type: 'decimal', precision: 12, scale: 2, nullable: true },
    { name: 'r', type: 'real', nullable: true },
    { name: 'd', type: 'double', nullable: true },
    { name: 't', type: 'text', nullable: true },
    { name: 'u', type: 'uuid', nullable: true },
    { name: 'b', type: 'bytes', nullable: true },
    { name: 'day', type: 'date', nullable: true },
    { name: 'tm', type: 'time', nullable: true },
    { name: 'ts', type: 'timestamp', nullable: false },
    { name: 'tz', type: 'timestamptz', nullable: true },
    { name: 'doc', type: 'json', nullable: true },
  ],
  primaryKey: ['id'],
  uniques: [],
  foreignKeys: [],
  indexes: [],
};

const FORMATS: NativeFormat[] = ['postgres-copy', 'mysql-tsv'];
const doubleAt = table.columns.findIndex((c) => c.type === 'double');

/** The ordinary way: the line's row read and checked, then formatted field by field. Throws where a row is refused. */
function ordinary(line: string, format: NativeFormat): { text: string; row: Row } {
  const entry = JSON.parse(line) as { row: unknown };
  const row = new RowDecoder(table).decode(entry.row, 1);
  const fields = table.columns.map(nativeField(format));
  const text = row.map((v, i) => (v === null ? '\\N' : fields[i](v))).join('\t') + '\n';
  // As the server gets it: in UTF-8, where a lone surrogate becomes U+FFFD.
  return { text: Buffer.from(text).toString('utf8'), row };
}

/** The line through BulkLines: its text when taken, undefined when handed back (and then nothing may be written). */
function bulk(line: string, request: BulkRequest): { text: string; key: unknown } | undefined {
  const lines = new BulkLines(table, request);
  const bytes = Buffer.from(line);
  const took = lines.line(bytes, 0, bytes.length);
  const piece = lines.take();
  if (!took) {
    assert.equal(piece, undefined, 'a line handed back left text behind');
    return undefined;
  }
  assert.ok(piece);
  assert.equal(piece.rows, 1);
  return { text: piece.text.toString('utf8'), key: piece.singles[0] };
}

/** Equal texts; a double may differ in how it is written when the table was created, never in its value. */
function assertSameText(got: string, want: string, createdTable: boolean, line: string): void {
  if (!createdTable) return assert.equal(got, want, line);
  const a = got.split('\t');
  const b = want.split('\t');
  assert.equal(a.length, b.length, line);
  a.forEach((field, i) => {
    if (i === doubleAt && field !== '\\N') assert.equal(Number(field), Number(b[i]), `${line}: column d`);
    else assert.equal(field, b[i], `${line}: column ${table.columns[i].name}`);
  });
}

/** Checks one line both ways: BulkLines takes it only when the ordinary way reads it, and then writes the same. */
function check(line: string): 'taken' | 'handed back' {
  let outcome: 'taken' | 'handed back' | undefined;
  for (const format of FORMATS) {
    for (const createdTable of [true, false]) {
      const request: BulkRequest = { field: nativeField(format), keys: [0], createdTable };
      let want: { text: string; row: Row } | undefined;
      try {
        want = ordinary(line, format);
      } catch (err) {
        if (!(err instanceof SyntaxError || err instanceof DbPorterError)) throw err;
      }
      const got = bulk(line, request);
      if (got) {
        assert.ok(want, `BulkLines took a line the ordinary way refuses: ${line}`);
        assertSameText(got.text, want.text, createdTable, line);
        assert.equal(got.key, want.row[0]);
      }
      const now = got ? 'taken' : 'handed back';
      // Formats differ in field texts only; what is taken does not depend on them.
      if (createdTable) assert.equal(outcome ?? now, now, `${format} took differently: ${line}`);
      outcome ??= now;
    }
  }
  return outcome!;
}

const VALUES: Record<string, string[]> = {
  integer: ['1', '-1', '0', '-0', '2147483647', '2147483648', '-2147483648', '1.0', '1e2', '007', '"12"', '123456789012345', '1.5'],
  bigint: ['9007199254740991', '9007199254740993', '-9223372036854775808', '"9223372036854775807"', '"9223372036854775808"', '999999999999999', '1000000000000000'],
  boolean: ['true', 'false', '1', '"true"'],
  decimal: ['"12.50"', '"-0.5"', '"-.5"', '".5"', '"5."', '"."', '"-"', '""', '"NaN"', '12.5', '1e20', '"1e5"', '"00012.50"', '"1 2"'],
  number: ['0.1', '27.123609324917197', '-0.0', '-0', '0', '1e300', '1e400', '-1e-400', '123456789012345678901234567', '0.30000000000000004', '"NaN"', '"Infinity"', '"-Infinity"', '"1.5"', '5e-324', '100'],
  text: ['"plain"', '""', '"tab\\there"', '"new\\nline"', '"cr\\r"', '"back\\\\slash"', '"quote\\"d"', '"sl\\/ash"', '"\\b\\f"', '"\\u00e9t\\u00e9"', '"\\u0000"', '"\\ud83d\\ude00"', '"\\ud800"', '"émigré 東京"', '"tab\there"', '"\\x"', '5', 'true'],
  uuid: ['"123e4567-e89b-12d3-a456-426614174000"', '"123E4567-E89B-12D3-A456-426614174000"', '"not-a-uuid"'],
  bytes: ['"AAEC"', '"AAE="', '"AA=="', '"AAE"', '"*"', '""'],
  date: ['"2024-01-31"', '"2024-13-01"', '"0000-01-01"', '"0001-01-01"', '"2024-1-31"', '"2024-01-32"', '"2024-01-00"', '"2024-01-31 "', '"2a24-01-01"'],
  time: ['"13:45:00"', '"24:00:00"', '"25:00:00"', '"13:45:00.123456"', '"13:45"'],
  timestamp: [
    '"2024-01-31T13:45:00"',
    '"2024-01-31 13:45:00"',
    '"2024-01-31T13:45:00.123456789"',
    '"2024-01-31T13:45:00.1234567890"',
    '"2024-01-31T13:45:00."',
    '"2024-01-31T24:00:00"',
    '"2024-01-31T13:60:00"',
    '"2024-01-31T13:45:60"',
    '"2024-01-31T13:45:61"',
    '"0000-01-31T13:45:00"',
    '"0050-01-31T13:45:00"',
    '"2024-01-31X13:45:00"',
    '"2024-01-31T13:45:00Z"',
    '"2024-01-31T13:45"',
    '"20a4-01-31T13:45:00"',
    '"2024-0a-31T13:45:00"',
    '"2024-01-31T1a:45:00"',
    '"2024\\u002d01-31T13:45:00"',
  ],
  timestamptz: ['"2024-01-31T13:45:00Z"', '"2024-01-31T13:45:00+02:00"', '"2024-01-31 13:45:00.5z"', '"2024-01-31T13:45:00"'],
  json: ['"{\\"a\\":1}"', '"[1,2]"', '"{\\"a\\":}"', '"1"', '"\\"s\\""', '"{\\"s\\":\\"a\\\\nb\\"}"', '"{}x"', '""', '"nul"', '{"a":1}', '[1]'],
  any: ['null', 'true', '"x"', '0', '[]', '{}', 'nul', '"unterminated', '1,', '"a"b'],
};

const kinds: Record<string, string[]> = {
  integer: ['integer', 'any'],
  smallint: ['integer', 'any'],
  bigint: ['integer', 'bigint', 'any'],
  boolean: ['boolean', 'any'],
  decimal: ['decimal', 'number', 'any'],
  real: ['number', 'any'],
  double: ['number', 'integer', 'any'],
  text: ['text', 'any'],
  uuid: ['uuid', 'text', 'any'],
  bytes: ['bytes', 'any'],
  date: ['date', 'timestamp', 'any'],
  time: ['time', 'any'],
  timestamp: ['timestamp', 'date', 'any'],
  timestamptz: ['timestamptz', 'timestamp', 'any'],
  json: ['json', 'text', 'any'],
};

/** The candidates a column takes, by the ordinary check. */
function validFor(index: number): string[] {
  const column = table.columns[index];
  return kinds[column.type]
    .flatMap((k) => VALUES[k])
    .filter((text) => {
      try {
        portableValue(column, JSON.parse(text));
        return true;
      } catch {
        return false;
      }
    });
}

/** A JSON text for a column: mostly one it takes, now and then an odd or bad one, so that about a third of all rows are valid. */
const valueFor = (index: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 40, arbitrary: fc.constantFrom(...validFor(index)) },
    { weight: 1, arbitrary: fc.constantFrom(...kinds[table.columns[index].type].flatMap((k) => VALUES[k])) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map((s) => JSON.stringify(s)) },
    { weight: 1, arbitrary: fc.double().map((n) => JSON.stringify(n) ?? 'null') },
    { weight: 1, arbitrary: fc.integer().map(String) },
  );

const TYPICAL = ['7', 'null', '9007199254740991', 'true', '"12.50"', '1.5', '27.123609324917197', '"a\\tb \\"c\\" émigré"', 'null', 'null', '"2024-01-31"', 'null', '"2024-01-31T13:45:00"', 'null', '"{\\"tags\\":[\\"x\\"],\\"ok\\":true}"'];

function lineOf(values: string[]): string {
  return `{"table":"all_types","row":{${table.columns.map((c, i) => `${JSON.stringify(c.name)}:${values[i]}`).join(',')}}}`;
}

describe('bulk text from dump lines (BulkLines)', function () {
  this.timeout(120_000);

  it('takes a row line as dbporter export writes it, and writes what the ordinary way writes', () => {
    assert.equal(check(lineOf(TYPICAL)), 'taken');
    const lines = new BulkLines(table, { field: nativeField('postgres-copy'), keys: [0], createdTable: true });
    const bytes = Buffer.from(lineOf(TYPICAL));
    assert.ok(lines.line(bytes, 0, bytes.length));
    assert.equal(lines.take()!.text.toString(), '7\t\\N\t9007199254740991\tt\t12.50\t1.5\t27.123609324917197\ta\\tb "c" émigré\t\\N\t\\N\t2024-01-31\t\\N\t2024-01-31T13:45:00\t\\N\t{"tags":["x"],"ok":true}\n');
  });

  it('hands back lines in another shape: spaces, keys out of order, missing or extra keys, another table, trailing text', () => {
    const line = lineOf(TYPICAL);
    // Either way is right for these, as long as the outcome is the same.
    check(line.replace('"id":7', '"id": 7'));
    check(line.replace('"d":27.123609324917197', '"d":2.7123609324917197e1'));
    const odd = [
      line.replace('{"table":"all_types","row":{', '{"table": "all_types","row":{'),
      line.replace('"small":null,', ''),
      line.replace('"small":null', '"smal":null'),
      line.replace('}}', ',"extra":1}}'),
      line.replace('"id":7,', '"id":7,"id":8,'),
      line.replace('all_types', 'other'),
      line + ' ',
      line + '\r',
      line.slice(0, -1),
    ];
    for (const text of odd) {
      assert.equal(check(text), 'handed back', text);
    }
  });

  it('agrees with the ordinary way on every line it takes (generated values, odd and bad ones too)', () => {
    let taken = 0;
    let tried = 0;
    fc.assert(
      fc.property(fc.tuple(...table.columns.map((_, i) => valueFor(i))), (values) => {
        tried++;
        if (check(lineOf(values)) === 'taken') taken++;
      }),
      { numRuns: 4000 },
    );
    // Both outcomes must occur, or the property proves little.
    assert.ok(taken > tried / 20 && taken < tried, `${taken} of ${tried} taken`);
  });

  it('agrees with the ordinary way on lines with bytes changed', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...'"\\,:{}[]0-. Ntn\t\u00e9'.split('')), fc.boolean(), (at, char, insert) => {
        const line = lineOf(TYPICAL);
        const i = at % line.length;
        check(line.slice(0, i) + char + line.slice(insert ? i : i + 1));
      }),
      { numRuns: 3000 },
    );
  });

  it('every value of every column of a row read the ordinary way formats as its field', () => {
    const lines = new BulkLines(table, { field: nativeField('mysql-tsv'), keys: [0], createdTable: false });
    const want = ordinary(lineOf(TYPICAL), 'mysql-tsv');
    lines.row(want.row);
    const piece = lines.take()!;
    assert.equal(piece.text.toString(), want.text);
    assert.deepEqual(piece.singles, [7]);
  });
});

/** An NDJSON dump with its trailer's checksum made to match its other bytes again. */
function resign(bytes: Buffer): Buffer {
  const at = bytes.lastIndexOf('\n{"trailer"');
  const trailer = JSON.parse(bytes.subarray(at + 1).toString()) as { trailer: { checksum: string } };
  trailer.trailer.checksum = `sha256:${createHash('sha256').update(bytes.subarray(0, at + 1)).digest('hex')}`;
  return Buffer.concat([bytes.subarray(0, at + 1), Buffer.from(JSON.stringify(trailer) + '\n')]);
}

describe('reading dumps as bulk text', function () {
  this.timeout(120_000);
  const small: Table = { ...table, name: 'small', columns: table.columns.slice(0, 4) };
  const rowsOf = (n: number, offset = 0): Row[] =>
    Array.from({ length: n }, (_, i) => [
      i + 1 + offset,
      i % 3 ? null : i,
      2 ** 53 - 1 - i,
      i % 2 === 0,
      `${i}.25`,
      i / 7,
      i * 1.5,
      i % 5 ? `text ${i}\t\n\\ "émigré"` : null,
      null,
      i % 4 ? null : 'AAEC',
      '2024-02-29',
      '23:59:59',
      `2024-01-31T13:45:${String(i % 60).padStart(2, '0')}`,
      '2024-01-31T13:45:00Z',
      JSON.stringify({ i, s: 'a"b\\c' }),
    ]);

  for (const dumpFormat of ['ndjson', 'json'] as const) {
    it(`${dumpFormat}: gives the same text as rows formatted, with other tables as rows, at any chunk size`, async () => {
      const dump = Buffer.from(
        await writeDump(dumpFormat, [
          { table, rows: rowsOf(700) },
          { table: small, rows: rowsOf(50).map((r) => r.slice(0, 4)) },
        ]),
      );
      for (const format of FORMATS) {
        const want = await readAsText(dump, 64 * 1024, format, [], dumpFormat);
        for (const chunk of [1, 7, 4096, 1 << 20]) {
          const got = await readAsText(dump, chunk, format, ['all_types'], dumpFormat);
          assert.deepEqual(got.text, want.text, `${format}, chunks of ${chunk}`);
          assert.equal(got.bulkRows, 700);
        }
      }
    });
  }

  it('json: rows laid out otherwise (indented, several on a line) are read the ordinary way into the same text', async () => {
    const rows = rowsOf(30);
    const indented = Buffer.from(await writeDump('json', [{ table, rows }], 2));
    const compact = Buffer.from(JSON.stringify(JSON.parse(indented.toString())));
    const want = await readAsText(indented, 4096, 'postgres-copy', [], 'json');
    for (const dump of [indented, compact]) {
      const got = await readAsText(dump, 13, 'postgres-copy', ['all_types'], 'json');
      assert.deepEqual(got.text, want.text);
      assert.equal(got.bulkRows, 30);
    }
  });

  it('ndjson: refuses a damaged dump as the ordinary reading does: same error, nothing more read', async () => {
    const dump = await writeDump('ndjson', [{ table, rows: rowsOf(40) }]);
    const lines = dump.split('\n');
    const damaged = [
      // a bad value in a row
      lines.map((l, i) => (i === 20 ? l.replace('"flag":true', '"flag":1').replace('"flag":false', '"flag":1') : l)).join('\n'),
      // NOT NULL column given null
      lines.map((l, i) => (i === 5 ? l.replace(/"ts":"[^"]*"/, '"ts":null') : l)).join('\n'),
      // a changed value: the checksum no longer matches
      dump.replace('text 1\\t', 'text 9\\t'),
      // cut off before the trailer
      lines.slice(0, 30).join('\n'),
      // a row after the trailer
      dump + lines[3] + '\n',
      // bytes that are not UTF-8 inside a text, checksum made to match: read, the bytes replaced by U+FFFD as decoding does
      resign(Buffer.concat([Buffer.from(dump.slice(0, dump.indexOf('émigré'))), Buffer.from([0xff, 0xfe]), Buffer.from(dump.slice(dump.indexOf('émigré')))])),
    ];
    for (const [n, text] of damaged.entries()) {
      const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
      const outcome = async (bulkTables: string[]) => {
        try {
          return { read: await readAsText(bytes, 1000, 'postgres-copy', bulkTables) };
        } catch (err) {
          assert.ok(err instanceof DbPorterError, `case ${n}: ${String(err)}`);
          return { error: `${err.code}: ${err.message}` };
        }
      };
      const ordinaryWay = await outcome([]);
      const bulkWay = await outcome(['all_types']);
      if (n < 5) assert.ok(ordinaryWay.error, `case ${n} should be refused`);
      assert.deepEqual(bulkWay.error, ordinaryWay.error, `case ${n}`);
      if (!ordinaryWay.error) assert.deepEqual(bulkWay.read!.text, ordinaryWay.read!.text, `case ${n}`);
      if (n === 5) assert.match(bulkWay.read!.text.all_types, /\ufffd/);
    }
  });

  it('json: refuses a damaged dump as the ordinary reading does', async () => {
    const dump = await writeDump('json', [{ table, rows: rowsOf(40) }]);
    const lines = dump.split('\n');
    const row = lines.findIndex((l) => l.startsWith('{"id":20,'));
    const damaged = [
      lines.map((l, i) => (i === row ? l.replace(/"flag":(true|false)/, '"flag":1') : l)).join('\n'),
      lines.map((l, i) => (i === row ? l.replace(/"ts":"[^"]*"/, '"ts":null') : l)).join('\n'),
      lines.map((l, i) => (i === row ? l.replace('"id":20,', '"id":20,,') : l)).join('\n'),
      lines.slice(0, row + 3).join('\n'),
    ];
    for (const [n, text] of damaged.entries()) {
      const outcome = async (bulkTables: string[]) => {
        try {
          await readAsText(Buffer.from(text), 1000, 'mysql-tsv', bulkTables, 'json');
          return 'read';
        } catch (err) {
          assert.ok(err instanceof DbPorterError, `case ${n}: ${String(err)}`);
          return `${err.code}: ${err.message}`;
        }
      };
      const ordinaryWay = await outcome([]);
      assert.notEqual(ordinaryWay, 'read', `case ${n} should be refused`);
      assert.equal(await outcome(['all_types']), ordinaryWay, `case ${n}`);
    }
  });
});
