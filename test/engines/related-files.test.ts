import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import JSZip from 'jszip';
import { resolveDatabase, type ResolvedDatabase } from '../../src/core/config';
import { withAdapter } from '../../src/core/engines';
import { exportArchive } from '../../src/core/export-archive';
import { DumpArchive } from '../../src/core/import-archive';
import type { LoadMode } from '../../src/core/load';
import type { Selector } from '../../src/core/subset';
import type { Engine } from '../../src/core/url';
import { ArchiveReader } from '../../src/core/archive/reader';
import { createTestDatabase, execSql, requireServer, type TestDatabase } from '../helpers/servers';
import { readTable, tableNames, tempDir } from '../helpers/data';
import { errorCode } from '../helpers/errors';

/** A database as dbporter.config.json names it, with task_runs.data_path holding paths below `root`. */
function configured(db: TestDatabase, dir: string, root: string | undefined): ResolvedDatabase {
  const entry = { name: 'db', url: db.url, ...(root ? { fileColumns: { 'task_runs.data_path': root } } : {}) };
  return resolveDatabase('db', { config: { databases: [entry] }, file: path.join(dir, 'dbporter.config.json'), dir });
}

/** Every regular file below a folder, by "/"-separated path, with its bytes (base64). */
function filesOf(root: string): Record<string, string> {
  if (!fs.existsSync(root)) return {};
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath, e.name);
    if (e.isFile()) out[path.relative(root, p).split(path.sep).join('/')] = fs.readFileSync(p).toString('base64');
  }
  return out;
}

/** The tables of a test database; none when a SQLite file was never written. */
async function tablesOf(db: TestDatabase): Promise<string[]> {
  if (db.engine === 'sqlite' && !fs.existsSync(db.url.slice('sqlite:'.length))) return [];
  return tableNames(db.url);
}

async function exportZip(db: ResolvedDatabase, destination: string, select?: Selector) {
  return withAdapter(db.url, (adapter) => exportArchive(adapter, destination, db, { select }));
}

async function importZip(file: string, db: ResolvedDatabase, mode?: LoadMode) {
  const archive = await DumpArchive.open(file, db);
  try {
    return await withAdapter(db.url, (adapter) => archive.importInto(adapter, { mode }));
  } finally {
    archive.close();
  }
}

async function entriesOf(file: string): Promise<string[]> {
  const reader = await ArchiveReader.open(file);
  try {
    return [...reader.entries.keys()].sort();
  } finally {
    reader.close();
  }
}

