import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import * as net from 'node:net';
import { openAdapter } from '../../src/core/engines';
import { importDump } from '../../src/core/import';
import type { AdminServer } from '../../src/server/server';
import { createTestDatabase, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { tempDir } from '../helpers/data';
import { sampleTable, writeDump } from '../helpers/dumps';
import { call, rawRequest, readResponse, startTestServer, TEST_KEY, writeConfig } from '../helpers/admin';

const HEADERS_TIMEOUT_MS = 300;
const IDLE_TIMEOUT_MS = 400;

/** What a raw connection received until the server closed it, and when it closed. */
function rawConnection(server: AdminServer): { socket: net.Socket; closed: Promise<{ text: string; ms: number }> } {
  const started = Date.now();
  const socket = net.connect(server.port, server.host);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  socket.on('error', () => undefined);
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve({ text, ms: Date.now() - started }))) };
}

/** A raw HTTP answer: status and parsed JSON body. */
function parseAnswer(text: string): { status: number; headers: string; json: any } {
  const [head, body] = text.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), headers: head, json: JSON.parse(body) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('admin API limits: slow clients and the job cap', function () {
  this.timeout(60_000);
  let chinook: TestDatabase;
  let big: TestDatabase;
  let dir: string;
  let server: AdminServer;
  const lines: string[] = [];

  before(async () => {
    chinook = await createTestDatabase('sqlite');
    await loadChinook(chinook);
    // 2,000 rows of 10 KB: an export far bigger than what socket buffers hold for a client that does not read.
    big = await createTestDatabase('sqlite');
    const adapter = await openAdapter(big.url);
    try {
      const text = await writeDump('ndjson', [{ table: sampleTable, rows: Array.from({ length: 2000 }, (_, i) => [i + 1, `${i}:`.padEnd(10_000, 'x'), null, null, null]) }]);
      await importDump(adapter, (async function* () {
        yield text;
      })(), { format: 'ndjson' });
    } finally {
      await adapter.close();
    }
    dir = tempDir();
    writeConfig(dir, { databases: [{ name: 'chinook', url: chinook.url }, { name: 'big', url: big.url }], server: { database: 'chinook' } });
    server = await startTestServer(dir, { headersTimeoutMs: HEADERS_TIMEOUT_MS, idleTimeoutMs: IDLE_TIMEOUT_MS, log: (line) => lines.push(line) });
  });
  after(async () => {
    await server?.close();
    await chinook?.drop();
    await big?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers headers that never come, or trickle in, with 408 and a JSON error, and closes the connection', async () => {
    const silent = rawConnection(server);
    const trickling = rawConnection(server);
    trickling.socket.write('POST /admin/migrations/export HTTP/1.1\r\nHost: x\r\n');
    // Always sending, never finishing: the bound is on the headers as a whole, not on pauses.
    const drip = setInterval(() => trickling.socket.writable && trickling.socket.write('X-Drip: 1\r\n'), 50);
    try {
      for (const { text, ms } of [await silent.closed, await trickling.closed]) {
        const answer = parseAnswer(text);
        assert.equal(answer.status, 408, text);
        assert.match(answer.headers, /Content-Type: application\/json/i);
        assert.match(answer.headers, /Connection: close/i);
        assert.equal(answer.json.error.code, 'REQUEST_TIMEOUT');
        assert.match(answer.json.error.message, /headers did not arrive whole within 300 ms; nothing was done.*--headers-timeout.*server\.headersTimeoutMs/);
        assert.ok(ms >= HEADERS_TIMEOUT_MS, `cut after ${ms} ms, not before the bound`);
      }
    } finally {
      clearInterval(drip);
    }
    // Anything else that is not HTTP gets the same JSON shape.
    const garbage = rawConnection(server);
    garbage.socket.write('HELLO THERE\r\n\r\n');
    const bad = parseAnswer((await garbage.closed).text);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'BAD_ARGUMENT');
    assert.equal((await call(server, '/health', { method: 'GET' })).status, 200, 'the server still answers');
  });

  it('cuts off a body that stops arriving with 408 after the idle period, and frees its job slot', async () => {
    const req = rawRequest(server, '/admin/migrations/export', { 'Content-Type': 'application/json', 'Content-Length': 100 });
    const started = Date.now();
    const answer = readResponse(req);
    req.write('{"format": ');
    const stalled = await answer;
    assert.ok(Date.now() - started >= IDLE_TIMEOUT_MS, 'not before the idle period');
    assert.equal(stalled.status, 408, stalled.text);
    const error = JSON.parse(stalled.text).error;
    assert.equal(error.code, 'REQUEST_TIMEOUT');
    assert.match(error.message, /No bytes of the request body arrived for 400 ms, so the request was cut off; nothing was written.*--idle-timeout.*server\.idleTimeoutMs/);
    await sleep(50);
    assert.equal(server.jobs.running, 0);
    assert.ok(lines.some((l) => /POST \/admin\/migrations\/export 408 .*REQUEST_TIMEOUT/.test(l)), lines.join('\n'));
  });

  it('never cuts a body that keeps coming, however long it takes in all', async () => {
    const req = rawRequest(server, '/admin/migrations/export', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const answer = readResponse(req);
    const body = JSON.stringify({ format: 'ndjson', tables: ['Genre'] }).padEnd(60, ' ');
    // Five idle periods in all, no pause as long as one.
    for (const piece of body.match(/.{1,3}/g)!) {
      req.write(piece);
      await sleep(IDLE_TIMEOUT_MS / 4);
    }
    req.end();
    const done = await answer;
    assert.equal(done.status, 200, done.text);
    assert.equal(done.text.trimEnd().split('\n').length, 25 + 2);
  });

  it('cuts a response nobody reads after the idle period: the export stops and its slot is free', async () => {
    const req = rawRequest(server, '/admin/migrations/export', { 'Content-Type': 'application/json' });
    req.end(JSON.stringify({ format: 'ndjson', database: 'big' }));
    const res = await new Promise<IncomingMessage>((resolve) => req.once('response', resolve));
    assert.equal(res.statusCode, 200);
    res.pause();
    const ended = new Promise<string>((resolve) => {
      res.once('end', () => resolve('end'));
      res.once('aborted', () => resolve('aborted'));
      res.once('error', () => resolve('aborted'));
    });
    await sleep(100);
    assert.equal(server.jobs.running, 1, 'the export waits for its reader');
    for (let i = 0; i < 100 && server.jobs.running > 0; i++) await sleep(50);
    assert.equal(server.jobs.running, 0, 'the export stopped');
    res.resume();
    assert.equal(await ended, 'aborted', 'the client sees an incomplete transfer, never a short dump that looks whole');
    await sleep(50);
    assert.ok(lines.some((l) => /export 200 .* cut short, REQUEST_TIMEOUT: The client read nothing of the response for 400 ms/.test(l)), lines.join('\n'));
  });

  it('refuses jobs beyond the cap with 503 and Retry-After, while /health and the key check still answer', async () => {
    // The default idle period, so the exports held below are not cut while the test looks.
    const capped = await startTestServer(dir, { maxJobs: 2 });
    try {
      await fullCap(capped);
    } finally {
      await capped.close();
    }
  });

  async function fullCap(server: AdminServer): Promise<void> {
    // Two exports held by readers that do not read take both slots.
    const held = await Promise.all(
      [0, 1].map(async () => {
        const req = rawRequest(server, '/admin/migrations/export', { 'Content-Type': 'application/json' });
        req.end(JSON.stringify({ format: 'ndjson', database: 'big' }));
        const res = await new Promise<IncomingMessage>((resolve) => req.once('response', resolve));
        res.pause();
        return res;
      }),
    );
    try {
      assert.equal(server.jobs.running, 2);
      for (const route of ['/admin/migrations/export', '/admin/migrations/import', '/admin/settings/refresh']) {
        const refused = await call(server, route, { json: {} });
        assert.equal(refused.status, 503, `${route}: ${refused.text}`);
        assert.equal(refused.headers.get('retry-after'), '5');
        assert.equal(refused.json.error.code, 'TOO_MANY_JOBS');
        assert.match(refused.json.error.message, /already running 2 jobs .* nothing was done\. Send this request again in a few seconds, or raise the limit \(dbporter serve --max-jobs/);
      }
      assert.equal((await call(server, '/health', { method: 'GET', key: null })).status, 200);
      assert.equal((await call(server, '/admin/migrations/export', { key: 'wrong', json: {} })).status, 401, 'the key is checked first: no load figures for strangers');
    } finally {
      // Read them to their end: the slots come back, and the next job runs.
      await Promise.all(held.map((res) => new Promise((resolve) => res.once('end', resolve).resume())));
    }
    await sleep(50);
    assert.equal(server.jobs.running, 0);
    const next = await call(server, '/admin/migrations/export', { json: { format: 'ndjson', tables: ['Genre'] } });
    assert.equal(next.status, 200, next.text);
  }

  it('never logs the key', () => {
    assert.ok(lines.length >= 4, lines.join('\n'));
    assert.ok(!lines.join('\n').includes(TEST_KEY));
  });
});
