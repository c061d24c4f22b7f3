import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import mysql from 'mysql2/promise';
import { resolveDatabase, type ResolvedDatabase } from '../../src/core/config';
import { backupDatabase, restoreBackup, restoreWithSnapshot } from '../../src/core/backup';
import { withAdapter } from '../../src/core/engines';
import { importDump } from '../../src/core/import';
import { createTestDatabase, execSql, MYSQL_ADMIN_URL, querySql, requireServer, shadowDatabases, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { checksums, tableNames, tempDir } from '../helpers/data';
import { errorCode } from '../helpers/errors';
import { sampleTable, writeDump } from '../helpers/dumps';

/**
 * A MySQL restore goes through a shadow database and one RENAME TABLE (src/core/engines/mysql/shadow.ts),
 * so that it is atomic although MySQL commits DDL on the spot. These tests hold the parts of that:
 * foreign keys, tables the archive lacks, failures half way, the users and databases it cannot
 * serve that way, and the sweep of what killed runs leave.
 */
describe('MySQL restore through a shadow database', function () {
  this.timeout(120_000);
  let dir: string;
  let target: TestDatabase;
  let db: ResolvedDatabase;
  let archive: string;
  let original: Awaited<ReturnType<typeof checksums>>;

  const configured = (url: string) =>
    resolveDatabase(url, { config: { databases: [], backupDirectory: path.join(dir, 'backups') }, file: path.join(dir, 'dbporter.config.json'), dir });
  /** Left by this test, whatever other runs on the server hold: none may stay. */
  const stale = async () => (await shadowDatabases()).filter((s) => !s.live).map((s) => s.name);

  before(async function () {
    await requireServer(this, 'mysql');
    dir = tempDir();
    target = await createTestDatabase('mysql');
    await loadChinook(target);
    // Chinook's MySQL script declares its foreign keys; a counter shows AUTO_INCREMENT going on after a restore.
    await execSql(target, 'CREATE TABLE counter (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(20)); INSERT INTO counter (note) VALUES (\'a\'), (\'b\'), (\'c\')');
    db = configured(target.url);
    original = await checksums(target.url);
    archive = (await backupDatabase(db)).file;
  });
  after(async () => {
    await target?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') return;
    assert.deepEqual(await stale(), [], 'no shadow or aside database left behind');
  });

  it('brings Chinook back with its foreign keys enforced, and removes tables the archive lacks', async () => {
    await execSql(
      target,
      'DELETE FROM `PlaylistTrack` WHERE `PlaylistId` < 5; CREATE TABLE extra (id INT PRIMARY KEY, artist INT, CONSTRAINT fk_extra FOREIGN KEY (artist) REFERENCES `Artist` (`ArtistId`)); INSERT INTO extra VALUES (1, 1); CREATE VIEW artist_names AS SELECT `Name` FROM `Artist`',
    );
    await restoreWithSnapshot(archive, db);
    assert.deepEqual(await checksums(target.url), original);
    assert.ok(!(await tableNames(target.url)).includes('extra'), 'the table made after the backup is gone');
    const name = new URL(target.url).pathname.slice(1);
    const fks = await querySql(target, `SELECT TABLE_NAME AS t, REFERENCED_TABLE_SCHEMA AS s, REFERENCED_TABLE_NAME AS r FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = '${name}' AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY t, r`);
    assert.equal(fks.length, 11, 'all of Chinook\'s foreign keys are there');
    assert.ok(fks.every((fk) => fk.s === name), 'and point at tables of this database');
    await assert.rejects(execSql(target, 'INSERT INTO `Album` (`AlbumId`, `Title`, `ArtistId`) VALUES (99999, \'orphan\', 99999)'), /foreign key constraint fails/);
    await assert.rejects(execSql(target, 'DELETE FROM `Artist` WHERE `ArtistId` = 1'), /foreign key constraint fails/);
    // A view names its tables: it reads the restored ones.
    assert.equal((await querySql(target, 'SELECT COUNT(*) AS n FROM artist_names'))[0].n, 275);
    await execSql(target, "INSERT INTO counter (note) VALUES ('d')");
    assert.deepEqual((await querySql(target, 'SELECT id FROM counter ORDER BY id')).map((r) => r.id), [1, 2, 3, 4]);
    await execSql(target, 'DELETE FROM counter WHERE id = 4; DROP VIEW artist_names');
  });

  it('a load that fails half way leaves the target as it was', async () => {
    // An archive whose rows break a foreign key: the load fails at its commit, after every row went in.
    const broken = await createTestDatabase('mysql');
    try {
      await execSql(broken, 'CREATE TABLE parent (id INT PRIMARY KEY); CREATE TABLE child (id INT PRIMARY KEY, parent INT, FOREIGN KEY (parent) REFERENCES parent (id)); SET FOREIGN_KEY_CHECKS = 0; INSERT INTO child VALUES (1, 42)');
      const bad = (await backupDatabase(configured(broken.url))).file;
      await execSql(target, 'DELETE FROM `InvoiceLine` WHERE `InvoiceLineId` > 2000');
      const before = await checksums(target.url);
      await assert.rejects(restoreWithSnapshot(bad, db), errorCode('WRITE_FAILED', /points at a missing row of "parent"/));
      assert.deepEqual(await checksums(target.url), before);
    } finally {
      await broken.drop();
      await restoreBackup(archive, db);
    }
  });

  it('a cancelled restore leaves the target as it was', async () => {
    await execSql(target, 'DELETE FROM `InvoiceLine` WHERE `InvoiceLineId` > 1000');
    const before = await checksums(target.url);
    const controller = new AbortController();
    await assert.rejects(
      restoreBackup(archive, db, { signal: controller.signal, onProgress: (p) => p.table === 'Track' && p.rowsDone > 0 && controller.abort() }),
      errorCode('CANCELLED'),
    );
    assert.deepEqual(await checksums(target.url), before);
    await restoreBackup(archive, db);
    assert.deepEqual(await checksums(target.url), original);
  });

  it('a user who may not create databases restores in place, says so, and puts the snapshot back on failure', async () => {
    const user = `dbporter_lim_${randomBytes(4).toString('hex')}`;
    const name = new URL(target.url).pathname.slice(1);
    const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
    try {
      await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw-${user}'`);
      await admin.query(`GRANT ALL ON \`${name}\`.* TO '${user}'@'%'`);
      const limited = new URL(target.url);
      limited.username = user;
      limited.password = `pw-${user}`;
      const ldb = configured(limited.toString());
      await execSql(target, "UPDATE `Genre` SET `Name` = 'changed' WHERE `GenreId` > 20");
      const notes: string[] = [];
      await restoreWithSnapshot(archive, ldb, { onNote: (m) => notes.push(m) });
      assert.deepEqual(await checksums(target.url), original);
      assert.equal(notes.length, 1);
      assert.match(notes[0], /cannot be atomic: the MySQL user may not create databases .*a killed run leaves the database half restored/);
      assert.ok(!notes[0].includes(`pw-${user}`), 'no password in the note');

      // A failure half way, in place: the snapshot goes back.
      const broken = await createTestDatabase('mysql');
      try {
        await execSql(broken, 'CREATE TABLE parent (id INT PRIMARY KEY); CREATE TABLE child (id INT PRIMARY KEY, parent INT, FOREIGN KEY (parent) REFERENCES parent (id)); SET FOREIGN_KEY_CHECKS = 0; INSERT INTO child VALUES (1, 42)');
        const bad = (await backupDatabase(configured(broken.url))).file;
        await execSql(target, "UPDATE `Genre` SET `Name` = 'changed' WHERE `GenreId` > 20");
        const before = await checksums(target.url);
        await assert.rejects(restoreWithSnapshot(bad, ldb), errorCode('WRITE_FAILED'));
        assert.deepEqual(await checksums(target.url), before, 'the snapshot went back');
      } finally {
        await broken.drop();
      }
    } finally {
      await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await admin.end();
      await restoreBackup(archive, db);
    }
  });

  it('a database with triggers restores in place and says why', async () => {
    await execSql(target, "CREATE TRIGGER shout BEFORE INSERT ON `Genre` FOR EACH ROW SET NEW.`Name` = UPPER(NEW.`Name`); UPDATE `Genre` SET `Name` = 'changed' WHERE `GenreId` = 25");
    const notes: string[] = [];
    await restoreWithSnapshot(archive, db, { onNote: (m) => notes.push(m) });
    assert.match(notes.join('\n'), /cannot be atomic: the database has triggers/);
    assert.deepEqual(await checksums(target.url), original);
    // The restored database is the archive's: it carries no triggers, so the next restore is atomic again.
    notes.length = 0;
    await restoreWithSnapshot(archive, db, { onNote: (m) => notes.push(m) });
    assert.deepEqual(notes, []);
  });

  it('the next write drops what a killed restore left, and leaves a running one alone', async () => {
    const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL, multipleStatements: true });
    const gone = `dbporter_tmp_${randomBytes(8).toString('hex')}`;
    const running = `dbporter_tmp_${randomBytes(8).toString('hex')}`;
    try {
      // A killed run's pair: nobody holds its lock. A running one's: this connection holds it.
      await admin.query(`CREATE DATABASE ${gone}_new; CREATE TABLE ${gone}_new.t (id INT PRIMARY KEY); CREATE DATABASE ${gone}_old; CREATE DATABASE ${running}_new`);
      await admin.query('SELECT GET_LOCK(?, 0)', [running]);
      const dump = path.join(dir, 'sample.ndjson');
      fs.writeFileSync(dump, await writeDump('ndjson', [{ table: sampleTable, rows: [[1, 'one', '1.50', null, '2024-01-01T00:00:00Z']] }]));
      await withAdapter(target.url, (a) => importDump(a, fs.createReadStream(dump), { format: 'ndjson' }));
      const left = (await shadowDatabases()).map((s) => s.name);
      assert.ok(!left.includes(`${gone}_new`) && !left.includes(`${gone}_old`), 'the killed run\'s pair is gone');
      assert.ok(left.includes(`${running}_new`), 'the running one\'s stays');
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${gone}_new; DROP DATABASE IF EXISTS ${gone}_old; DROP DATABASE IF EXISTS ${running}_new`);
      await admin.end();
      await restoreBackup(archive, db);
    }
  });
});
