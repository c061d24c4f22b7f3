import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { AdminServer } from '../../src/server/server';
import { createTestDatabase, type TestDatabase } from '../helpers/servers';
import { checksums, tempDir } from '../helpers/data';
import { header, sampleTable } from '../helpers/dumps';
import { call, startTestServer, writeConfig } from '../helpers/admin';

/**
 * The schema report over HTTP: an import answers with what it did not carry (a dump's view,
 * without trustDump), and trustDump is what `import --trust-dump` is.
 */
describe('admin API: the schema report and trustDump', function () {
  this.timeout(60_000);
  let target: TestDatabase;
  let dir: string;
  let server: AdminServer;

  /** A JSON dump of one table and a view over it, as a SQLite database would export it. */
  const dump = () => {
    const h = header([sampleTable], { items: 1 });
    h.schema.views = [{ name: 'cheap_items', query: { engine: 'sqlite', sql: 'SELECT id, name FROM items WHERE price < 10' } }];
    return { ...h, data: { items: [{ id: 1, name: 'pen', price: '1.5', data: null, at: null }] } };
  };

  before(async () => {
    target = await createTestDatabase('sqlite');
    dir = tempDir();
    writeConfig(dir, { databases: [{ name: 'target', url: target.url }], server: { database: 'target' } });
    server = await startTestServer(dir);
  });
  after(async () => {
    await server?.close();
    await target?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers an import with the notes: the view is not carried without trustDump, and says how to carry it', async () => {
    const answer = await call(server, '/admin/migrations/import', { json: { format: 'json', database: 'target', data: dump() } });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json.notes, [
      { action: 'not carried', kind: 'view', name: 'cheap_items', reason: 'a dump carries it as SQL text, which import runs only with --trust-dump' },
    ]);
    assert.equal((await checksums(target.url)).items.rows, 1, 'the rows arrived all the same');
  });

  it('takes trustDump in a JSON body and as a form field, and refuses one that is not a boolean', async () => {
    const trusted = await call(server, '/admin/migrations/import', { json: { format: 'json', database: 'target', truncate: true, trustDump: true, data: dump() } });
    assert.equal(trusted.status, 200, trusted.text);
    assert.ok(!JSON.stringify(trusted.json.notes).includes('--trust-dump'), JSON.stringify(trusted.json.notes));

    const bad = await call(server, '/admin/migrations/import', { json: { format: 'json', database: 'target', trustDump: 'yes', data: dump() } });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json.error.code, 'BAD_ARGUMENT');
    assert.match(bad.json.error.message, /trustDump/);
  });
});
