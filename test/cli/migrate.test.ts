import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/servers';
import { checksums, tempDir } from '../helpers/data';
import { dbporter } from '../helpers/cli';

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
    fs.writeFileSync(path.join(project, 'db/migrations/003_bad.sql'), '-- broken\nINSERT INTO notes VALUES (1, \'x\');\nNOT SQL;\n');
    const before = await checksums(db.url);
    const up = await dbporter(['migrate', 'up', '--database-url', 'app'], { cwd: project });
    assert.equal(up.code, 1);
    assert.match(up.stderr, /003_bad\.sql failed: .*The guard restored the database from .*_guard\.zip\. It is not recorded as applied/);
    assert.deepEqual(await checksums(db.url), before);
    fs.rmSync(path.join(project, 'db/migrations/003_bad.sql'));
  });
});
