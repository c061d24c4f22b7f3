import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { withAdapter } from '../../src/core/engines';
import { importDump } from '../../src/core/import';
import { exportDatabase } from '../../src/core/export';
import { DbPorterError } from '../../src/core/errors';
import type { Row } from '../../src/core/schema/model';
import type { Engine } from '../../src/core/url';
import { createTestDatabase, execSql, requireServer, type TestDatabase } from '../helpers/servers';
import { checksums, tempDir } from '../helpers/data';
import { sampleTable, writeDump } from '../helpers/dumps';

/**
 * The server ends DB Porter's connection in the middle of a transfer (pg_terminate_backend, MySQL
 * KILL): the import fails with a clear message and the target keeps what it had; an export fails
 * rather than hand out a partial dump as whole.
 */
const ROWS = 60_000;

async function killConnections(db: TestDatabase): Promise<void> {
  const name = new URL(db.url).pathname.slice(1);
  if (db.engine === 'postgres') {
    await execSql(db, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
  } else {
    const admin = await import('mysql2/promise');
    const c = await admin.createConnection({ uri: db.url });
    try {
      const [rows] = await c.query(`SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()`, [name]);
      for (const r of rows as Array<{ id: number }>) await c.query(`KILL ${Number(r.id)}`).catch(() => undefined);
    } finally {
      await c.end();
    }
  }
}

describe('the server drops the connection mid-transfer', function () {
  this.timeout(120_000);
  const dir = tempDir();
  let dump: string;
  before(async () => {
    const rows: Row[] = Array.from({ length: ROWS }, (_, i) => [i + 1, `item ${i}`, `${i}.50`, null, '2024-01-01T00:00:00Z']);
    dump = path.join(dir, 'items.ndjson');
    fs.writeFileSync(dump, await writeDump('ndjson', [{ table: sampleTable, rows }]));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const engine of ['postgres', 'mysql'] as Engine[]) {
    it(`${engine}: an import fails clearly and the target keeps its rows`, async function () {
      await requireServer(this, engine);
      const db = await createTestDatabase(engine);
      try {
        // The table exists with rows: a replace-mode import empties it first, inside the transaction.
        await withAdapter(db.url, (a) => importDump(a, fs.createReadStream(dump), { format: 'ndjson' }));
        const before = await checksums(db.url);
        let killed = false;
        const importing = withAdapter(db.url, (a) =>
          importDump(a, fs.createReadStream(dump), {
            format: 'ndjson',
            mode: 'replace',
            onProgress: (p) => {
              if (!killed && p.rowsDone > 0) {
                killed = true;
                void killConnections(db);
              }
            },
          }),
        );
        await assert.rejects(importing, (err: unknown) => {
          assert.ok(err instanceof DbPorterError, `a DbPorterError, not ${err}`);
          assert.match(err.message, /connection|terminat|kill|closed|lost|Nothing was written/i);
          return true;
        });
        assert.ok(killed, 'the connection was killed during the import');
        assert.deepEqual(await checksums(db.url), before);
      } finally {
        await db.drop();
      }
    });

    it(`${engine}: an export fails rather than end a partial dump`, async function () {
      await requireServer(this, engine);
      const db = await createTestDatabase(engine);
      try {
        await withAdapter(db.url, (a) => importDump(a, fs.createReadStream(dump), { format: 'ndjson' }));
        let killed = false;
        // A slow reader of the dump keeps the export going while the connection is killed.
        const out = new Writable({ write: (_chunk, _encoding, done) => void setTimeout(done, 5) });
        const exporting = withAdapter(db.url, (a) =>
          exportDatabase(a, out, {
            format: 'ndjson',
            onProgress: (p) => {
              if (!killed && p.rowsDone > 0) {
                killed = true;
                void killConnections(db);
              }
            },
          }),
        );
        await assert.rejects(exporting, (err: unknown) => err instanceof DbPorterError);
        assert.ok(killed);
      } finally {
        await db.drop();
      }
    });
  }
});
