import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../../src/core/url';
import type { Table } from '../../src/core/schema/model';
import { RUNNING_TABLE } from '../../src/core/migrate';
import { createTestDatabase, execSql, querySql, requireServer, type TestDatabase } from '../helpers/servers';
import { checksums, tableNames, tempDir } from '../helpers/data';
import { CLI, dbporter } from '../helpers/cli';
import { sampleTable, writeDump } from '../helpers/dumps';

describe('dbporter migrate', function () {
  this.timeout(60_000);
  let project: string;
  let db: TestDatabase;

  before(async () => {
    project = tempDir();
    db = await createTestDatabase('sqlite');
    fs.mkdirSync(path.join(project, 'db/migrations'), { recursive: true });
    fs.writeFileSync(
      path.join(project, 'dbporter.config.json'),
      JSON.stringify({ databases: [{ name: 'app', url: db.url }], migrationsDirectory: 'db/migrations' }),
    );
    fs.writeFileSync(path.join(project, 'db/migrations/001_init.sql'), '-- the first table\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n');
    fs.writeFileSync(path.join(project, 'db/migrations/002_seed.sh'), "# seed a note\necho \"seeding $DATABASE_URL\"\n");
  });
  after(async () => {
    await db.drop();
    fs.rmSync(project, { recursive: true, force: true });
  });

  it('lists, dry-runs, runs up, and lists again', async () => {
    const list = await dbporter(['migrate', 'list', '--database-url', 'app'], { cwd: project });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /pending\s+001_init\.sql\s+— the first table/);
    assert.match(list.stdout, /pending\s+002_seed\.sh\s+— seed a note/);

    const dry = await dbporter(['migrate', 'run', '001_init.sql', '--dry-run', '--database-url', 'app'], { cwd: project });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /Would run .*001_init\.sql \(sql\) against sqlite:/);
    assert.equal(fs.existsSync(db.url.slice('sqlite:'.length)), false, 'a dry run creates nothing');

    const up = await dbporter(['migrate', 'up', '--database-url', 'app'], { cwd: project });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /seeding sqlite:/, 'the script ran with DATABASE_URL');
    assert.match(up.stderr, /Applied 001_init\.sql[\s\S]*Applied 002_seed\.sh/);
    assert.ok('notes' in (await checksums(db.url)));

    const again = await dbporter(['migrate', 'list', '--database-url', 'app'], { cwd: project });
    assert.match(again.stdout, /applied\s+001_init\.sql/);
    assert.match(again.stdout, /applied\s+002_seed\.sh/);

    const none = await dbporter(['migrate', 'up', '--database-url', 'app'], { cwd: project });
    assert.match(none.stderr, /no pending migrations/);
  });

  it('exits 1 when a migration fails, saying the guard restored the database', async () => {
    // The two good migrations first (already applied when the test above ran): this test stands alone.
    assert.equal((await dbporter(['migrate', 'up', '--database-url', 'app'], { cwd: project })).code, 0);
    fs.writeFileSync(path.join(project, 'db/migrations/003_bad.sql'), '-- broken\nINSERT INTO notes VALUES (1, \'x\');\nNOT SQL;\n');
    const before = await checksums(db.url);
    const up = await dbporter(['migrate', 'up', '--database-url', 'app'], { cwd: project });
    assert.equal(up.code, 1);
    assert.match(up.stderr, /003_bad\.sql failed: .*The guard restored the database from .*_guard(_\d+)?\.zip\. It is not recorded as applied/);
    assert.deepEqual(await checksums(db.url), before);
    fs.rmSync(path.join(project, 'db/migrations/003_bad.sql'));
  });
});

/**
 * Migrations killed half way, at chosen moments: a script that kills the dbporter running it (on
 * every engine: a script runs outside DB Porter's transaction), and on MySQL a SQL migration killed
 * while the server still runs the rest of it. The next migrate command puts the snapshot back and
 * says so; a migration whose process still runs is left alone.
 */
