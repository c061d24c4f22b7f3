import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTestDatabase, execSql, querySql, requireServer, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { checksums, tableNames, tempDir } from '../helpers/data';
import { dbporter, setDefaultCwd } from '../helpers/cli';
import { planSchema } from '../../src/core/plan';

/**
 * `--plan` on copy and import: both sides read, the DDL and the type map printed, nothing changed;
 * and the schema report at the end of a real copy.
 */
describe('dbporter copy and import --plan', function () {
  this.timeout(180_000);
  let chinook: TestDatabase;
  let mysqlSource: TestDatabase;
  let dir: string;

  before(async function () {
    await requireServer(this, 'mysql');
    chinook = await createTestDatabase('sqlite');
    await loadChinook(chinook);
    mysqlSource = await createTestDatabase('mysql');
    await execSql(
      mysqlSource,
      `CREATE TABLE film (
         id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
         title VARCHAR(200) NOT NULL,
         rating ENUM('G','PG','R') DEFAULT 'G',
         active TINYINT(1) NOT NULL DEFAULT 1,
         released YEAR,
         updated TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
       ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
       CREATE TABLE review (id INT PRIMARY KEY, film_id INT UNSIGNED NOT NULL, KEY idx_film (film_id),
         CONSTRAINT fk_review_film FOREIGN KEY (film_id) REFERENCES film (id));
       CREATE TABLE note (id INT PRIMARY KEY, film_id INT UNSIGNED, KEY idx_film (film_id));
       CREATE VIEW film_titles AS SELECT id, title FROM film;
       INSERT INTO film (title, rating, active, released) VALUES ('Alien', 'R', 1, 1979), ('Up', 'PG', 0, 2009);
       INSERT INTO review VALUES (1, 1); INSERT INTO note VALUES (1, 2);`,
    );
    dir = tempDir();
    setDefaultCwd(dir);
  });
  after(async () => {
    await chinook?.drop();
    await mysqlSource?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('copy --plan --json: a valid plan of every table and column, and nothing written', async () => {
    const target = await createTestDatabase('sqlite');
    try {
      const run = await dbporter(['copy', '--from', chinook.url, '--to', target.url, '--plan', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const plan = planSchema.parse(JSON.parse(run.stdout));
      assert.equal(plan.tables.length, 11);
      assert.ok(plan.tables.every((t) => t.action === 'create'));
      const track = plan.tables.find((t) => t.name === 'Track')!;
      assert.deepEqual(
        track.columns.map((c) => [c.name, c.source, c.target, c.mapping]),
        [
          ['TrackId', 'INTEGER', 'INTEGER', 'exact'],
          ['Name', 'NVARCHAR(200)', 'NVARCHAR(200)', 'exact'],
          ['AlbumId', 'INTEGER', 'INTEGER', 'exact'],
          ['MediaTypeId', 'INTEGER', 'INTEGER', 'exact'],
          ['GenreId', 'INTEGER', 'INTEGER', 'exact'],
          ['Composer', 'NVARCHAR(220)', 'NVARCHAR(220)', 'exact'],
          ['Milliseconds', 'INTEGER', 'INTEGER', 'exact'],
          ['Bytes', 'INTEGER', 'INTEGER', 'exact'],
          ['UnitPrice', 'NUMERIC(10,2)', 'NUMERIC(10,2)', 'exact'],
        ],
      );
      assert.deepEqual(plan.notes, []);
      assert.equal(fs.existsSync(target.url.slice('sqlite:'.length)), false, 'the plan created no database file');
      assert.equal(fs.existsSync(path.join(dir, '.dbporter')), false, 'the plan took no snapshot');
    } finally {
      await target.drop();
    }
  });

  it('copy --plan from MySQL into SQLite: the type map flags what is adapted, and lists what is not carried', async () => {
    const target = await createTestDatabase('sqlite');
    try {
      const run = await dbporter(['copy', '--from', mysqlSource.url, '--to', target.url, '--plan']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^Plan: mysql:\/\/.* \(mysql\) into sqlite:.* \(sqlite\), mode merge\. Nothing was changed\./);
      assert.match(run.stdout, /Create table "film":/);
      assert.match(run.stdout, /released +YEAR(\(4\))? -> SMALLINT +\[adapted\]\n +adapted: YEAR carried as a smallint/);
      assert.deepEqual(await tableNames(target.url).catch(() => []), []);
    } finally {
      await target.drop();
    }
  });

  it('a copy from MySQL into SQLite reports at the end what it adapted and left behind; -v lists it', async () => {
    const target = await createTestDatabase('sqlite');
    try {
      const quiet = await dbporter(['copy', '--from', mysqlSource.url, '--to', target.url]);
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.match(quiet.stderr, /Schema: \d+ adapted\. Run with -v to list them\./);
      const again = await createTestDatabase('sqlite');
      try {
        const loud = await dbporter(['copy', '--from', mysqlSource.url, '--to', again.url, '-v']);
        assert.equal(loud.code, 0, loud.stderr);
        assert.match(loud.stderr, /adapted: column "rating" of table "film": the ENUM became TEXT with a CHECK|adapted: column "rating" of table "film": ENUM carried as text/);
        assert.match(loud.stderr, /adapted: column "released" of table "film": YEAR carried as a smallint/);
        // The rows arrived exactly.
        const source = await checksums(mysqlSource.url);
        const copied = await checksums(again.url);
        for (const t of ['film', 'review', 'note']) assert.equal(copied[t].checksum, source[t].checksum, t);
      } finally {
        await again.drop();
      }
    } finally {
      await target.drop();
    }
  });

  it('import --plan of a dump into PostgreSQL: the booleans\' default typed, index names made unique, nothing written', async function () {
    await requireServer(this, 'postgres');
    const dump = path.join(dir, 'films.ndjson');
    const exported = await dbporter(['export', dump, '--database-url', mysqlSource.url]);
    assert.equal(exported.code, 0, exported.stderr);
    const target = await createTestDatabase('postgres');
    try {
      const run = await dbporter(['import', dump, '--database-url', target.url, '--plan', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const plan = planSchema.parse(JSON.parse(run.stdout));
      assert.equal(plan.trusted, false);
      assert.equal(plan.source.engine, 'mysql');
      // MySQL names indexes per table, PostgreSQL per database: the second idx_film gets its table's name.
      const renamed = plan.notes.filter((n) => n.kind === 'index' && n.name === 'idx_film');
      assert.equal(renamed.length, 1);
      assert.match(renamed[0].reason, new RegExp(`renamed "${renamed[0].table}_idx_film"`));
      const tables = await querySql(target, "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'");
      assert.equal(Number(tables[0].n), 0, 'the plan created nothing');
    } finally {
      await target.drop();
    }
  });
});
