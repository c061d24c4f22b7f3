import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTestDatabase, requireServer, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { LEDGER_TABLE, labelledKeys } from '../../src/core/ledger';
import { withAdapter } from '../../src/core/engines';
import { checksums, tableNames, tempDir } from '../helpers/data';
import { sampleTable, writeDump } from '../helpers/dumps';

import { CLI, dbporter, setDefaultCwd } from '../helpers/cli';

describe('dbporter command line', function () {
  this.timeout(120_000);
  let chinook: TestDatabase;
  let dir: string;

  before(async () => {
    assert.ok(fs.existsSync(CLI), `build the CLI first (npm run build): ${CLI}`);
    chinook = await createTestDatabase('sqlite');
    await loadChinook(chinook);
    dir = tempDir();
    setDefaultCwd(dir);
  });
  after(async () => {
    await chinook.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exports to a file: data in the file, progress on stderr, nothing on stdout', async () => {
    const file = path.join(dir, 'chinook.ndjson');
    const run = await dbporter(['export', file, '--database-url', chinook.url]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /Track: 3,503\/3,503 rows, [\d,]+ rows\/s/);
    assert.match(run.stderr, /Exported 15,607 rows from 11 tables/);
    assert.match(fs.readFileSync(file, 'utf8').split('\n')[0], /^\{"metadata":/, 'the format follows the .ndjson extension');
  });

  it('pipes export - into import - between two databases', async () => {
    const target = await createTestDatabase('sqlite');
    try {
      const exporter = dbporter(['export', '-', '--format', 'ndjson', '--database-url', chinook.url]);
      const importer = dbporter(['import', '-', '--format', 'ndjson', '--database-url', target.url], { input: exporter.child.stdout! });
      const [e, i] = await Promise.all([exporter, importer]);
      assert.equal(e.code, 0, e.stderr);
      assert.equal(i.code, 0, i.stderr);
      assert.equal(i.stdout, '');
      assert.match(i.stderr, /Imported 15,607 rows into 11 tables \(merge\)/);
      const { [LEDGER_TABLE]: ledger, ...tables } = await checksums(target.url);
      assert.deepEqual(tables, await checksums(chinook.url));
      assert.ok(ledger.rows > 0);
      const labelled = await withAdapter(target.url, async (a) => {
        const { tables: defs } = await a.introspect();
        return a.read((r) => labelledKeys(r, defs, ['standard-input']));
      });
      assert.equal([...labelled.values()].reduce((n, keys) => n + keys.length, 0), 15607, 'the import ledger names every row, under the label standard-input');
    } finally {
      await target.drop();
    }
  });

  it('writes dump-<time>.json in the working directory when no destination is given', async () => {
    const cwd = fs.mkdtempSync(path.join(dir, 'cwd-'));
    const run = await dbporter(['export', '--table', 'Genre'], { cwd, env: { DATABASE_URL: chinook.url } });
    assert.equal(run.code, 0, run.stderr);
    const files = fs.readdirSync(cwd);
    assert.equal(files.length, 1);
    assert.match(files[0], /^dump-\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.json$/);
    assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(path.join(cwd, files[0]), 'utf8')).data), ['Genre']);
  });

  it('copies SQLite into PostgreSQL by database names from dbporter.config.json, secrets from the environment', async function () {
    await requireServer(this, 'postgres');
    const target = await createTestDatabase('postgres');
    try {
      const cwd = fs.mkdtempSync(path.join(dir, 'cfg-'));
      fs.copyFileSync(chinook.url.slice('sqlite:'.length), path.join(cwd, 'local.db'));
      const pg = new URL(target.url);
      const serverUrl = `postgresql://${pg.username}:\${env:PG_SECRET}@${pg.host}${pg.pathname}`;
      const config = { databases: [{ name: 'local', url: 'sqlite:local.db' }, { name: 'server', url: serverUrl }] };
      fs.writeFileSync(path.join(cwd, 'dbporter.config.json'), JSON.stringify(config));
      const secret = 'pa$$:w@rd/with#chars';
      const run = await dbporter(['copy', '--from', 'local', '--to', 'server', '-v'], { cwd, env: { PG_SECRET: secret } });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /Copied 15,607 rows into 11 tables/);
      assert.ok(!run.stderr.includes(secret) && !run.stderr.includes(encodeURIComponent(secret)), 'the password never reaches the output');
      assert.deepEqual(await checksums(target.url), await checksums(chinook.url));

      const dump = path.join(cwd, 'server.ndjson');
      const exported = await dbporter(['export', dump, '--database-url', 'server', '-v'], { cwd, env: { PG_SECRET: secret } });
      assert.equal(exported.code, 0, exported.stderr);
      const text = fs.readFileSync(dump, 'utf8');
      for (const leak of [secret, encodeURIComponent(secret)]) {
        assert.ok(!text.includes(leak) && !exported.stderr.includes(leak), 'the password is in neither the dump nor the output');
      }

      const missing = await dbporter(['export', '-', '--database-url', 'server'], { cwd, env: { PG_SECRET: undefined } });
      assert.equal(missing.code, 1, missing.stderr);
      assert.match(missing.stderr, /PG_SECRET.*not set.*\[ENV_MISSING\]/);
    } finally {
      await target.drop();
    }
  });

  it('says what is wrong with the command line and exits 2', async () => {
    for (const [args, pattern] of [
      [['frobnicate'], /unknown command "frobnicate"/],
      [['export', '--format', 'xml', '--database-url', 'sqlite:x.db'], /Unknown format "xml"/],
      [['import', 'x.json', '--mode', 'upsert', '--database-url', 'sqlite:x.db'], /Unknown mode "upsert"/],
      [['export', '--bogus'], /Unknown option '--bogus'/],
      [['copy', '--from', chinook.url], /copy needs --to/],
    ] as Array<[string[], RegExp]>) {
      const run = await dbporter(args, { cwd: dir });
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, pattern);
    }
  });

  it('reports bad input with its code and exits 1', async () => {
    const unknown = await dbporter(['export', '-', '--database-url', 'oracle://scott:tiger@db/orcl']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Unknown database scheme "oracle:".*\[UNKNOWN_ENGINE\]/);
    assert.ok(!unknown.stderr.includes('tiger'));

    const noFile = await dbporter(['import', path.join(dir, 'missing.json'), '--database-url', chinook.url]);
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /No dump at .*missing\.json.*\[FILE_NOT_FOUND\]/);

    const noDb = await dbporter(['export', '-']);
    assert.equal(noDb.code, 2, 'a missing --database-url is a usage error');
    assert.match(noDb.stderr, /No database given.*DATABASE_URL/);
  });

  it('Ctrl-C during an import rolls back and exits 130', async function () {
    await requireServer(this, 'postgres');
    const target = await createTestDatabase('postgres');
    try {
      const rows = Array.from({ length: 400_000 }, (_, i) => [i + 1, `row ${i}`, `${i}.5`, null, '2024-01-01T00:00:00Z']);
      const file = path.join(dir, 'big.ndjson');
      fs.writeFileSync(file, await writeDump('ndjson', [{ table: sampleTable, rows }]));
      const run = dbporter(['import', file, '--database-url', target.url, '-v']);
      await new Promise<void>((resolve) => run.child.stderr!.on('data', (d: Buffer) => /Importing/.test(String(d)) && setTimeout(resolve, 700)));
      run.child.kill('SIGINT');
      const result = await run;
      assert.equal(result.code, 130, result.stderr);
      assert.match(result.stderr, /Cancel/);
      assert.deepEqual(await tableNames(target.url), []);
    } finally {
      await target.drop();
    }
  });
});
