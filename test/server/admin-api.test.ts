import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../../src/core/url';
import { openAdapter } from '../../src/core/engines';
import { importDump } from '../../src/core/import';
import type { AdminServer } from '../../src/server/server';
import { createTestDatabase, requireServer, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { checksums, tableNames, tempDir } from '../helpers/data';
import { sampleTable, writeDump } from '../helpers/dumps';
import { call, form, rawRequest, readResponse, startTestServer, TEST_KEY, writeConfig } from '../helpers/admin';

/** Chinook's names: PascalCase on SQLite and MySQL, snake_case on PostgreSQL. */
const chinookName = (engine: Engine, name: string) => (engine === 'postgres' ? name.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase() : name);

const CHINOOK_ROWS = 15607;

for (const engine of ['sqlite', 'postgres', 'mysql'] as const) {
  describe(`admin API over HTTP on ${engine}`, function () {
    this.timeout(180_000);
    let source: TestDatabase;
    let target: TestDatabase;
    let dir: string;
    let server: AdminServer;
    let sourceSums: Awaited<ReturnType<typeof checksums>>;
    const lines: string[] = [];

    before(async function () {
      await requireServer(this, engine);
      source = await createTestDatabase(engine);
      await loadChinook(source);
      target = await createTestDatabase(engine);
      dir = tempDir();
      writeConfig(dir, { databases: [{ name: 'source', url: source.url }, { name: 'target', url: target.url }], server: { database: 'source' } });
      server = await startTestServer(dir, { log: (line) => lines.push(line) });
      sourceSums = await checksums(source.url);
    });
    after(async () => {
      await server?.close();
      await source?.drop();
      await target?.drop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Empties the target's tables (or leaves it empty) and loads the source into it through the API. */
    async function fillTarget(): Promise<void> {
      const dump = await call(server, '/admin/migrations/export', { json: { format: 'ndjson' } });
      const loaded = await call(server, '/admin/migrations/import', { body: form([['database', 'target'], ['truncate', 'true'], ['file', dump.text, 'dump.ndjson']]) });
      assert.equal(loaded.status, 200, loaded.text);
    }

    it('exports JSON and imports it into another database as a multipart upload, file before its fields', async () => {
      const exported = await call(server, '/admin/migrations/export', { json: {} });
      assert.equal(exported.status, 200, exported.text);
      assert.match(exported.headers.get('content-type')!, /^application\/json/);
      assert.equal(exported.json.metadata.format, 'dbporter-dump');
      assert.equal(Object.values(exported.json.data as Record<string, unknown[]>).reduce((n, rows) => n + rows.length, 0), CHINOOK_ROWS);

      const imported = await call(server, '/admin/migrations/import', { body: form([['file', exported.text, 'chinook.json'], ['database', 'target'], ['truncate', 'true']]) });
      assert.equal(imported.status, 200, imported.text);
      const r = imported.json;
      assert.equal(r.database.name, 'target');
      assert.equal(r.mode, 'replace');
      assert.equal(r.rows, CHINOOK_ROWS);
      assert.equal(r.rowsPerTable[chinookName(engine, 'Track')], 3503);
      assert.ok(Date.parse(r.startedAt) <= Date.parse(r.finishedAt), `${r.startedAt} .. ${r.finishedAt}`);
      assert.ok(fs.existsSync(r.snapshot), `the snapshot ${r.snapshot} exists`);
      assert.ok(r.snapshot.startsWith(path.join(dir, '.dbporter', 'backups', 'target')), r.snapshot);
      assert.deepEqual(await checksums(target.url), sourceSums);
    });

    it('streams NDJSON out and back in, fields before the file, and maps truncate=false to append', async () => {
      const exported = await call(server, '/admin/migrations/export', { json: { format: 'ndjson', tables: [chinookName(engine, 'Genre'), chinookName(engine, 'MediaType')] } });
      assert.equal(exported.status, 200, exported.text);
      assert.match(exported.headers.get('content-type')!, /^application\/x-ndjson/);
      const lines = exported.text.trimEnd().split('\n');
      assert.equal(lines.length, 1 + 25 + 5 + 1, 'header, rows, trailer');
      assert.match(lines[lines.length - 1], /^\{"trailer"/);

      await fillTarget();
      const merged = await call(server, '/admin/migrations/import', { body: form([['database', 'target'], ['format', 'ndjson'], ['mode', 'merge'], ['file', exported.text, 'part.bin']]) });
      assert.equal(merged.status, 200, merged.text);
      assert.equal(merged.json.mode, 'merge');
      assert.deepEqual(merged.json.rowsPerTable, { [chinookName(engine, 'Genre')]: 25, [chinookName(engine, 'MediaType')]: 5 });
      assert.equal(merged.json.inserted, 0, 'every row was there already');

      // truncate=false is the command line's --no-truncate: append, which refuses the rows already there.
      const appended = await call(server, '/admin/migrations/import', { body: form([['database', 'target'], ['truncate', 'false'], ['file', exported.text, 'part.ndjson']]) });
      assert.equal(appended.status, 409, appended.text);
      assert.equal(appended.json.error.code, 'CONFLICT');
      assert.deepEqual(await checksums(target.url), sourceSums);
    });

    it('imports a JSON body, validated before anything is written', async () => {
      const dump = (await call(server, '/admin/migrations/export', { json: { tables: [chinookName(engine, 'Genre')], indent: 2 } })).json;
      assert.equal(dump.data[chinookName(engine, 'Genre')].length, 25);
      await fillTarget();
      const merged = await call(server, '/admin/migrations/import', { json: { format: 'json', database: 'target', data: dump } });
      assert.equal(merged.status, 200, merged.text);
      assert.equal(merged.json.mode, 'merge');
      assert.equal(merged.json.rows, 25);
      assert.equal(merged.json.inserted, 0, 'every row was there already');

      // Replace empties the dump's tables first; InvoiceLine is a table no other table refers to.
      const lines = (await call(server, '/admin/migrations/export', { json: { tables: [chinookName(engine, 'InvoiceLine')] } })).json;
      const replaced = await call(server, '/admin/migrations/import', { json: { format: 'json', truncate: true, database: 'target', data: lines } });
      assert.equal(replaced.status, 200, replaced.text);
      assert.equal(replaced.json.mode, 'replace');
      assert.equal(replaced.json.inserted, 2240);

      const ndjson = (await call(server, '/admin/migrations/export', { json: { format: 'ndjson', tables: [chinookName(engine, 'InvoiceLine')] } })).text;
      const asText = await call(server, '/admin/migrations/import', { json: { format: 'ndjson', truncate: true, database: 'target', data: ndjson } });
      assert.equal(asText.status, 200, asText.text);
      assert.deepEqual(asText.json.rowsPerTable, { [chinookName(engine, 'InvoiceLine')]: 2240 });

      const noSchema = await call(server, '/admin/migrations/import', { json: { format: 'json', truncate: true, database: 'target', data: { metadata: dump.metadata, data: dump.data } } });
      assert.equal(noSchema.status, 400, noSchema.text);
      assert.equal(noSchema.json.error.code, 'DUMP_INVALID');
      assert.match(noSchema.json.error.message, /data\.schema/);
      assert.deepEqual(await checksums(target.url), sourceSums);
    });

    it('wants the key on every route but /health, and says nothing about it', async () => {
      const health = await call(server, '/health', { method: 'GET', key: null });
      assert.equal(health.status, 200);
      assert.equal(health.json.status, 'ok');
      for (const key of [null, 'wrong', TEST_KEY.slice(0, -1) + 'X', '']) {
        for (const route of ['/admin/migrations/export', '/admin/migrations/import', '/admin/settings/refresh', '/admin/nothing-here']) {
          const refused = await call(server, route, { key, json: {} });
          assert.equal(refused.status, 401, `${route} with key ${key}: ${refused.text}`);
          assert.equal(refused.json.error.code, 'UNAUTHORIZED');
          assert.ok(!refused.text.includes(TEST_KEY));
        }
      }
      assert.equal((await call(server, '/admin/nothing-here', { json: {} })).status, 404);
      assert.ok(!lines.join('\n').includes(TEST_KEY), 'the log never holds the key');
    });

    it('refuses a body over the limit with 413, announced or not, and writes nothing', async () => {
      await fillTarget();
      const small = await startTestServer(dir, { maxBodyBytes: 64 * 1024 });
      try {
        const dump = (await call(small, '/admin/migrations/export', { json: { format: 'ndjson' } })).text;
        assert.ok(dump.length > 64 * 1024, 'the dump is bigger than the limit');

        const announced = await call(small, '/admin/migrations/import', { json: { format: 'ndjson', truncate: true, database: 'target', data: dump } });
        assert.equal(announced.status, 413, announced.text);
        assert.equal(announced.json.error.code, 'BODY_TOO_LARGE');

        // Chunked, with no Content-Length: the limit is counted while the file streams into the importer.
        const boundary = 'dbporter-test-boundary';
        const req = rawRequest(small, '/admin/migrations/import?database=target&format=ndjson&truncate=true', { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' });
        const answer = readResponse(req);
        req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="dump.ndjson"\r\nContent-Type: application/x-ndjson\r\n\r\n`);
        for (let i = 0; i < dump.length && !req.destroyed; i += 8192) {
          if (!req.write(dump.slice(i, i + 8192))) await new Promise((r) => setTimeout(r, 5));
        }
        req.end(`\r\n--${boundary}--\r\n`);
        const streamed = await answer;
        assert.equal(streamed.status, 413, streamed.text);
        assert.equal(JSON.parse(streamed.text).error.code, 'BODY_TOO_LARGE');
      } finally {
        await small.close();
      }
      assert.deepEqual(await checksums(target.url), sourceSums);
    });

    it('answers malformed bodies with 400 and the command line\'s codes, and writes nothing', async () => {
      await fillTarget();
      const cases: Array<[string, Parameters<typeof call>[2], string, RegExp]> = [
        ['garbage multipart', { body: 'not a form', headers: { 'Content-Type': 'multipart/form-data; boundary=xyz' } }, 'BAD_ARGUMENT', /multipart body is malformed/],
        ['no boundary', { body: 'x', headers: { 'Content-Type': 'multipart/form-data' } }, 'BAD_ARGUMENT', /malformed/],
        ['a form without a file', { body: form([['format', 'json']]) }, 'BAD_ARGUMENT', /no file part/],
        ['an unknown field', { body: form([['colour', 'red'], ['file', '{}', 'x.json']]) }, 'BAD_ARGUMENT', /Unknown form field "colour"/],
        ['broken JSON', { body: '{"format": ', headers: { 'Content-Type': 'application/json' } }, 'BAD_ARGUMENT', /not valid JSON/],
        ['a wrong mode', { json: { mode: 'upsert', data: {} } }, 'BAD_ARGUMENT', /mode/],
        ['a text body', { body: 'hello', headers: { 'Content-Type': 'text/plain' } }, 'BAD_ARGUMENT', /multipart\/form-data .* or application\/json/],
        ['a dump that is not one', { body: form([['database', 'target'], ['file', '{"hello": 1}', 'x.json']]) }, 'DUMP_INVALID', /no "data" section/],
      ];
      for (const [what, init, code, message] of cases) {
        const answer = await call(server, '/admin/migrations/import', init);
        assert.equal(answer.status, 400, `${what}: ${answer.text}`);
        assert.equal(answer.json.error.code, code, `${what}: ${answer.text}`);
        assert.equal(answer.json.error.code, code, what);
        assert.match(answer.json.error.message, message, `${what}: ${answer.text}`);
        assert.ok(!/\n\s+at /.test(answer.text), `${what}: no stack trace`);
      }

      // Refused at its first line while megabytes more are on the way: the caller still gets the answer.
      const boundary = 'early-refusal';
      const req = rawRequest(server, '/admin/migrations/import?database=target&format=ndjson', { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' });
      const answer = readResponse(req);
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bad.ndjson"\r\n\r\n{"hello": 1}\n`);
      const filler = '{"table": "x", "row": {}}\n'.repeat(4000);
      // Written without waiting for drains: once the answer is in, the client stops reporting them.
      for (let i = 0; i < 50; i++) req.write(filler);
      req.end(`\r\n--${boundary}--\r\n`);
      const early = await answer;
      assert.equal(early.status, 400, early.text);
      assert.equal(JSON.parse(early.text).error.code, 'DUMP_INVALID');

      // A dump cut short: the rows before the cut must not stay.
      const dump = (await call(server, '/admin/migrations/export', { json: { format: 'ndjson' } })).text;
      const cut = dump.slice(0, Math.floor(dump.length * 0.8));
      const truncated = await call(server, '/admin/migrations/import', { body: form([['database', 'target'], ['truncate', 'true'], ['file', cut, 'cut.ndjson']]) });
      assert.equal(truncated.status, 400, truncated.text);
      assert.equal(truncated.json.error.code, 'DUMP_TRUNCATED');
      assert.match(truncated.json.error.message, /snapshot of the database from before is at/);

      const badExport = await call(server, '/admin/migrations/export', { json: { format: 'ndjson', indent: 2 } });
      assert.equal(badExport.status, 400);
      assert.match(badExport.json.error.message, /indent applies to JSON only/);
      const noTable = await call(server, '/admin/migrations/export', { json: { tables: ['nope'] } });
      assert.equal(noTable.status, 400);
      assert.equal(noTable.json.error.code, 'UNKNOWN_TABLE');
      const noDatabase = await call(server, '/admin/migrations/export', { json: { database: 'sqlite:/etc/passwd' } });
      assert.equal(noDatabase.status, 404, 'requests name databases of the config, never URLs');
      assert.equal(noDatabase.json.error.code, 'UNKNOWN_DATABASE');

      assert.deepEqual(await checksums(target.url), sourceSums);
    });

    it('runs one import at a time per database: a second one gets 409 while the first streams', async () => {
      await fillTarget();
      const dump = (await call(server, '/admin/migrations/export', { json: { format: 'ndjson' } })).text;
      const boundary = 'one-at-a-time';
      const first = rawRequest(server, '/admin/migrations/import', { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' });
      const firstAnswer = readResponse(first);
      const started = lines.length;
      first.write(`--${boundary}\r\nContent-Disposition: form-data; name="database"\r\n\r\ntarget\r\n--${boundary}\r\nContent-Disposition: form-data; name="truncate"\r\n\r\ntrue\r\n`);
      first.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="dump.ndjson"\r\n\r\n`);
      first.write(dump.slice(0, 1000));
      for (let i = 0; i < 200 && !lines.slice(started).some((l) => /snapshot of target before the import/.test(l)); i++) await new Promise((r) => setTimeout(r, 50));

      const second = await call(server, '/admin/migrations/import', { json: { format: 'ndjson', database: 'target', data: dump } });
      assert.equal(second.status, 409, second.text);
      assert.equal(second.json.error.code, 'BUSY');
      const elsewhere = await call(server, '/admin/migrations/export', { json: { tables: [chinookName(engine, 'Genre')] } });
      assert.equal(elsewhere.status, 200, 'exports go on meanwhile');

      first.end(`${dump.slice(1000)}\r\n--${boundary}--\r\n`);
      const done = await firstAnswer;
      assert.equal(done.status, 200, done.text);
      assert.equal(JSON.parse(done.text).rows, CHINOOK_ROWS);
      assert.deepEqual(await checksums(target.url), sourceSums);
    });

    it('cuts off an import whose body stalls with 408 and rolls it back, and never cuts one that keeps sending', async () => {
      await fillTarget();
      // Short enough that importing Chinook (with its snapshot) takes the server several periods on every engine.
      const idleMs = 40;
      const logged: string[] = [];
      const watchful = await startTestServer(dir, { idleTimeoutMs: idleMs, log: (line) => logged.push(line) });
      try {
        const dump = (await call(watchful, '/admin/migrations/export', { json: { format: 'ndjson' } })).text;
        const boundary = 'stalls-midway';
        const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="dump.ndjson"\r\n\r\n`;
        const upload = () => rawRequest(watchful, '/admin/migrations/import?database=target&truncate=true', { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' });

        // Replace mode: had the rows before the stall stayed, the target would hold 60% of Chinook.
        const stalled = upload();
        const answer = readResponse(stalled);
        stalled.write(head);
        stalled.write(dump.slice(0, Math.floor(dump.length * 0.6)));
        const cut = await answer;
        assert.equal(cut.status, 408, cut.text);
        assert.equal(JSON.parse(cut.text).error.code, 'REQUEST_TIMEOUT');
        assert.match(JSON.parse(cut.text).error.message, /No bytes of the request body arrived for 40 ms.*nothing was written/);
        stalled.destroy();
        assert.ok(logged.some((l) => /snapshot of target before the import/.test(l)), 'the import had begun');
        assert.ok(logged.some((l) => /import 408 .*REQUEST_TIMEOUT/.test(l)), logged.join('\n'));
        assert.deepEqual(await checksums(target.url), sourceSums);
        assert.equal(watchful.jobs.running, 0);

        // Sent at once, while the server works on it (snapshot, writes) for longer than the idle period: its own time never counts.
        const fast = await call(watchful, '/admin/migrations/import', { body: form([['database', 'target'], ['truncate', 'true'], ['file', dump, 'dump.ndjson']]) });
        assert.equal(fast.status, 200, fast.text);
        assert.ok(fast.json.durationMs > 1.25 * idleMs, `the import took ${fast.json.durationMs} ms, longer than the idle period`);

        // In 20 pieces with pauses under the idle period: several periods in all, never cut.
        const steady = upload();
        const done = readResponse(steady);
        steady.write(head);
        const piece = Math.ceil(dump.length / 20);
        const started = Date.now();
        for (let i = 0; i < dump.length; i += piece) {
          steady.write(dump.slice(i, i + piece));
          await new Promise((r) => setTimeout(r, idleMs / 5));
        }
        steady.end(`\r\n--${boundary}--\r\n`);
        const whole = await done;
        assert.equal(whole.status, 200, whole.text);
        assert.equal(JSON.parse(whole.text).rows, CHINOOK_ROWS);
        assert.ok(Date.now() - started > 3 * idleMs, 'the upload took longer than several idle periods');
      } finally {
        await watchful.close();
      }
      assert.deepEqual(await checksums(target.url), sourceSums);
    });

    it('refreshes its settings during a running export: the export finishes from the old database, later ones read the new', async () => {
      // A database big enough that the export cannot sit whole in socket buffers: 2,000 rows of 10 KB.
      const big = await createTestDatabase(engine);
      const refreshDir = tempDir();
      try {
        const rows = Array.from({ length: 2000 }, (_, i) => [i + 1, `${i}:`.padEnd(10_000, 'x'), null, null, null]);
        const adapter = await openAdapter(big.url);
        try {
          const text = await writeDump('ndjson', [{ table: sampleTable, rows }]);
          await importDump(adapter, (async function* () {
            yield text;
          })(), { format: 'ndjson' });
        } finally {
          await adapter.close();
        }
        const config = { databases: [{ name: 'big', url: big.url }, { name: 'chinook', url: source.url }], server: { database: 'big' } };
        writeConfig(refreshDir, config);
        const refreshing = await startTestServer(refreshDir);
        try {
          const req = rawRequest(refreshing, '/admin/migrations/export', { 'Content-Type': 'application/json' });
          req.end(JSON.stringify({ format: 'ndjson' }));
          const res = await new Promise<import('node:http').IncomingMessage>((resolve) => req.once('response', resolve));
          assert.equal(res.statusCode, 200);
          const chunks: Buffer[] = [];
          await new Promise<void>((resolve) =>
            res.on('data', (d: Buffer) => {
              chunks.push(d);
              if (chunks.length === 1) {
                res.pause();
                resolve();
              }
            }),
          );
          await new Promise((r) => setTimeout(r, 200));
          const old = refreshing.databases.current;
          assert.equal(old.inUse, 1, 'the export is still running, held up by the paused reader');

          writeConfig(refreshDir, { ...config, server: { database: 'chinook' } });
          const refreshed = await call(refreshing, '/admin/settings/refresh');
          assert.equal(refreshed.status, 200, refreshed.text);
          assert.equal(refreshed.json.database.name, 'chinook');
          assert.deepEqual(refreshed.json.previous, { ...old.info, requestsInFlight: 1 });
          assert.ok(!refreshed.text.includes('://'), 'no URL, so no password, in the answer');

          const next = await call(refreshing, '/admin/migrations/export', { json: { format: 'ndjson', tables: [chinookName(engine, 'Genre')] } });
          assert.equal(next.status, 200, 'a request during the running export goes to the new database');
          assert.equal(next.text.trimEnd().split('\n').length, 27);

          res.resume();
          await new Promise((resolve) => res.once('end', resolve));
          const text = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
          assert.equal(text.length, 2002, 'header, every row of the old database, trailer');
          assert.match(text[text.length - 1], /"trailer":\{"rowCounts":\{"items":2000\}/);
          await old.whenIdle();
          assert.equal(old.inUse, 0);

          const unknown = await call(refreshing, '/admin/settings/refresh', { json: { database: 'staging' } });
          assert.equal(unknown.status, 404);
          assert.equal(unknown.json.error.code, 'UNKNOWN_DATABASE');
          assert.equal(refreshing.databases.current.db.name, 'chinook', 'a failed refresh keeps the database');
          const pointed = await call(refreshing, '/admin/settings/refresh', { json: { database: 'big' } });
          assert.equal(pointed.json.database.name, 'big');
          assert.deepEqual(await tableNames(big.url), ['items']);
        } finally {
          await refreshing.close();
        }
      } finally {
        await big.drop();
        fs.rmSync(refreshDir, { recursive: true, force: true });
      }
    });
  });
}
