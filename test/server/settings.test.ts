import * as assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { parseConfig, type LoadedConfig } from '../../src/core/config';
import { loadModeFrom } from '../../src/core/load';
import { hasApiKey, keyDigest } from '../../src/server/auth';
import { JobSlots } from '../../src/server/jobs';
import { errorBody, RETRY_AFTER_SECONDS, statusFor } from '../../src/server/responses';
import { DbPorterError } from '../../src/core/errors';
import { apiKeyFrom, checkExposure, formatDuration, isLoopback, parseByteSize, parseDuration, resolveLimits } from '../../src/server/settings';
import { errorCode } from '../helpers/errors';

const withServer = (server: NonNullable<LoadedConfig['config']['server']>): LoadedConfig => ({
  config: { databases: [], server },
  file: '/project/dbporter.config.json',
  dir: '/project',
});
const env = (vars: Record<string, string>) => (kind: string, name: string) => (kind === 'env' ? vars[name] : undefined);
const request = (key?: string) => ({ headers: key === undefined ? {} : { 'x-api-key': key } }) as unknown as IncomingMessage;

describe('admin API settings', () => {
  it('takes the key from the config\'s ${env:NAME} reference first, then DBPORTER_API_KEY', () => {
    const key = 'k'.repeat(32);
    assert.equal(apiKeyFrom(withServer({ apiKey: '${env:ADMIN_KEY}' }), env({ ADMIN_KEY: key, DBPORTER_API_KEY: 'other'.repeat(8) })), key);
    assert.equal(apiKeyFrom(undefined, env({ DBPORTER_API_KEY: key })), key);
    assert.equal(apiKeyFrom(undefined, env({ DBPORTER_API_KEY: '' })), undefined, 'an empty variable is no key');
    assert.throws(() => apiKeyFrom(withServer({ apiKey: '${env:ADMIN_KEY}' }), env({})), errorCode('ENV_MISSING', /ADMIN_KEY/));
    assert.throws(() => apiKeyFrom(undefined, env({ DBPORTER_API_KEY: 'short' })), errorCode('BAD_ARGUMENT', /5 characters long; use a random key of at least 16/));
  });

  it('keeps the key itself out of dbporter.config.json', () => {
    assert.throws(() => parseConfig('{"server":{"apiKey":"hunter2hunter2hunter2"}}', 'f'), errorCode('CONFIG_INVALID', /server\.apiKey.*reference/));
    assert.equal(parseConfig('{"server":{"apiKey":"${env:K}","database":"local","maxBodyBytes":1024}}', 'f').server?.maxBodyBytes, 1024);
  });

  it('takes each limit from the options, else the config, else the default', () => {
    const config = withServer({ maxBodyBytes: 1024, maxJobs: 3, headersTimeoutMs: 5000, idleTimeoutMs: 7000 });
    assert.deepEqual(resolveLimits({}, undefined), { maxBodyBytes: 100 * 1024 * 1024, maxJobs: 8, headersTimeoutMs: 30_000, idleTimeoutMs: 60_000 });
    assert.deepEqual(resolveLimits({}, config), { maxBodyBytes: 1024, maxJobs: 3, headersTimeoutMs: 5000, idleTimeoutMs: 7000 });
    assert.deepEqual(resolveLimits({ maxJobs: 1, idleTimeoutMs: 250 }, config), { maxBodyBytes: 1024, maxJobs: 1, headersTimeoutMs: 5000, idleTimeoutMs: 250 });
    assert.equal(parseConfig('{"server":{"maxJobs":2,"headersTimeoutMs":1000,"idleTimeoutMs":2000}}', 'f').server?.idleTimeoutMs, 2000);
    assert.throws(() => parseConfig('{"server":{"maxJobs":0}}', 'f'), errorCode('CONFIG_INVALID', /server\.maxJobs/));
    assert.throws(() => parseConfig('{"server":{"idleTimeoutMs":"60s"}}', 'f'), errorCode('CONFIG_INVALID', /server\.idleTimeoutMs/));
    assert.throws(() => parseConfig('{"server":{"headersTimeoutMs":99999999999}}', 'f'), errorCode('CONFIG_INVALID', /server\.headersTimeoutMs/));
  });

  it('reads durations with units, and refuses a bare number', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1.5 s'), 1500);
    assert.throws(() => parseDuration('30'), errorCode('BAD_ARGUMENT', /"30" is not a duration.*ms, s or m/));
    assert.throws(() => parseDuration('2000m'), errorCode('BAD_ARGUMENT', /from 1ms to a day/));
    assert.throws(() => parseDuration('0s'), errorCode('BAD_ARGUMENT'));
    assert.deepEqual([60_000, 30_000, 1500, 300, 120_000].map(formatDuration), ['1 min', '30 s', '1.5 s', '300 ms', '2 min']);
  });

  it('caps the jobs running at once, and frees a slot once per release', () => {
    const jobs = new JobSlots(2);
    const first = jobs.take();
    const second = jobs.take();
    assert.throws(() => jobs.take(), errorCode('TOO_MANY_JOBS', /already running 2 jobs.*again in a few seconds.*--max-jobs/));
    first();
    first();
    assert.equal(jobs.running, 1, 'a second release of the same slot frees nothing');
    jobs.take();
    assert.throws(() => jobs.take(), errorCode('TOO_MANY_JOBS'));
    second();
    assert.equal(jobs.running, 1);
  });

  it('refuses to listen beyond loopback without a key', () => {
    for (const host of ['127.0.0.1', '127.3.2.1', '::1', '[::1]', 'localhost']) assert.ok(isLoopback(host), host);
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.com', '128.0.0.1']) assert.ok(!isLoopback(host), host);
    assert.doesNotThrow(() => checkExposure('127.0.0.1', undefined));
    assert.doesNotThrow(() => checkExposure('0.0.0.0', 'k'.repeat(20)));
    assert.throws(() => checkExposure('0.0.0.0', undefined), errorCode('BAD_ARGUMENT', /Refusing to listen on 0\.0\.0\.0 without an API key.*DBPORTER_API_KEY/));
  });

  it('reads sizes with units', () => {
    assert.equal(parseByteSize('100m'), 100 * 1024 * 1024);
    assert.equal(parseByteSize('64k'), 65536);
    assert.equal(parseByteSize('1GiB'), 1024 ** 3);
    assert.equal(parseByteSize('5000'), 5000);
    assert.throws(() => parseByteSize('lots'), errorCode('BAD_ARGUMENT', /not a size/));
    assert.throws(() => parseByteSize('0'), errorCode('BAD_ARGUMENT'));
  });

  it('compares the key exactly, whatever its length', () => {
    const key = 'abcdefghijklmnopqrstuvwxyz';
    assert.ok(hasApiKey(request(key), key));
    for (const wrong of [undefined, '', 'abcdefghijklmnopqrstuvwxyZ', key + 'a', key.slice(1), key.toUpperCase()]) assert.ok(!hasApiKey(request(wrong), key), String(wrong));
  });

  it('compares digests of one size, so no wrong key is turned away by its length first', () => {
    // No timing is measured (a timing would make a flaky test); what is checked is that every key,
    // whatever its length, reaches the constant-time comparison as 32 bytes, and is refused there.
    const key = 'k3y-0123456789abcdef-XYZ';
    const wrongs = [
      ...Array.from({ length: key.length }, (_, n) => key.slice(0, n)),
      ...Array.from({ length: 3 * key.length }, (_, n) => key + 'x'.repeat(n + 1)),
      ...Array.from({ length: key.length }, (_, i) => key.slice(0, i) + '#' + key.slice(i + 1)),
      'x'.repeat(8192),
    ];
    for (const wrong of wrongs) {
      assert.equal(keyDigest(wrong).length, 32, `length ${wrong.length}`);
      assert.ok(!hasApiKey(request(wrong), key), `length ${wrong.length}`);
    }
    assert.ok(hasApiKey(request(key), key));
  });

  it('maps error codes to statuses and hides what is not a DbPorterError', () => {
    assert.deepEqual(
      ['BAD_ARGUMENT', 'DUMP_INVALID', 'UNAUTHORIZED', 'UNKNOWN_DATABASE', 'REQUEST_TIMEOUT', 'BUSY', 'CONFLICT', 'BODY_TOO_LARGE', 'CONNECTION_FAILED', 'WRITE_FAILED', 'TOO_MANY_JOBS'].map((c) => statusFor(c as never)),
      [400, 400, 401, 404, 408, 409, 409, 413, 502, 500, 503],
    );
    assert.deepEqual(errorBody(new DbPorterError('TOO_MANY_JOBS', 'busy'), []).headers, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
    assert.deepEqual(errorBody(new DbPorterError('REQUEST_TIMEOUT', 'slow'), []).headers, { Connection: 'close' });
    const masked = errorBody(new DbPorterError('CONNECTION_FAILED', 'cannot reach postgresql://app:s3cret-pw@db/app with key sekrit-key-123'), ['sekrit-key-123']);
    assert.ok(!JSON.stringify(masked).includes('s3cret-pw') && !JSON.stringify(masked).includes('sekrit-key-123'), JSON.stringify(masked));
    const unexpected = errorBody(new TypeError('x is undefined at /srv/app.js:1:2'), []);
    assert.deepEqual(unexpected, { status: 500, body: { error: { code: 'INTERNAL', message: 'Unexpected error in the admin API; the server log says more.' } }, headers: {} });
  });

  it('maps truncate onto load modes as the command line does', () => {
    assert.equal(loadModeFrom({}), 'merge');
    assert.equal(loadModeFrom({ truncate: true }), 'replace');
    assert.equal(loadModeFrom({ truncate: false }), 'append');
    assert.equal(loadModeFrom({ mode: 'replace', truncate: true }), 'replace');
    assert.throws(() => loadModeFrom({ mode: 'merge', truncate: true }), errorCode('BAD_ARGUMENT', /mode and truncate disagree/));
    assert.throws(() => loadModeFrom({ mode: 'upsert' }), errorCode('BAD_ARGUMENT', /Unknown mode "upsert"/));
  });
});
