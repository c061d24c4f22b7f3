import * as assert from 'node:assert/strict';
import { errorCode } from '../helpers/errors';
import * as fs from 'node:fs';
import * as path from 'node:path';
import JSZip from 'jszip';
import { resolveDatabase, type ResolvedDatabase } from '../../src/core/config';
import { applyRetention, backupDatabase, listBackups, restoreBackup, restoreWithSnapshot, verifyBackup } from '../../src/core/backup';
import { withBackupGuard } from '../../src/core/guard';
import type { Engine } from '../../src/core/url';
import { createTestDatabase, execSql, requireServer, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { checksums, tableNames, tempDir } from '../helpers/data';

/** Chinook's names: PascalCase on SQLite and MySQL, snake_case on PostgreSQL; quoted for the engine. */
const chinookName = (engine: Engine, name: string) => (engine === 'postgres' ? name.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase() : name);
const q = (engine: Engine, name: string) => {
  const n = chinookName(engine, name);
  return engine === 'mysql' ? `\`${n}\`` : `"${n}"`;
};

/** A database as the core sees it when dbporter.config.json names it with a file folder. */
function configured(db: TestDatabase, dir: string): ResolvedDatabase {
  const loaded = {
    config: { databases: [{ name: 'shop', url: db.url, files: ['uploads'] }], backupDirectory: 'backups' },
    file: path.join(dir, 'dbporter.config.json'),
    dir,
  };
  return resolveDatabase('shop', loaded);
}

function snapshotFiles(root: string): Record<string, string> {
  if (!fs.existsSync(root)) return {};
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(root, { recursive: true }) as string[]) {
    const p = path.join(root, f);
    if (fs.statSync(p).isFile()) out[f] = fs.readFileSync(p).toString('base64');
  }
  return out;
}

