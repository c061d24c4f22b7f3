import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { openAdapter, withAdapter } from '../../src/core/engines';
import { copyDatabase } from '../../src/core/copy';
import { importDump } from '../../src/core/import';
import type { Engine } from '../../src/core/url';
import { createTestDatabase, execSql, requireServer, type TestDatabase } from '../helpers/servers';
import { exportToFile, readTable, tempDir } from '../helpers/data';

/**
 * The lossless-values table: each case the dump format promises, stored natively in each engine,
 * then moved through JSON and NDJSON (and, for the servers, through SQLite and back) and compared
 * value for value.
 */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const HEX = ALL_BYTES.toString('hex');
const TEXT = '🎉 emoji, עברית and مرحبا (right to left), 中文, "quotes", back\\slash, tab\tnew\nline, carriage\rreturn, a literal \\N that is not NULL';
const BIG_JSON = '{"a": [1, 2.5, "x", null, true], "big": 12345678901234567890123}';
const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;

interface Case {
  create: string;
  rows: string;
  /** Values the adapter must read back exactly for row 1 and row 2 (beyond the round trip). */
  expect: Array<Record<string, unknown>>;
}

const CASES: Record<Engine, Case> = {
  postgres: {
    create: `CREATE TABLE lossless (id integer PRIMARY KEY, big bigint, small smallint, flag boolean, price numeric(40,20), free numeric,
      r real, d double precision, name text, code varchar(20), raw bytea, day date, clock time, at timestamp(6), atz timestamptz(6), doc jsonb, uid uuid)`,
    rows: `INSERT INTO lossless VALUES
      (1, 9223372036854775807, 32767, true, '12345678901234567890.12345678901234567890', '0.000000000000000000000000001',
       1.5, 1.7976931348623157e308, ${sqlText(TEXT)}, '', '\\x${HEX}', '1969-07-20', '23:59:59.999999', '1901-12-13 20:45:52.123456',
       '1960-01-01 00:00:00.5+00', ${sqlText(BIG_JSON)}, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
      (2, -9223372036854775808, -32768, false, '-0.00000000000000000001', '-99999999999999999999999999.9',
       -1.25, 5e-324, NULL, NULL, '', '0001-01-01', '00:00:00', '1970-01-01 00:00:00', '2038-01-19 03:14:08+00', 'null', NULL),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    expect: [
      { big: '9223372036854775807', small: 32767, flag: true, price: '12345678901234567890.12345678901234567890', free: '0.000000000000000000000000001', name: TEXT, code: '', raw: ALL_BYTES.toString('base64'), day: '1969-07-20', at: '1901-12-13T20:45:52.123456', atz: '1960-01-01T00:00:00.5Z' },
      { big: '-9223372036854775808', small: -32768, flag: false, name: null, raw: '', day: '0001-01-01', doc: 'null', d: 5e-324 },
    ],
  },
  mysql: {
    create: `CREATE TABLE lossless (id INT PRIMARY KEY, big BIGINT, small SMALLINT, flag BOOLEAN, price DECIMAL(40,20), free DECIMAL(65,30),
      r FLOAT, d DOUBLE, name LONGTEXT, code VARCHAR(20), raw LONGBLOB, day DATE, clock TIME(6), at DATETIME(6), atz TIMESTAMP(6) NULL,
      doc JSON, uid CHAR(36)) CHARACTER SET utf8mb4`,
    rows: `INSERT INTO lossless VALUES
      (1, 9223372036854775807, 32767, true, '12345678901234567890.12345678901234567890', '0.000000000000000000000000000001',
       1.5, 1.7976931348623157e308, ${sqlText(TEXT).replace(/\\/g, '\\\\')}, '', X'${HEX}', '1969-07-20', '23:59:59.999999', '1901-12-13 20:45:52.123456',
       '2038-01-19 03:14:07.5', ${sqlText(BIG_JSON)}, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
      (2, -9223372036854775808, -32768, false, '-0.00000000000000000001', '-99999999999999999999999999.9',
       -1.25, 2.2250738585072014e-308, NULL, NULL, X'', '1000-01-01', '00:00:00', '1970-01-01 00:00:00', '1970-01-01 00:00:01', 'null', NULL),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    expect: [
      { big: '9223372036854775807', small: 32767, flag: true, price: '12345678901234567890.12345678901234567890', name: TEXT, code: '', raw: ALL_BYTES.toString('base64'), day: '1969-07-20', at: '1901-12-13T20:45:52.123456', atz: '2038-01-19T03:14:07.500000Z', doc: BIG_JSON },
      { big: '-9223372036854775808', small: -32768, flag: false, name: null, raw: '', doc: 'null' },
    ],
  },
  sqlite: {
    create: `CREATE TABLE lossless (id INTEGER PRIMARY KEY, big BIGINT, small SMALLINT, flag BOOLEAN, price DECIMAL TEXT(40,20), free DECIMAL TEXT,
      r REAL, d DOUBLE, name TEXT, code VARCHAR(20), raw BLOB, day DATE, clock TIME, at DATETIME, atz TIMESTAMPTZ, doc JSON, uid UUID)`,
    rows: `INSERT INTO lossless VALUES
      (1, 9223372036854775807, 32767, 1, '12345678901234567890.12345678901234567890', '0.000000000000000000000000001',
       1.5, 1.7976931348623157e308, ${sqlText(TEXT)}, '', X'${HEX}', '1969-07-20', '23:59:59.999999', '1901-12-13 20:45:52.123456',
       '1960-01-01 00:00:00.5Z', ${sqlText(BIG_JSON)}, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
      (2, -9223372036854775808, -32768, 0, '-0.00000000000000000001', '-99999999999999999999999999.9',
       -1.25, 5e-324, NULL, NULL, X'', '0001-01-01', '00:00:00', '1970-01-01 00:00:00', '2038-01-19 03:14:08Z', 'null', NULL),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    expect: [
      { big: '9223372036854775807', small: 32767, flag: true, price: '12345678901234567890.12345678901234567890', name: TEXT, code: '', raw: ALL_BYTES.toString('base64'), day: '1969-07-20', at: '1901-12-13T20:45:52.123456', atz: '1960-01-01T00:00:00.5Z', doc: BIG_JSON },
      { big: '-9223372036854775808', small: -32768, flag: false, name: null, raw: '', doc: 'null', d: 5e-324 },
    ],
  },
};

for (const engine of ['sqlite', 'postgres', 'mysql'] as const) {
  describe(`lossless values on ${engine}`, function () {
    this.timeout(60_000);
    let source: TestDatabase;
    let original: Array<Record<string, unknown>>;
    const dir = tempDir();

    before(async function () {
      await requireServer(this, engine);
      source = await createTestDatabase(engine);
      await execSql(source, `${CASES[engine].create}; ${CASES[engine].rows}`);
      original = await readTable(source.url, 'lossless');
    });

    after(async () => {
      await source?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('reads every case exactly as stored', () => {
      assert.equal(original.length, 3);
      CASES[engine].expect.forEach((expected, i) => {
        for (const [column, value] of Object.entries(expected)) assert.deepEqual(original[i][column], value, `row ${i + 1}, ${column}`);
      });
      assert.ok(Object.entries(original[2]).every(([k, v]) => k === 'id' || v === null), 'row 3 is all NULL');
      // JSON documents keep numbers of any size, and JSON null stays distinct from SQL NULL.
      assert.match(String(original[0].doc), /12345678901234567890123/);
      assert.equal(original[1].doc, 'null');
      assert.equal(original[2].doc, null);
    });

    for (const format of ['json', 'ndjson'] as const) {
      it(`round-trips every value through ${format}`, async () => {
        const file = await exportToFile(source.url, format, dir);
        const target = await createTestDatabase(engine);
        try {
          await withAdapter(target.url, (t) => importDump(t, fs.createReadStream(file), { format }));
          assert.deepEqual(await readTable(target.url, 'lossless'), original);
        } finally {
          await target.drop();
        }
      });
    }

    if (engine !== 'sqlite') {
      it(`survives ${engine} → SQLite → ${engine}`, async () => {
        const middle = await createTestDatabase('sqlite');
        const back = await createTestDatabase(engine);
        try {
          const a = await openAdapter(source.url);
          await withAdapter(middle.url, (m) => copyDatabase(a, m)).finally(() => a.close());
          const m = await openAdapter(middle.url);
          await withAdapter(back.url, (b) => copyDatabase(m, b)).finally(() => m.close());
          const rows = await readTable(back.url, 'lossless');
          // TIMESTAMP (MySQL) comes back as DATETIME holding the same UTC time: compare without the zone mark.
          const strip = (r: Record<string, unknown>) => ({ ...r, atz: typeof r.atz === 'string' ? r.atz.replace(/Z$/, '') : r.atz });
          assert.deepEqual(rows.map(strip), original.map(strip));
        } finally {
          await middle.drop();
          await back.drop();
        }
      });
    }
  });
}
