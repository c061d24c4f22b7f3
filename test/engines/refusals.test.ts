import * as assert from 'node:assert/strict';
import { errorCode } from '../helpers/errors';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openAdapter, withAdapter } from '../../src/core/engines';
import { importDump } from '../../src/core/import';
import type { DumpFormat } from '../../src/core/dump/format';
import type { Engine } from '../../src/core/url';
import { createTestDatabase, execSql, requireServer, PG_ADMIN_URL, MYSQL_ADMIN_URL, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { checksums, exportToFile, tableNames, tempDir } from '../helpers/data';
import { writeDump } from '../helpers/dumps';
import type { Table } from '../../src/core/schema/model';

/**
 * Bad dumps are refused with a clear error, and the target stays exactly as it was, even when the
 * problem shows only after thousands of rows (and eleven CREATE TABLEs) were already written.
 */
for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
  describe(`bad input into ${engine} leaves the target unchanged`, function () {
    this.timeout(120_000);
    const dir = tempDir();
    let chinook: TestDatabase;
    let target: TestDatabase;
    const dumps = {} as Record<DumpFormat, string>;
    let initial: unknown;
    let beforeBytes: Buffer | undefined;

    before(async function () {
      await requireServer(this, engine);
      chinook = await createTestDatabase('sqlite');
      await loadChinook(chinook);
      for (const format of ['json', 'ndjson'] as const) dumps[format] = fs.readFileSync(await exportToFile(chinook.url, format, dir), 'utf8');
      // The target holds one table of its own, which must survive every failed import untouched.
      target = await createTestDatabase(engine);
      await execSql(target, "CREATE TABLE keep (id INTEGER PRIMARY KEY, note VARCHAR(20)); INSERT INTO keep VALUES (1, 'one'), (2, 'two')");
      initial = await checksums(target.url);
      if (engine === 'sqlite') beforeBytes = fs.readFileSync(target.url.slice('sqlite:'.length));
    });

    after(async () => {
      await chinook?.drop();
      await target?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'pending') return;
      assert.deepEqual(await tableNames(target.url), ['keep']);
      assert.deepEqual(await checksums(target.url), initial);
      if (beforeBytes) assert.ok(fs.readFileSync(target.url.slice('sqlite:'.length)).equals(beforeBytes), 'the SQLite file is byte for byte the same');
    });

    async function importText(text: string, format: DumpFormat, mode?: 'merge' | 'append') {
      const file = path.join(dir, `bad.${format}`);
      fs.writeFileSync(file, text);
      return withAdapter(target.url, (a) => importDump(a, fs.createReadStream(file), { format, mode }));
    }

    it('malformed JSON late in the file', async () => {
      const bad = dumps.json.replace('{"PlaylistId":18,"TrackId":597}', '{"PlaylistId":18,"TrackId":597');
      await assert.rejects(importText(bad, 'json'), errorCode('DUMP_INVALID', /PlaylistTrack/));
    });

    it('a JSON dump cut short', async () => {
      await assert.rejects(importText(dumps.json.slice(0, Math.floor(dumps.json.length * 0.9)), 'json'), errorCode('DUMP_TRUNCATED'));
    });

    it('NDJSON without its trailer', async () => {
      const lines = dumps.ndjson.trimEnd().split('\n');
      await assert.rejects(importText(lines.slice(0, -1).join('\n') + '\n', 'ndjson'), errorCode('DUMP_TRUNCATED', /no trailer/));
    });

    it('NDJSON whose checksum does not match', async () => {
      await assert.rejects(importText(dumps.ndjson.replace('"Name":"AC/DC"', '"Name":"AC-DC"'), 'ndjson'), errorCode('DUMP_CHECKSUM'));
    });

    it('a row that contradicts its schema', async () => {
      const bad = dumps.ndjson.replace('{"table":"InvoiceLine","row":{"InvoiceLineId":2240,', '{"table":"InvoiceLine","row":{"InvoiceLineId":"two thousand",');
      await assert.rejects(importText(bad, 'ndjson'), errorCode('DUMP_INVALID', /Table "InvoiceLine", row 2240, column "InvoiceLineId"/));
    });

    it('a key collision in append mode', async () => {
      const doubled = dumps.json.replace('{"ArtistId":2,', '{"ArtistId":1,');
      await assert.rejects(importText(doubled, 'json', 'append'), errorCode('CONFLICT', /Artist/));
    });

    // SQLite stores what it is given (its column types are affinities); the servers check.
    if (engine !== 'sqlite') {
      it('a value too long for the column the target already has', async () => {
        const keep: Table = {
          name: 'keep',
          columns: [
            { name: 'id', type: 'integer', nullable: false },
            { name: 'note', type: 'text', nullable: true },
          ],
          primaryKey: ['id'],
          uniques: [],
          foreignKeys: [],
          indexes: [],
        };
        const text = await writeDump('ndjson', [{ table: keep, rows: [[3, 'three'], [4, 'x'.repeat(500)]] }]);
        await assert.rejects(importText(text, 'ndjson', 'append'), errorCode('WRITE_FAILED', /keep.*(too long|truncated)/is));
      });
    }

    it('a column the target table lacks', async () => {
      const keep: Table = {
        name: 'keep',
        columns: [
          { name: 'id', type: 'integer', nullable: false },
          { name: 'colour', type: 'text', nullable: true },
        ],
        primaryKey: ['id'],
        uniques: [],
        foreignKeys: [],
        indexes: [],
      };
      const text = await writeDump('ndjson', [{ table: keep, rows: [[3, 'red']] }]);
      await assert.rejects(importText(text, 'ndjson'), errorCode('UNKNOWN_COLUMN', /"keep" in the target has no column "colour"/));
    });

    it('cancellation part way', async () => {
      const file = path.join(dir, 'ok.ndjson');
      fs.writeFileSync(file, dumps.ndjson);
      const controller = new AbortController();
      await assert.rejects(
        withAdapter(target.url, (a) =>
          importDump(a, fs.createReadStream(file), {
            format: 'ndjson',
            signal: controller.signal,
            onProgress: (p) => p.table === 'Track' && p.rowsDone >= 2000 && controller.abort(),
          }),
        ),
        errorCode('CANCELLED'),
      );
    });
  });
}

