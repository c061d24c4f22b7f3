import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveDatabase, type ResolvedDatabase } from '../../src/core/config';
import { findMigrations, migrateUp, migrationStates, runMigration } from '../../src/core/migrate';
import type { Engine } from '../../src/core/url';
import { createTestDatabase, execSql, querySql, requireServer, type TestDatabase } from '../helpers/servers';
import { checksums, tableNames, tempDir } from '../helpers/data';
import { errorCode } from '../helpers/errors';

/** Each engine gets the same migrations, in its own SQL where the dialects differ. */
function writeMigrations(dir: string, engine: Engine): void {
  fs.mkdirSync(path.join(dir, 'archive'), { recursive: true });
  const int = engine === 'mysql' ? 'INT' : 'INTEGER';
  fs.writeFileSync(path.join(dir, '001_people.sql'), `-- people and their teams\nCREATE TABLE people (id ${int} PRIMARY KEY, name VARCHAR(40) NOT NULL);\nINSERT INTO people VALUES (1, 'Ada'), (2, 'Grace');\n`);
  fs.writeFileSync(
    path.join(dir, '002_note.js'),
    `// writes where DATABASE_URL points, to show scripts get it\nrequire('fs').writeFileSync(require('path').join(__dirname, '..', 'script-saw.txt'), process.env.DATABASE_URL);\n`,
  );
  fs.writeFileSync(path.join(dir, '003_more.sql'), `-- a third person\nINSERT INTO people VALUES (3, 'Edsger');\n`);
  fs.writeFileSync(path.join(dir, 'archive', '000_retired.sql'), `-- retired long ago\nSELECT 1;\n`);
}

