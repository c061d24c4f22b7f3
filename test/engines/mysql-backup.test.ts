import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import JSZip from 'jszip';
import mysql from 'mysql2/promise';
import { backupDatabase, restoreBackup, restoreWithSnapshot, verifyBackup } from '../../src/core/backup';
import { SCHEMA_ENTRY, tableEntry } from '../../src/core/archive/manifest';
import { archiveSchema, previewArchiveRows } from '../../src/core/archive/preview';
import { createTestDatabase, execSql, querySql, requireServer, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { checksums, tempDir } from '../helpers/data';
import { named, withTableText } from '../helpers/archives';
import { errorCode } from '../helpers/errors';

/**
 * MySQL backups keep each table's rows in the text LOAD DATA reads (kind mysql-tsv), and a restore
 * into MySQL hands those bytes back to LOAD DATA. These tests hold that to: every value back
 * exactly (as the server returns it), column types and foreign keys back, the same rows in
 * PostgreSQL and SQLite, and a damaged entry refused with nothing changed.
 */

const MIXED = 'mixed "types" ✓';
const q = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** Values the text must carry: every escape, \N as text against NULL, empty against NULL, bytes, big numbers. */
const MIXED_ROWS: unknown[][] = [
  [1, '9007199254740993', '12345678901234567890.0123456789', 1.7976931348623157e308, 'tab\there\nnew line\r\\back\\\\slash \\N is not NULL', '', Buffer.from([0, 255, 0x5c, 0x0a, 0x09, 0x4e]), '{"a": [1, 2.5, "x\\ty"], "ü": "東京"}', '2024-02-29 23:59:59.123456', '2000-02-29', '23:59:59.500000', 1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
  [2, '-9223372036854775808', '-0.0000000001', 5e-324, '\\N', null, Buffer.alloc(0), 'null', '1970-01-01 00:00:00.000000', '1000-01-01', '00:00:00.000000', 0, null],
  [3, null, null, null, null, null, null, null, null, null, null, null, null],
  [4, '9223372036854775807', '0', -0.25, '\u00e9\u0301 \ud83c\udf89', '\t', Buffer.from('\\N'), '[]', '9999-12-31 23:59:59.999999', '9999-12-31', '12:00:00.000001', 1, 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
];

async function loadMixed(db: TestDatabase): Promise<void> {
  await execSql(
    db,
    `CREATE TABLE ${q(MIXED)} (id BIGINT PRIMARY KEY, big BIGINT, n DECIMAL(30,10), d DOUBLE, t LONGTEXT, v VARCHAR(20), b LONGBLOB,
       j JSON, ts DATETIME(6), day DATE, tm TIME(6), flag TINYINT(1), u CHAR(36), KEY mixed_v (v, id)) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
     CREATE TABLE empty_one (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(50) UNIQUE);`,
  );
  const c = await mysql.createConnection({ uri: db.url });
  try {
    for (const row of MIXED_ROWS) await c.query(`INSERT INTO ${q(MIXED)} VALUES (${row.map(() => '?').join(', ')})`, row);
  } finally {
    await c.end();
  }
}

/** Every row as the server returns it (ordered), the columns' types, and the foreign keys: equal means equal. */
async function fingerprint(db: TestDatabase) {
  const tables = (await querySql(db, `SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1`)).map((r) => String(r.t));
  const out: Record<string, unknown> = {};
  for (const t of tables) {
    const rows = await querySql(db, `SELECT * FROM ${q(t)} ORDER BY 1`);
    const columns = await querySql(db, `SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${t.replace(/'/g, "''")}' ORDER BY ORDINAL_POSITION`);
    out[t] = { rows, columns };
  }
  const keys = await querySql(
    db,
    `SELECT TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE
     WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY 1, 2`,
  );
  return { tables: out, keys };
}

describe('MySQL backups in LOAD DATA text', function () {
  this.timeout(180_000);
  let source: TestDatabase;
  let target: TestDatabase;
  let dir: string;
  let archive: string;
  let original: Awaited<ReturnType<typeof fingerprint>>;

  before(async function () {
    await requireServer(this, 'mysql');
    source = await createTestDatabase('mysql');
    await loadChinook(source);
    await loadMixed(source);
    dir = tempDir();
    original = await fingerprint(source);
    archive = (await backupDatabase(named(source, dir))).file;
    target = await createTestDatabase('mysql');
  });
  after(async () => {
    await source?.drop();
    await target?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores the schema and each table as LOAD DATA text, a gzipped entry per table', async () => {
    const manifest = await verifyBackup(archive);
    assert.equal(manifest.kind, 'mysql-tsv');
    const tables = (await archiveSchema(archive)).tables.map((t) => t.name);
    assert.deepEqual(Object.keys(manifest.entries).sort(), [SCHEMA_ENTRY, ...tables.map((_, n) => tableEntry(n, 'mysql-tsv'))].sort());
    assert.equal(manifest.rowCounts[MIXED], MIXED_ROWS.length);
    assert.equal(manifest.rowCounts.empty_one, 0);
    const zip = await JSZip.loadAsync(fs.readFileSync(archive));
    const text = zlib.gunzipSync(await zip.file(tableEntry(tables.indexOf(MIXED), 'mysql-tsv'))!.async('nodebuffer')).toString();
    const lines = text.split('\n');
    assert.equal(lines.length, MIXED_ROWS.length + 1, 'one line a row: newlines inside values are escaped');
    assert.match(lines[0], /\ttab\\there\\nnew line\\r\\\\back/);
    assert.match(lines[2], /^3(\t\\N){12}$/, 'NULL as \\N');
  });

  it('restores into MySQL exactly: every value, column types and foreign keys', async () => {
    const progress: string[] = [];
    const result = await restoreWithSnapshot(archive, named(target, dir), { onProgress: (p) => progress.push(`${p.table}:${p.rowsDone}`) });
    assert.deepEqual(await fingerprint(target), original);
    assert.equal(result.rowCounts.Track, 3503);
    assert.ok(progress.includes('Track:3503'), 'progress per table, with its rows');
    await assert.rejects(execSql(target, 'INSERT INTO InvoiceLine (InvoiceLineId, InvoiceId, TrackId, UnitPrice, Quantity) VALUES (99999, 1, 999999, 1, 1)'), /foreign key/i);
  });

  it('shows the rows of a table as they are', async () => {
    const shown = await previewArchiveRows(archive, MIXED, 4);
    assert.deepEqual(shown.rows.map((r) => r.t), [MIXED_ROWS[0][4], '\\N', null, MIXED_ROWS[3][4]]);
    assert.deepEqual(shown.rows.map((r) => r.v), ['', null, null, '\t']);
    assert.equal(shown.rows[0].b, Buffer.from([0, 255, 0x5c, 0x0a, 0x09, 0x4e]).toString('base64'));
    assert.deepEqual(shown.rows.map((r) => r.big), ['9007199254740993', '-9223372036854775808', null, '9223372036854775807']);
    assert.deepEqual(shown.rows.map((r) => r.flag), [true, false, null, true]);
  });

  for (const engine of ['sqlite', 'postgres'] as const) {
    it(`restores into ${engine === 'postgres' ? 'PostgreSQL' : 'SQLite'} the same rows`, async function () {
      await requireServer(this, engine);
      const other = await createTestDatabase(engine);
      try {
        await restoreBackup(archive, named(other, dir));
        const [got, expected] = [await checksums(other.url), await checksums(source.url)];
        assert.deepEqual(Object.keys(got).sort(), Object.keys(expected).sort());
        for (const table of Object.keys(expected)) assert.deepEqual(got[table], expected[table], table);
      } finally {
        await other.drop();
      }
    });
  }

  describe('refuses a damaged table entry and restores nothing', () => {
    let was: Awaited<ReturnType<typeof fingerprint>>;
    before(async () => {
      await restoreBackup(archive, named(target, dir));
      await execSql(target, 'DELETE FROM PlaylistTrack WHERE PlaylistId = 1; CREATE TABLE extra (id INT); INSERT INTO extra VALUES (1)');
      was = await fingerprint(target);
    });
    afterEach(async () => assert.deepEqual(await fingerprint(target), was, 'the target is as it was'));

    it('an entry with a row missing (checksums signed again)', async () => {
      const bad = path.join(dir, 'short.zip');
      await withTableText(archive, bad, 'mysql-tsv', 'Track', (text) => text.replace(/[^\n]*\n$/, ''));
      await assert.rejects(restoreBackup(bad, named(target, dir)), errorCode('ARCHIVE_INVALID', /Table "Track" in the archive holds 3502 rows, but the archive says 3503/));
    });

    it('an entry with a value MySQL refuses (checksums signed again)', async () => {
      const bad = path.join(dir, 'garbled.zip');
      await withTableText(archive, bad, 'mysql-tsv', 'InvoiceLine', (text) => text.replace(/^1\t/, 'one\t'));
      await assert.rejects(restoreBackup(bad, named(target, dir)), errorCode('WRITE_FAILED', /InvoiceLine/));
    });

    it('an entry with a row of too few fields, restored into SQLite', async () => {
      const other = await createTestDatabase('sqlite');
      try {
        await loadChinook(other);
        const was = await checksums(other.url);
        const bad = path.join(dir, 'fields.zip');
        const entry = await withTableText(archive, bad, 'mysql-tsv', 'Genre', (text) => text.replace(/^(\d+)\t[^\n]*/, '$1'));
        await assert.rejects(restoreBackup(bad, named(other, dir)), errorCode('ARCHIVE_INVALID', new RegExp(`\\(${entry.replace('.', '\\.')}\\) are damaged: row 1 has 1 fields, not 2`)));
        assert.deepEqual(await checksums(other.url), was);
      } finally {
        await other.drop();
      }
    });
  });
});