const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
  describe(`related files in zip exports on ${engine}`, function () {
    this.timeout(120_000);
    let source: TestDatabase;
    let dir: string;
    let db: ResolvedDatabase;

    before(async function () {
      await requireServer(this, engine);
      source = await createTestDatabase(engine);
      dir = tempDir();
      const data = path.join(dir, 'source', 'data');
      fs.mkdirSync(path.join(data, 'runs/1'), { recursive: true });
      fs.mkdirSync(path.join(data, 'runs/2/sub'), { recursive: true });
      fs.writeFileSync(path.join(data, 'runs/1/out.json'), '{"ok": true}');
      fs.writeFileSync(path.join(data, 'runs/2/a.txt'), 'émoji 🎉');
      fs.writeFileSync(path.join(data, 'runs/2/sub/b.bin'), bytes);
      fs.writeFileSync(path.join(data, 'runs/5.bin'), 'not in the slice');
      fs.writeFileSync(path.join(dir, 'source', 'secret.txt'), 'outside the root');
      fs.symlinkSync('..', path.join(data, 'up'));
      const secret = path.join(dir, 'source', 'secret.txt');
      await execSql(
        source,
        `CREATE TABLE projects (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);
         CREATE TABLE task_runs (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, data_path VARCHAR(255), FOREIGN KEY (project_id) REFERENCES projects (id));
         INSERT INTO projects (id, name) VALUES (1, 'alpha'), (2, 'beta'), (3, 'missing'), (4, 'climbing'), (5, 'absolute'), (6, 'linked');
         INSERT INTO task_runs (id, project_id, data_path) VALUES
           (1, 1, 'runs/1/out.json'), (2, 1, 'runs/2'), (3, 1, './runs/1/out.json'), (4, 1, NULL),
           (5, 2, 'runs/5.bin'), (6, 3, 'runs/missing.txt'), (7, 4, '../secret.txt'), (8, 5, '${secret}'), (9, 6, 'up/secret.txt');`,
      );
      db = configured(source, path.join(dir, 'source'), './data');
    });

    after(async () => {
      await source?.drop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('exports a slice with exactly its rows’ files, and imports rows and files under the target’s own root', async () => {
      const file = path.join(dir, 'alpha.zip');
      const result = await exportZip(db, file, { kind: 'root', table: 'projects', values: ['1'] });
      assert.equal(result.files, 3, 'a file named by two rows travels once');
      assert.deepEqual(await entriesOf(file), ['dump.ndjson.gz', 'files/0/runs/1/out.json', 'files/0/runs/2/a.txt', 'files/0/runs/2/sub/b.bin', 'manifest.json']);
      assert.deepEqual(result.manifest.fileColumns, { 'task_runs.data_path': 0 });
      assert.deepEqual(result.manifest.fileRoots, ['./data']);
      assert.deepEqual(result.manifest.rowCounts, { projects: 1, task_runs: 4 });

      const target = await createTestDatabase(engine);
      try {
        const targetDir = path.join(dir, 'target');
        const into = configured(target, targetDir, 'uploads/runs-data');
        const imported = await importZip(file, into);
        assert.equal(imported.inserted, 5);
        assert.equal(imported.files, 3);
        assert.deepEqual(await readTable(target.url, 'projects'), (await readTable(source.url, 'projects')).filter((r) => Number(r.id) === 1));
        assert.deepEqual(await readTable(target.url, 'task_runs'), (await readTable(source.url, 'task_runs')).filter((r) => Number(r.id) <= 4));
        const sourceFiles = filesOf(path.join(dir, 'source', 'data'));
        assert.deepEqual(filesOf(path.join(targetDir, 'uploads/runs-data')), {
          'runs/1/out.json': sourceFiles['runs/1/out.json'],
          'runs/2/a.txt': sourceFiles['runs/2/a.txt'],
          'runs/2/sub/b.bin': bytes.toString('base64'),
        });
        assert.deepEqual(fs.readdirSync(path.join(targetDir, 'uploads')), ['runs-data'], 'no staging folder is left beside the root');

        // Again, in merge mode: the rows and the files that are there already are kept.
        fs.writeFileSync(path.join(targetDir, 'uploads/runs-data/runs/2/a.txt'), 'changed here');
        const again = await importZip(file, into, 'merge');
        assert.equal(again.inserted, 0);
        assert.equal(again.filesKept, 3);
        assert.equal(fs.readFileSync(path.join(targetDir, 'uploads/runs-data/runs/2/a.txt'), 'utf8'), 'changed here');
        // In replace mode the archive's files win.
        const replaced = await importZip(file, into, 'replace');
        assert.equal(replaced.files, 3);
        assert.equal(fs.readFileSync(path.join(targetDir, 'uploads/runs-data/runs/2/a.txt'), 'utf8'), 'émoji 🎉');
      } finally {
        await target.drop();
      }
    });

    describe('refuses a row whose file cannot travel, and writes nothing', () => {
      const refused = async (project: number, code: string, pattern: RegExp) => {
        const file = path.join(dir, `refused-${project}.zip`);
        await assert.rejects(exportZip(db, file, { kind: 'root', table: 'projects', values: [String(project)] }), errorCode(code, pattern));
        assert.equal(fs.existsSync(file), false, 'no archive');
        assert.deepEqual(
          fs.readdirSync(dir).filter((f) => f.includes(`refused-${project}`)),
          [],
          'no temporary file either',
        );
      };

      it('a file that does not exist', () => refused(3, 'FILE_NOT_FOUND', /task_runs\.data_path of the row with id 6 names "runs\/missing\.txt".*no file or folder/));
      it('a path that climbs out of its root', () => refused(4, 'BAD_VALUE', /task_runs\.data_path of the row with id 7 holds the path "\.\.\/secret\.txt", which leads out of its root folder \.\/data/));
      it('an absolute path', () => refused(5, 'BAD_VALUE', /row with id 8 holds the path "\/.*secret\.txt", which leads out of its root/));
      it('a path that leaves through a symbolic link', () => refused(6, 'BAD_VALUE', /row with id 9 names "up\/secret\.txt", which leads out of its root folder .* symbolic link/));
    });

    describe('refuses to import, and writes nothing', () => {
      let archive: string;
      let target: TestDatabase;
      let targetDir: string;
      let into: ResolvedDatabase;

      before(async () => {
        archive = path.join(dir, 'for-refusals.zip');
        await exportZip(db, archive, { kind: 'root', table: 'projects', values: ['1'] });
      });
      beforeEach(async () => {
        target = await createTestDatabase(engine);
        targetDir = tempDir();
        into = configured(target, targetDir, 'files');
      });
      afterEach(async () => {
        assert.deepEqual(fs.readdirSync(targetDir), [], 'no files, no staging folder');
        await target.drop();
        fs.rmSync(targetDir, { recursive: true, force: true });
      });

      /** The good archive with one more entry, whose name is then changed byte for byte. */
      async function planted(name: string, options: JSZip.JSZipFileOptions = {}, platform: 'UNIX' | 'DOS' = 'DOS'): Promise<string> {
        const zip = await JSZip.loadAsync(fs.readFileSync(archive));
        const placeholder = 'files/0/' + 'a'.repeat(name.length - 'files/0/'.length);
        zip.file(placeholder, 'evil', options);
        const out = await zip.generateAsync({ type: 'nodebuffer', platform });
        const from = Buffer.from(placeholder);
        const to = Buffer.from(name);
        assert.equal(from.length, to.length);
        for (let at = out.indexOf(from); at !== -1; at = out.indexOf(from, at + 1)) to.copy(out, at);
        const file = path.join(dir, `planted-${Math.random().toString(36).slice(2)}.zip`);
        fs.writeFileSync(file, out);
        return file;
      }

      it('an entry whose name climbs out of its folder', async () => {
        const bad = await planted('files/0/../../../../xx.txt');
        await assert.rejects(importZip(bad, into), errorCode('ARCHIVE_INVALID', /bad entry.*nothing was written/));
        assert.deepEqual(await tablesOf(target), []);
        assert.equal(fs.existsSync(path.join(targetDir, '..', '..', 'xx.txt')), false);
      });

      it('an entry that is a symbolic link', async () => {
        const bad = await planted('files/0/runs/link', { unixPermissions: 0o120777 }, 'UNIX');
        await assert.rejects(importZip(bad, into), errorCode('ARCHIVE_INVALID', /"files\/0\/runs\/link" is a symbolic link/));
        assert.deepEqual(await tablesOf(target), []);
      });

      it('files of a column the target has no folder for', async () => {
        const bare = configured(target, targetDir, undefined);
        await assert.rejects(importZip(archive, bare), errorCode('CONFIG_INVALID', /carries files of task_runs\.data_path.*Add "fileColumns": \{ "task_runs\.data_path": "<folder>" \} to the database "db"/));
        assert.deepEqual(await tablesOf(target), []);
      });

      it('a file that is there already, in append mode', async () => {
        fs.mkdirSync(path.join(targetDir, 'files/runs/2'), { recursive: true });
        fs.writeFileSync(path.join(targetDir, 'files/runs/2/a.txt'), 'mine');
        await assert.rejects(importZip(archive, into, 'append'), errorCode('CONFLICT', /files\/runs\/2\/a\.txt exists already.*--mode merge/));
        assert.deepEqual(await tablesOf(target), []);
        assert.deepEqual(filesOf(path.join(targetDir, 'files')), { 'runs/2/a.txt': Buffer.from('mine').toString('base64') });
        assert.deepEqual(fs.readdirSync(targetDir), ['files'], 'the staging folder is gone, though a file was staged before the conflict');
        fs.rmSync(path.join(targetDir, 'files'), { recursive: true });
      });

      it('rows that collide in append mode: neither rows nor files', async () => {
        await execSql(target, `CREATE TABLE projects (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL); INSERT INTO projects (id, name) VALUES (1, 'already here');`);
        await assert.rejects(importZip(archive, into, 'append'), errorCode('CONFLICT'));
        assert.deepEqual(await tablesOf(target), ['projects']);
        assert.deepEqual(await readTable(target.url, 'projects'), [{ id: 1, name: 'already here' }]);
      });
    });
  });
}