for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
  describe(`dbporter migrate on ${engine}, killed half way`, function () {
    this.timeout(120_000);
    let project: string;
    let db: TestDatabase;
    let dir: string;
    let before: string;
    const run = (...args: string[]) => dbporter(['migrate', ...args, '--database-url', db.url, '--migrations-dir', dir], { cwd: project });
    const notes = async () => JSON.stringify(await checksums(db.url).then((c) => c.notes));
    const running = async () => (await querySql(db, `SELECT name FROM ${RUNNING_TABLE}`).catch(() => [])).map((r) => r.name);

    beforeEach(async function () {
      await requireServer(this, engine);
      project = tempDir();
      dir = path.join(project, 'migrations');
      fs.mkdirSync(dir);
      db = await createTestDatabase(engine);
      await execSql(db, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(40)); INSERT INTO notes VALUES (1, 'one'), (2, 'two')");
      before = await notes();
    });
    afterEach(async () => {
      await db?.drop();
      if (project) fs.rmSync(project, { recursive: true, force: true });
    });

    it('a script that kills its dbporter half way is undone by the next list, which says so; up then applies it', async () => {
      const dump = path.join(project, 'note.ndjson');
      const table: Table = { ...sampleTable, name: 'notes', columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'body', type: 'text', nullable: true }] };
      fs.writeFileSync(dump, await writeDump('ndjson', [{ table, rows: [[100, 'from the script']] }]));
      fs.writeFileSync(path.join(project, 'kill-once'), '');
      fs.writeFileSync(
        path.join(dir, '001_note.js'),
        `// adds a note through dbporter; the first time, then kills the dbporter running it
const { execFileSync } = require('child_process');
const fs = require('fs');
execFileSync(process.execPath, [${JSON.stringify(CLI)}, 'import', ${JSON.stringify(dump)}, '--database-url', process.env.DATABASE_URL, '--mode', 'append'], { stdio: 'inherit' });
if (fs.existsSync(${JSON.stringify(path.join(project, 'kill-once'))})) {
  fs.rmSync(${JSON.stringify(path.join(project, 'kill-once'))});
  process.kill(process.ppid, 'SIGKILL');
}
`,
      );
      const killed = await run('up');
      assert.equal(killed.code, null, `killed: ${killed.stderr}`);
      assert.notEqual(await notes(), before, 'the script changed the notes');
      assert.deepEqual(await running(), ['001_note.js'], 'and the row naming it stayed');

      const list = await run('list');
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stderr, /Migration 001_note\.js was interrupted \(started .*; process \d+ is gone\); the database was put back from the snapshot .*_guard(_\d+)?\.zip taken before it\./);
      assert.match(list.stdout, /^pending +001_note\.js/);
      assert.equal(await notes(), before);
      assert.ok(!(await tableNames(db.url)).includes(RUNNING_TABLE));

      const up = await run('up');
      assert.equal(up.code, 0, up.stderr);
      assert.doesNotMatch(up.stderr, /interrupted/);
      assert.match(up.stderr, /Applied 001_note\.js/);
      assert.equal((await checksums(db.url)).notes.rows, 3);
      assert.ok(!(await tableNames(db.url)).includes(RUNNING_TABLE), 'the row naming it went with its record');
      assert.match((await run('list')).stdout, /^applied +001_note\.js/);
    });

    it('one still running is left alone: list says so, up refuses', async () => {
      const go = path.join(project, 'go');
      fs.writeFileSync(path.join(dir, '001_wait.js'), `// waits for the test\nconst fs = require('fs');\nconst t = setInterval(() => fs.existsSync(${JSON.stringify(go)}) && clearInterval(t), 50);\n`);
      const first = run('up');
      for (let i = 0; i < 400 && !(await running()).length; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(await running(), ['001_wait.js']);
      const list = await run('list');
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stderr, /Migration 001_wait\.js is being applied now, by process \d+/);
      const second = await run('up');
      assert.equal(second.code, 1);
      assert.match(second.stderr, /001_wait\.js is being applied now.*Wait for it to finish\. \[BUSY\]/);
      fs.writeFileSync(go, '');
      const done = await first;
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stderr, /Applied 001_wait\.js/);
      assert.equal(await notes(), before);
    });

    if (engine === 'mysql') {
      it('a SQL migration killed while the server still runs the rest of it is put back after that rest', async () => {
        // The server runs a script sent as one packet to its end, client or not: the INSERT comes
        // 3 s after the kill, and must not land in the database put back.
        fs.writeFileSync(path.join(dir, '001_tag.sql'), "-- a column, a pause, a row\nALTER TABLE notes ADD COLUMN tag VARCHAR(10);\nDO SLEEP(3);\nINSERT INTO notes (id, body) VALUES (200, 'late');\n");
        const name = new URL(db.url).pathname.slice(1);
        const up = run('up');
        const tagged = async () => (await querySql(db, `SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${name}' AND COLUMN_NAME = 'tag'`))[0].n === 1;
        for (let i = 0; i < 400 && !(await tagged()); i++) await new Promise((r) => setTimeout(r, 25));
        assert.ok(await tagged(), 'the ALTER went through');
        up.child.kill('SIGKILL');
        const killedAt = Date.now();
        assert.equal((await up).code, null);
        const list = await run('list');
        assert.equal(list.code, 0, list.stderr);
        assert.match(list.stderr, /Migration 001_tag\.sql was interrupted .*put back from the snapshot/);
        // Past the server's end of the script, whatever list did.
        await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 4500 - Date.now())));
        assert.equal(await tagged(), false);
        assert.equal(await notes(), before, 'no row of the migration, the late one included');
        const again = await run('up');
        assert.equal(again.code, 0, again.stderr);
        assert.equal((await checksums(db.url)).notes.rows, 3);
      });
    }
  });
}
