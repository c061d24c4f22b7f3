import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTestDatabase, execSql, type TestDatabase } from '../helpers/servers';
import { readTable, tempDir } from '../helpers/data';
import { CLI, dbporter } from '../helpers/cli';

describe('dbporter export and import with zip archives', function () {
  this.timeout(120_000);
  let dir: string;
  let source: TestDatabase;

  before(async () => {
    assert.ok(fs.existsSync(CLI), `build the CLI first (npm run build): ${CLI}`);
    dir = tempDir();
    source = await createTestDatabase('sqlite');
    await execSql(
      source,
      `CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
       CREATE TABLE task_runs (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects (id), data_path TEXT);
       INSERT INTO projects VALUES (1, 'alpha'), (2, 'beta');
       INSERT INTO task_runs VALUES (1, 1, 'runs/1.json'), (2, 1, 'runs/2'), (3, 2, 'runs/3.json'), (4, 2, 'runs/gone.json');`,
    );
    fs.mkdirSync(path.join(dir, 'data/runs/2'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data/runs/1.json'), '{"run": 1}');
    fs.writeFileSync(path.join(dir, 'data/runs/2/log.txt'), 'second run');
    fs.writeFileSync(path.join(dir, 'data/runs/3.json'), '{"run": 3}');
    const target = path.join(dir, 'target.db');
    const config = {
      databases: [
        { name: 'source', url: source.url, fileColumns: { 'task_runs.data_path': './data' } },
        { name: 'target', url: `sqlite:${target}`, fileColumns: { 'task_runs.data_path': './elsewhere/files' } },
      ],
    };
    fs.writeFileSync(path.join(dir, 'dbporter.config.json'), JSON.stringify(config));
  });
  after(async () => {
    await source.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exports a slice with its files to out.zip and imports it into another database and folder', async () => {
    const exported = await dbporter(['export', 'out.zip', '--database-url', 'source', '--root', 'projects', '--id', '1'], { cwd: dir });
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /Exported 3 rows from 2 tables to .*out\.zip \(with 2 files\)/);

    const imported = await dbporter(['import', 'out.zip', '--database-url', 'target'], { cwd: dir });
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stderr, /Snapshot of target before the import/);
    assert.match(imported.stderr, /Imported 3 rows into 2 tables \(merge\)/);
    assert.match(imported.stderr, /Put 2 files in place\./);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'elsewhere/files/runs'), { recursive: true }).sort(), ['1.json', '2', path.join('2', 'log.txt')]);
    assert.equal(fs.readFileSync(path.join(dir, 'elsewhere/files/runs/2/log.txt'), 'utf8'), 'second run');
    assert.deepEqual(await readTable(`sqlite:${path.join(dir, 'target.db')}`, 'task_runs'), (await readTable(source.url, 'task_runs')).filter((r) => r.project_id === 1));
  });

  it('refuses a row whose file is missing, names it, and leaves no archive', async () => {
    const run = await dbporter(['export', 'beta.zip', '--database-url', 'source', '--root', 'projects', '--id', '2'], { cwd: dir });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /task_runs\.data_path of the row with id 4 names "runs\/gone\.json".*\[FILE_NOT_FOUND\]/);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('beta')), []);
  });

  it('says that a zip archive needs a file', async () => {
    for (const args of [
      ['export', '-', '--format', 'zip', '--database-url', 'source'],
      ['import', '-', '--format', 'zip', '--database-url', 'target'],
    ]) {
      const run = await dbporter(args, { cwd: dir });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /zip archive is (written to|read from) a file/);
    }
  });
});