for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
  describe(`backup and restore on ${engine}`, function () {
    this.timeout(120_000);
    let source: TestDatabase;
    let dir: string;
    let db: ResolvedDatabase;
    let original: Awaited<ReturnType<typeof checksums>>;
    let originalFiles: Record<string, string>;
    let archive: string;

    before(async function () {
      await requireServer(this, engine);
      source = await createTestDatabase(engine);
      await loadChinook(source);
      dir = tempDir();
      fs.mkdirSync(path.join(dir, 'uploads/covers'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'uploads/readme.txt'), 'hello');
      fs.writeFileSync(path.join(dir, 'uploads/covers/1.bin'), Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
      db = configured(source, dir);
      original = await checksums(source.url);
      originalFiles = snapshotFiles(path.join(dir, 'uploads'));
      archive = (await backupDatabase(db)).file;
    });

    after(async () => {
      await source?.drop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('writes a time-named archive in the backup folder, with a manifest of checksums', async () => {
      assert.equal(path.dirname(archive), path.join(dir, 'backups', 'shop'));
      assert.match(path.basename(archive), /^\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.zip$/);
      const manifest = await verifyBackup(archive);
      assert.equal(manifest.database.engine, engine);
      assert.equal(manifest.kind, engine === 'sqlite' ? 'sqlite-file' : engine === 'postgres' ? 'postgres-copy' : 'mysql-tsv');
      assert.equal(Object.values(manifest.rowCounts).reduce((n, r) => n + r, 0), 15607);
      assert.deepEqual(Object.keys(manifest.entries).filter((e) => e.startsWith('files/')).sort(), ['files/0/covers/1.bin', 'files/0/readme.txt']);
      assert.ok(!JSON.stringify(manifest).includes('password'), 'no secret in the manifest');
    });

    it('restores rows, tables and files exactly, after any change', async () => {
      await execSql(source, `DELETE FROM ${q(engine, 'InvoiceLine')}; CREATE TABLE extra (id INTEGER PRIMARY KEY)`);
      fs.rmSync(path.join(dir, 'uploads/readme.txt'));
      fs.writeFileSync(path.join(dir, 'uploads/new.txt'), 'not in the backup');
      const result = await restoreWithSnapshot(archive, db);
      assert.deepEqual(await checksums(source.url), original);
      assert.ok(!(await tableNames(source.url)).includes('extra'), 'a table made after the backup is gone');
      assert.deepEqual(snapshotFiles(path.join(dir, 'uploads')), originalFiles);
      assert.equal(result.filesRestored, 2);
      // The snapshot holds the state just before the restore: restoring it brings that state back.
      await restoreBackup(result.snapshot, db);
      assert.ok((await tableNames(source.url)).includes('extra'));
      assert.equal((await checksums(source.url))[chinookName(engine, 'InvoiceLine')].rows, 0);
      assert.ok(fs.existsSync(path.join(dir, 'uploads/new.txt')));
      await restoreBackup(archive, db);
      assert.deepEqual(await checksums(source.url), original);
    });

    describe('refuses a damaged archive and restores nothing', () => {
      let before: Awaited<ReturnType<typeof checksums>>;
      beforeEach(async () => {
        await execSql(source, `DELETE FROM ${q(engine, 'PlaylistTrack')} WHERE ${q(engine, 'PlaylistId')} = 1`);
        before = await checksums(source.url);
      });
      afterEach(async () => {
        assert.deepEqual(await checksums(source.url), before, 'the database is as it was');
        assert.deepEqual(snapshotFiles(path.join(dir, 'uploads')), originalFiles, 'the files are as they were');
        await restoreBackup(archive, db);
      });

      it('a flipped byte', async () => {
        const bad = path.join(dir, 'flipped.zip');
        const bytes = fs.readFileSync(archive);
        bytes[Math.floor(bytes.length / 3)] ^= 0xff;
        fs.writeFileSync(bad, bytes);
        await assert.rejects(restoreWithSnapshot(bad, db), errorCode('ARCHIVE_INVALID'));
      });

      it('a missing entry', async () => {
        const zip = await JSZip.loadAsync(fs.readFileSync(archive));
        zip.remove('files/0/readme.txt');
        const bad = path.join(dir, 'missing.zip');
        fs.writeFileSync(bad, await zip.generateAsync({ type: 'nodebuffer' }));
        await assert.rejects(restoreWithSnapshot(bad, db), errorCode('ARCHIVE_INVALID', /"files\/0\/readme.txt" is missing/));
      });

      it('an entry whose name climbs out of its folder', async () => {
        const zip = await JSZip.loadAsync(fs.readFileSync(archive));
        zip.file('files/0/aaaaaaaaaaa.txt', 'evil');
        // Same length as the planted name, so the zip stays well formed: only the name changes.
        const bytes = await zip.generateAsync({ type: 'nodebuffer' });
        const planted = Buffer.from('files/0/aaaaaaaaaaa.txt');
        const evil = Buffer.from('files/0/../../../xx.txt');
        assert.equal(planted.length, evil.length);
        let at = bytes.indexOf(planted);
        while (at !== -1) {
          evil.copy(bytes, at);
          at = bytes.indexOf(planted, at + 1);
        }
        const bad = path.join(dir, 'climbing.zip');
        fs.writeFileSync(bad, bytes);
        await assert.rejects(restoreWithSnapshot(bad, db), errorCode('ARCHIVE_INVALID'));
        assert.equal(fs.existsSync(path.join(dir, '..', 'xx.txt')), false);
      });
    });

    describe('the backup guard', () => {
      afterEach(async () => restoreBackup(archive, db));

      it('restores what a job deleted, and says what changed', async () => {
        const { report } = await withBackupGuard(db, () => execSql(source, `DELETE FROM ${q(engine, 'InvoiceLine')} WHERE ${q(engine, 'InvoiceLineId')} > 2000`));
        assert.equal(report.restored, true);
        const table = chinookName(engine, 'InvoiceLine');
        assert.deepEqual(report.changes, [{ table, before: 2240, after: 2000 }]);
        assert.match(report.summary, new RegExp(`${table} -240 rows \\(2240 → 2000\\).*restored`));
        assert.deepEqual(await checksums(source.url), original);
      });

      it('keeps changes to ignored tables', async () => {
        const table = chinookName(engine, 'PlaylistTrack');
        const { report } = await withBackupGuard(db, () => execSql(source, `DELETE FROM ${q(engine, 'PlaylistTrack')} WHERE ${q(engine, 'PlaylistId')} = 1`), { ignoreTables: [table] });
        assert.equal(report.restored, false);
        assert.deepEqual(report.changes, []);
        assert.deepEqual(report.expectedChanges, [{ table, before: 8715, after: 5425 }]);
        assert.equal((await checksums(source.url))[table].rows, 5425);
      });

      it('restores after a job that fails', async () => {
        const table = chinookName(engine, 'PlaylistTrack');
        const { report } = await withBackupGuard(db, async () => {
          await execSql(source, `DELETE FROM ${q(engine, 'PlaylistTrack')} WHERE ${q(engine, 'PlaylistId')} = 1`);
          throw new Error('maintenance went wrong');
        }, { ignoreTables: [table] });
        assert.equal(report.jobError, 'maintenance went wrong');
        assert.equal(report.restored, true);
        assert.equal((await checksums(source.url))[table].rows, 8715);
      });

      it('only reports when auto-restore is off', async () => {
        const { report } = await withBackupGuard(db, () => execSql(source, `DELETE FROM ${q(engine, 'PlaylistTrack')}`), { autoRestoreOnMismatch: false });
        assert.equal(report.restored, false);
        assert.match(report.summary, /Auto-restore is off.*external backups/);
        assert.equal((await checksums(source.url))[chinookName(engine, 'PlaylistTrack')].rows, 0);
      });
    });
  });
}

describe('backup folders', () => {
  it('keeps the newest N archives', () => {
    const dir = tempDir();
    for (let i = 0; i < 5; i++) {
      const f = path.join(dir, `2024_01_0${i + 1}_00_00_00.zip`);
      fs.writeFileSync(f, '');
      fs.utimesSync(f, new Date(2024, 0, i + 1), new Date(2024, 0, i + 1));
    }
    assert.deepEqual(applyRetention(dir, 2).map((f) => path.basename(f)).sort(), ['2024_01_01_00_00_00.zip', '2024_01_02_00_00_00.zip', '2024_01_03_00_00_00.zip']);
    assert.deepEqual(listBackups(dir).map((b) => b.name), ['2024_01_05_00_00_00.zip', '2024_01_04_00_00_00.zip']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
