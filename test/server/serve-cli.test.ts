import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createTestDatabase, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { tempDir } from '../helpers/data';
import { CLI, dbporter } from '../helpers/cli';
import { TEST_KEY } from '../helpers/admin';

describe('dbporter serve', function () {
  this.timeout(60_000);
  let chinook: TestDatabase;
  let dir: string;

  before(async () => {
    assert.ok(fs.existsSync(CLI), `build the CLI first (npm run build): ${CLI}`);
    chinook = await createTestDatabase('sqlite');
    await loadChinook(chinook);
    dir = tempDir();
  });
  after(async () => {
    await chinook.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves on loopback with the key from DBPORTER_API_KEY, and stops cleanly on Ctrl-C', async () => {
    const run = dbporter(['serve', '--port', '0', '--database-url', chinook.url, '--max-jobs', '3', '--idle-timeout', '2m', '--headers-timeout', '10s'], { cwd: dir, env: { DBPORTER_API_KEY: TEST_KEY } });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      run.child.stderr!.on('data', (d: Buffer) => {
        stderr += d;
        const m = /admin API on (http:\/\/127\.0\.0\.1:\d+)[^]*Ctrl-C stops it/.exec(stderr);
        if (m) resolve(m[1]);
      });
      run.child.once('exit', () => reject(new Error(`serve exited: ${stderr}`)));
    });
    try {
      assert.match(stderr, /Every route but \/health needs the X-API-Key header\. Bodies up to 100 MiB, 3 jobs at a time\./);

      assert.equal((await fetch(`${url}/health`)).status, 200);
      assert.equal((await fetch(`${url}/admin/migrations/export`, { method: 'POST' })).status, 401);
      const exported = await fetch(`${url}/admin/migrations/export`, { method: 'POST', headers: { 'X-API-Key': TEST_KEY, 'Content-Type': 'application/json' }, body: '{"format":"ndjson"}' });
      assert.equal(exported.status, 200);
      assert.equal((await exported.text()).trimEnd().split('\n').length, 15607 + 2);
    } finally {
      run.child.kill('SIGINT');
    }
    const done = await run;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stderr, /POST \/admin\/migrations\/export 401 .*UNAUTHORIZED/);
    assert.match(done.stderr, /POST \/admin\/migrations\/export 200/);
    assert.match(done.stderr, /Stopped\.\n$/);
    assert.ok(!done.stderr.includes(TEST_KEY), 'the key is never logged');
    await assert.rejects(fetch(`${url}/health`), 'nothing listens any more');
  });

  it('refuses to listen beyond loopback without a key, and says why', async () => {
    const run = await dbporter(['serve', '--host', '0.0.0.0', '--port', '0', '--database-url', chinook.url], { cwd: dir, env: { DBPORTER_API_KEY: undefined } });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /Refusing to listen on 0\.0\.0\.0 without an API key: anyone who can reach this address could export or overwrite the database/);
  });

  it('refuses bad options with exit code 2', async () => {
    for (const [args, key, pattern] of [
      [['serve', '--port', 'eighty'], undefined, /--port takes a port number/],
      [['serve', '--max-body', 'huge', '--database-url', chinook.url], undefined, /"huge" is not a size/],
      [['serve', '--max-jobs', '0', '--database-url', chinook.url], undefined, /--max-jobs takes a whole number of at least 1, got "0"/],
      [['serve', '--idle-timeout', '30', '--database-url', chinook.url], undefined, /"30" is not a duration.*Use a number with ms, s or m/],
      [['serve', '--headers-timeout', 'soon', '--database-url', chinook.url], undefined, /"soon" is not a duration/],
      [['serve', '--database-url', chinook.url], 'abc', /DBPORTER_API_KEY is 3 characters long/],
    ] as Array<[string[], string | undefined, RegExp]>) {
      const run = await dbporter(args, { cwd: dir, env: { DBPORTER_API_KEY: key } });
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, pattern);
    }
  });
});