describe('connection problems get clear errors', function () {
  this.timeout(30_000);

  it('an unknown URL scheme', async () => {
    await assert.rejects(openAdapter('oracle://scott:tiger@localhost/orcl'), errorCode('UNKNOWN_ENGINE', /postgresql:/));
  });

  it('a missing SQLite file', async () => {
    const missing = path.join(tempDir(), 'nope.db');
    await assert.rejects(withAdapter(`sqlite:${missing}`, (a) => a.introspect()), errorCode('FILE_NOT_FOUND', /nope\.db/));
    assert.equal(fs.existsSync(missing), false, 'reading does not create the file');
  });

  it('a file that is not a SQLite database', async () => {
    const file = path.join(tempDir(), 'text.db');
    fs.writeFileSync(file, 'this is not a database, just text that is long enough to have a header '.repeat(20));
    await assert.rejects(openAdapter(`sqlite:${file}`), errorCode('CONNECTION_FAILED', /not a SQLite database/));
  });

  it('an unknown PostgreSQL user', async function () {
    await requireServer(this, 'postgres');
    const u = new URL(PG_ADMIN_URL);
    u.username = 'no_such_user';
    u.password = 'S3cretPassw0rd';
    await assert.rejects(openAdapter(u.toString()), (err: unknown) => errorCode('AUTH_FAILED')(err) && !(err as Error).message.includes('S3cretPassw0rd'));
  });

  it('a wrong MySQL password, never repeated in the message', async function () {
    await requireServer(this, 'mysql');
    const u = new URL(MYSQL_ADMIN_URL);
    u.password = 'Wr0ngPassw0rd';
    await assert.rejects(openAdapter(u.toString()), (err: unknown) => errorCode('AUTH_FAILED')(err) && !(err as Error).message.includes('Wr0ngPassw0rd'));
  });

  it('a PostgreSQL database that does not exist', async function () {
    await requireServer(this, 'postgres');
    const u = new URL(PG_ADMIN_URL);
    u.pathname = '/dbporter_no_such_db';
    await assert.rejects(openAdapter(u.toString()), errorCode('DATABASE_NOT_FOUND', /dbporter_no_such_db/));
  });

  it('a server that does not answer', async () => {
    await assert.rejects(openAdapter('postgresql://postgres@127.0.0.1:1/x'), errorCode('CONNECTION_FAILED', /127\.0\.0\.1/));
    await assert.rejects(openAdapter('mysql://root@127.0.0.1:1/x'), errorCode('CONNECTION_FAILED', /127\.0\.0\.1/));
  });
});
