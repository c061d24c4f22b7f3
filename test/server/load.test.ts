import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { AdminServer } from '../../src/server/server';
import { createTestDatabase, requireServer, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { checksums, tempDir } from '../helpers/data';
import { call, form, rawRequest, readResponse, startTestServer, TEST_KEY, writeConfig, type Answer } from '../helpers/admin';

/**
 * The admin API under load on loopback, kept small enough to run in seconds: concurrent exports and
 * imports past the job cap, a flood of wrong keys, and oversize bodies all at once. Every answer must
 * be whole and right, or a clean refusal; the databases must be whole afterwards.
 */

const CHINOOK_ROWS = 15607;
const CLIENTS = 8;
const TARGETS = 4;
const MAX_JOBS = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every answer a load test got, by status: what the summary line prints. */
type Tally = Record<number, number>;

/**
 * Sends a request until it is done: a 503 (and, where `busy` allows, a 409 BUSY) is a clean refusal,
 * checked and retried after a short pause (not the 5 s Retry-After asks, to keep the test short).
 * Any other answer is returned as it is, for the caller to check.
 */
async function untilDone(send: () => Promise<Answer>, tally: Tally, busy = false): Promise<Answer> {
  for (let attempt = 0; attempt < 2000; attempt++) {
    const answer = await send();
    tally[answer.status] = (tally[answer.status] ?? 0) + 1;
    if (answer.status === 503) {
      assert.equal(answer.json?.error?.code, 'TOO_MANY_JOBS', answer.text);
      assert.equal(answer.headers.get('retry-after'), '5');
    } else if (answer.status === 409 && busy) {
      assert.equal(answer.json?.error?.code, 'BUSY', answer.text);
    } else {
      return answer;
    }
    await sleep(50 + Math.random() * 100);
  }
  throw new Error('still refused after 2,000 attempts');
}

const summary = (tally: Tally) =>
  Object.entries(tally)
    .map(([status, n]) => `${n} × ${status}`)
    .join(', ');

for (const engine of ['sqlite', 'postgres', 'mysql'] as const) {
  describe(`admin API under load on ${engine}`, function () {
    this.timeout(120_000);
    let source: TestDatabase;
    const targets: TestDatabase[] = [];
    let dir: string;
    let server: AdminServer;
    let sourceSums: Awaited<ReturnType<typeof checksums>>;
    const lines: string[] = [];

    before(async function () {
      await requireServer(this, engine);
      source = await createTestDatabase(engine);
      await loadChinook(source);
      for (let i = 0; i < TARGETS; i++) targets.push(await createTestDatabase(engine));
      dir = tempDir();
      writeConfig(dir, {
        databases: [{ name: 'source', url: source.url }, ...targets.map((t, i) => ({ name: `t${i}`, url: t.url }))],
        server: { database: 'source', maxJobs: MAX_JOBS },
      });
      server = await startTestServer(dir, { log: (line) => lines.push(line) });
      sourceSums = await checksums(source.url);
    });
    after(async () => {
      await server?.close();
      await source?.drop();
      for (const t of targets.splice(0)) await t.drop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it(`${CLIENTS} clients export JSON and NDJSON and import at once: whole answers or clean 409/503, every target whole`, async () => {
      const tally: Tally = {};
      const started = Date.now();
      const imported: string[] = [];
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, i) => {
          const json = await untilDone(() => call(server, '/admin/migrations/export', { json: {} }), tally);
          assert.equal(json.status, 200, json.text);
          assert.equal(Object.values(json.json.data as Record<string, unknown[]>).reduce((n, rows) => n + rows.length, 0), CHINOOK_ROWS);

          const ndjson = await untilDone(() => call(server, '/admin/migrations/export', { json: { format: 'ndjson' } }), tally);
          assert.equal(ndjson.status, 200, ndjson.text);
          const ndLines = ndjson.text.trimEnd().split('\n');
          assert.equal(ndLines.length, CHINOOK_ROWS + 2, 'header, every row, trailer');
          const counts = JSON.parse(ndLines[ndLines.length - 1]).trailer.rowCounts as Record<string, number>;
          assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), CHINOOK_ROWS);

          // Two clients per target: their imports meet the one-import-per-database lock as well as the cap.
          const target = `t${i % TARGETS}`;
          const send = i % 2
            ? () => call(server, '/admin/migrations/import', { json: { format: 'json', truncate: true, database: target, data: json.json } })
            : () => call(server, '/admin/migrations/import', { body: form([['database', target], ['truncate', 'true'], ['file', ndjson.text, 'dump.ndjson']]) });
          const loaded = await untilDone(send, tally, true);
          assert.equal(loaded.status, 200, loaded.text);
          assert.equal(loaded.json.rows, CHINOOK_ROWS);
          assert.equal(loaded.json.database.name, target);
          imported.push(target);
        }),
      );
      const ms = Date.now() - started;
      console.log(`      load on ${engine}: ${CLIENTS} clients, cap ${MAX_JOBS}: ${summary(tally)} in ${ms} ms`);

      assert.equal(imported.length, CLIENTS);
      assert.ok(tally[503] > 0, `the cap was reached: ${summary(tally)}`);
      assert.deepEqual(Object.keys(tally).filter((s) => !['200', '409', '503'].includes(s)), [], summary(tally));
      assert.equal(server.jobs.running, 0);
      for (const t of targets) assert.deepEqual(await checksums(t.url), sourceSums, `${t.url} is whole`);
      const statuses = new Set(lines.filter((l) => /^POST \/admin/.test(l)).map((l) => l.split(' ')[2]));
      assert.deepEqual([...statuses].sort(), Object.keys(tally).sort(), 'the log agrees with what the clients saw');
    });

    it('refuses bodies over the limit at volume, announced or streamed, and writes nothing', async () => {
      // Room for every request at once: what is tested here is the body limit, not the cap.
      const small = await startTestServer(dir, { maxBodyBytes: 64 * 1024, maxJobs: 64 });
      const tally: Tally = {};
      try {
        const dump = (await call(small, '/admin/migrations/export', { json: { format: 'ndjson' } })).text;
        const boundary = 'oversize-at-volume';
        // Streamed without a length: the limit is found while the file flows into an import that has begun.
        const streamed = async (): Promise<Answer> => {
          const req = rawRequest(small, '/admin/migrations/import?database=t0&format=ndjson&truncate=true', { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' });
          const answer = readResponse(req);
          req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="dump.ndjson"\r\n\r\n`);
          for (let i = 0; i < 256 * 1024 && !req.destroyed; i += 8192) {
            if (!req.write(dump.slice(i, i + 8192))) await sleep(5);
          }
          req.end(`\r\n--${boundary}--\r\n`);
          const { status, text } = await answer;
          return { status, text, json: JSON.parse(text), headers: new Headers() };
        };
        const announced = () => call(small, '/admin/migrations/import', { json: { format: 'ndjson', truncate: true, database: 't0', data: dump } });
        const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? streamed() : announced())));
        for (const answer of answers) {
          tally[answer.status] = (tally[answer.status] ?? 0) + 1;
          // 413, or refused before the body mattered: the one import into t0 was already running.
          const code = { 413: 'BODY_TOO_LARGE', 409: 'BUSY' }[answer.status];
          assert.ok(code, `${answer.status}: ${answer.text}`);
          assert.equal(answer.json.error.code, code);
        }
        console.log(`      oversize on ${engine}: ${summary(tally)}`);
        assert.ok(tally[413] >= 20, summary(tally));
        assert.equal((await call(small, '/health', { method: 'GET' })).status, 200);
        assert.equal(small.jobs.running, 0);
      } finally {
        await small.close();
      }
      assert.deepEqual(await checksums(targets[0].url), sourceSums, 't0 is as the first test left it');
    });

    if (engine === 'sqlite') {
      it('refuses 2,000 wrong keys sent at once, never echoing a key, and then serves the right one', async () => {
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=';
        const random = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
        const keys: Array<string | null> = [
          null,
          '',
          ...Array.from({ length: TEST_KEY.length - 1 }, (_, n) => TEST_KEY.slice(0, n + 1)),
          ...Array.from({ length: TEST_KEY.length }, (_, i) => TEST_KEY.slice(0, i) + (TEST_KEY[i] === 'x' ? 'y' : 'x') + TEST_KEY.slice(i + 1)),
          TEST_KEY + 'x',
          TEST_KEY + TEST_KEY,
          TEST_KEY.toUpperCase(),
          TEST_KEY.slice(1),
        ];
        while (keys.length < 2000) keys.push(random(1 + Math.floor(Math.random() * 400)));
        const upload = form([['database', 't0'], ['truncate', 'true'], ['file', 'x'.repeat(8 * 1024), 'dump.ndjson']]);
        const routes: Array<[string, Parameters<typeof call>[2]]> = [
          ['/admin/migrations/export', { json: { format: 'ndjson' } }],
          ['/admin/migrations/import', { body: upload }],
          ['/admin/settings/refresh', { json: { database: 't1' } }],
          ['/admin/no-such-route', { method: 'GET' }],
        ];
        const before = lines.length;
        const statuses: Tally = {};
        let next = 0;
        // 64 connections at a time, 2,000 requests in all.
        await Promise.all(
          Array.from({ length: 64 }, async () => {
            for (let i = next++; i < keys.length; i = next++) {
              const [route, init] = routes[i % routes.length];
              const answer = await call(server, route, { ...init, key: keys[i] });
              statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
              assert.equal(answer.status, 401, `key ${JSON.stringify(keys[i])} on ${route}: ${answer.text}`);
              assert.equal(answer.json.error.code, 'UNAUTHORIZED');
              assert.match(answer.json.error.message, /^(This route needs the API key in the X-API-Key header\.|The X-API-Key header does not hold the server's API key\.)$/);
            }
          }),
        );
        assert.deepEqual(statuses, { 401: 2000 });
        const logged = lines.slice(before);
        assert.equal(logged.length, 2000);
        assert.ok(logged.every((l) => / 401 .*UNAUTHORIZED/.test(l)), 'every one refused, none let through');
        assert.ok(!logged.join('\n').includes(TEST_KEY.slice(0, 8)), 'no part of the key in the log');
        assert.equal(server.jobs.running, 0, 'refused before taking a job slot');

        const health = await call(server, '/health', { method: 'GET', key: null });
        assert.equal(health.status, 200);
        const right = await call(server, '/admin/migrations/export', { json: { format: 'ndjson' } });
        assert.equal(right.status, 200, right.text);
        assert.equal(right.text.trimEnd().split('\n').length, CHINOOK_ROWS + 2);
        assert.equal(server.databases.current.db.name, 'source', 'no refresh got through');
        assert.deepEqual(await checksums(targets[0].url), sourceSums, 'no import got through');
      });
    }
  });
}