for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
  describe(`migrations on ${engine}`, function () {
    this.timeout(120_000);
    let target: TestDatabase;
    let root: string;
    let dir: string;
    let db: ResolvedDatabase;

    beforeEach(async function () {
      await requireServer(this, engine);
      target = await createTestDatabase(engine);
      root = tempDir();
      dir = path.join(root, 'migrations');
      writeMigrations(dir, engine);
      // Migrations usually meet a database that already has tables.
      await execSql(target, 'CREATE TABLE existing (id INTEGER PRIMARY KEY)');
      db = resolveDatabase(target.url, { config: { databases: [], backupDirectory: path.join(root, 'backups') }, file: path.join(root, 'dbporter.config.json'), dir: root });
    });
    afterEach(async () => {
      await target?.drop();
      if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it('lists migrations with descriptions, archived ones on request', async () => {
      assert.deepEqual(findMigrations(dir).map((m) => [m.name, m.kind, m.description]), [
        ['001_people.sql', 'sql', 'people and their teams'],
        ['002_note.js', 'node', 'writes where DATABASE_URL points, to show scripts get it'],
        ['003_more.sql', 'sql', 'a third person'],
      ]);
      const states = await migrationStates(db, dir, true);
      assert.deepEqual(states.map((s) => [s.name, s.status]), [
        ['001_people.sql', 'pending'],
        ['002_note.js', 'pending'],
        ['003_more.sql', 'pending'],
        ['archive/000_retired.sql', 'pending'],
      ]);
    });

    it('a dry run says what would run and changes nothing', async () => {
      const before = await tableNames(target.url);
      const result = await runMigration(db, dir, '001_people.sql', { dryRun: true });
      assert.equal(result.outcome, 'dry-run');
      assert.match(result.message, /001_people\.sql \(sql\) against /);
      if (engine !== 'mysql') assert.match(result.message, /rolled back: it ran without error/);
      assert.deepEqual(await tableNames(target.url), before);
    });

    it('runs one, records it with its checksum, and does not run it twice', async () => {
      const first = await runMigration(db, dir, '001_people.sql');
      assert.equal(first.outcome, 'applied');
      assert.equal((await checksums(target.url)).people.rows, 2);
      const again = await runMigration(db, dir, '001_people.sql');
      assert.equal(again.outcome, 'already-applied');
      assert.equal((await checksums(target.url)).people.rows, 2);
      const recorded = await querySql(target, 'SELECT name, checksum FROM dbporter_migrations');
      assert.deepEqual(recorded.map((r) => r.name), ['001_people.sql']);
      assert.equal(recorded[0].checksum, findMigrations(dir)[0].checksum);
    });

    it('reports an applied migration whose file changed, and does not run it again', async () => {
      await runMigration(db, dir, '001_people.sql');
      fs.appendFileSync(path.join(dir, '001_people.sql'), "INSERT INTO people VALUES (9, 'Edited');\n");
      const states = await migrationStates(db, dir);
      assert.equal(states[0].status, 'changed');
      const result = await runMigration(db, dir, '001_people.sql');
      assert.equal(result.outcome, 'changed-not-run');
      assert.match(result.message, /checksum differs/);
      assert.equal((await checksums(target.url)).people.rows, 2);
    });

    it('up runs every pending one in order; scripts get DATABASE_URL', async () => {
      const result = await migrateUp(db, dir);
      assert.deepEqual(result.applied.map((r) => r.migration.name), ['001_people.sql', '002_note.js', '003_more.sql']);
      assert.equal(result.failed, undefined);
      assert.equal((await checksums(target.url)).people.rows, 3);
      assert.equal(fs.readFileSync(path.join(root, 'script-saw.txt'), 'utf8'), target.url);
      assert.deepEqual((await migrationStates(db, dir)).map((s) => s.status), ['applied', 'applied', 'applied']);
    });

    it('a failing migration stops up, is restored by the guard, and leaves no trace', async () => {
      await migrateUp(db, dir);
      const before = await checksums(target.url);
      const tables = await tableNames(target.url);
      fs.writeFileSync(path.join(dir, '004_broken.sql'), `-- half good\nCREATE TABLE half (id INTEGER);\nINSERT INTO people VALUES (4, 'Barbara');\nTHIS IS NOT SQL;\n`);
      fs.writeFileSync(path.join(dir, '005_after.sql'), `-- never reached\nINSERT INTO people VALUES (5, 'Alan');\n`);
      const result = await migrateUp(db, dir);
      assert.equal(result.failed?.migration.name, '004_broken.sql');
      assert.equal(result.applied.length, 0);
      assert.deepEqual(await tableNames(target.url), tables, 'no table of the failed migration remains');
      assert.deepEqual(await checksums(target.url), before, 'no row of it either, and 005 did not run');
      const states = await migrationStates(db, dir);
      assert.deepEqual(states.slice(3).map((s) => [s.name, s.status]), [['004_broken.sql', 'pending'], ['005_after.sql', 'pending']]);
    });

    it('run without the guard: one that cannot be atomic is put back from a snapshot of its own; an atomic one takes none', async () => {
      const int = engine === 'mysql' ? 'INT' : 'INTEGER';
      fs.writeFileSync(path.join(dir, '004_broken.sql'), `-- half good\nCREATE TABLE half (id ${int});\nINSERT INTO existing VALUES (7);\nTHIS IS NOT SQL;\n`);
      const tables = await tableNames(target.url);
      const before = await checksums(target.url);
      const failed = runMigration(db, dir, '004_broken.sql');
      if (engine === 'mysql') await assert.rejects(failed, errorCode('WRITE_FAILED', /The database was put back from the snapshot .*_before-migrate\.zip taken before it\./));
      else await assert.rejects(failed);
      assert.deepEqual(await tableNames(target.url), tables, 'no table of it');
      assert.deepEqual(await checksums(target.url), before, 'no row of it');
      const backups = path.join(root, 'backups');
      const snapshots = fs.existsSync(backups) ? (fs.readdirSync(backups, { recursive: true }) as string[]).filter((f) => f.endsWith('_before-migrate.zip')) : [];
      assert.equal(snapshots.length, engine === 'mysql' ? 1 : 0, 'a snapshot only where the migration is not one transaction');
    });
  });
}

describe('migrations on a SQLite file that does not exist yet', () => {
  it('list shows all pending, and up creates the database', async () => {
    const target = await createTestDatabase('sqlite');
    const root = tempDir();
    try {
      const dir = path.join(root, 'migrations');
      writeMigrations(dir, 'sqlite');
      const db = resolveDatabase(target.url, { config: { databases: [], backupDirectory: path.join(root, 'backups') }, file: path.join(root, 'x.json'), dir: root });
      assert.deepEqual((await migrationStates(db, dir)).map((s) => s.status), ['pending', 'pending', 'pending']);
      const result = await migrateUp(db, dir);
      assert.equal(result.applied.length, 3, result.failed?.error);
      assert.equal((await checksums(target.url)).people.rows, 3);
    } finally {
      await target.drop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
