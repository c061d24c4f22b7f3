import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../../src/core/url';
import { createTestDatabase, requireServer, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { checksums, tableNames, tempDir } from '../helpers/data';
import { sampleTable, writeDump } from '../helpers/dumps';
import { dbporter, setDefaultCwd } from '../helpers/cli';

describe('dbporter backup, restore and guard', function () {
  this.timeout(180_000);
  let dir: string;
  let chinook: TestDatabase;

  before(async () => {
    dir = tempDir();
    setDefaultCwd(dir);
    chinook = await createTestDatabase('sqlite');
    await loadChinook(chinook);
  });
  after(async () => {
    await chinook.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('backs up, verifies, lists and restores; restore asks first', async () => {
    const backup = await dbporter(['backup', '--database-url', chinook.url]);
    assert.equal(backup.code, 0, backup.stderr);
    const file = /to (\S+\.zip)/.exec(backup.stderr)![1];
    assert.ok(fs.existsSync(file));

    const verify = await dbporter(['backup', 'verify', file]);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stderr, /its 1 entry matches its checksum/);

    const list = await dbporter(['backup', 'list', '--database-url', chinook.url]);
    assert.match(list.stdout, new RegExp(`${path.basename(file)}\\t.*15,607 rows, backup`));

    // No terminal to ask on and no --yes: refused, nothing changed.
    const before = await checksums(chinook.url);
    const asked = await dbporter(['restore', '--backup-file', path.basename(file), '--database-url', chinook.url]);
    assert.equal(asked.code, 2);
    assert.match(asked.stderr, /add --yes/);
    assert.deepEqual(await checksums(chinook.url), before);

    const restored = await dbporter(['restore', '--backup-file', path.basename(file), '--database-url', chinook.url, '--yes']);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stderr, /Snapshot of .* before the restore: \S+before-restore\.zip/);
    assert.match(restored.stderr, /Restored .*15,607 rows in 11 tables/);

    const damaged = path.join(dir, 'damaged.zip');
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0x55;
    fs.writeFileSync(damaged, bytes);
    const bad = await dbporter(['backup', 'verify', damaged]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /\[ARCHIVE_INVALID\]/);
  });

  it('guard restores after a command that changes what it should not, and exits 1', async () => {
    const target = await createTestDatabase('sqlite');
    try {
      fs.copyFileSync(chinook.url.slice('sqlite:'.length), target.url.slice('sqlite:'.length));
      const before = await checksums(target.url);
      // The maintenance command: a node script that deletes rows straight from the file.
      const script = path.join(dir, 'delete-rows.js');
      fs.writeFileSync(
        script,
        `const initSqlJs = require(${JSON.stringify(require.resolve('sql.js'))});
         const fs = require('fs');
         const file = process.env.DATABASE_URL.slice('sqlite:'.length);
         initSqlJs().then((SQL) => { const db = new SQL.Database(fs.readFileSync(file)); db.run('DELETE FROM Genre WHERE GenreId > 20'); fs.writeFileSync(file, db.export()); });`,
      );
      const tripped = await dbporter(['guard', '--database-url', target.url, '--', process.execPath, script]);
      assert.equal(tripped.code, 1, tripped.stderr);
      assert.match(tripped.stderr, /Genre -5 rows \(25 → 20\).*restored/);
      assert.deepEqual(await checksums(target.url), before);

      const allowed = await dbporter(['guard', '--database-url', target.url, '--ignore-table', 'Genre', '--', process.execPath, script]);
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal((await checksums(target.url)).Genre.rows, 20);
    } finally {
      await target.drop();
    }
  });

  for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
    it(`an import killed with SIGKILL half way on ${engine}: the snapshot brings the target back`, async function () {
      await requireServer(this, engine);
      const target = await createTestDatabase(engine);
      try {
        await loadChinook(target);
        const before = await checksums(target.url);
        const rows = Array.from({ length: 500_000 }, (_, i) => [i + 1, `row ${i}`, `${i}.5`, null, '2024-01-01T00:00:00Z']);
        const dump = path.join(dir, `big-${engine}.ndjson`);
        fs.writeFileSync(dump, await writeDump('ndjson', [{ table: sampleTable, rows }]));

        const run = dbporter(['import', dump, '--database-url', target.url, '-v']);
        const snapshot = await new Promise<string>((resolve) => {
          let seen = '';
          run.child.stderr!.on('data', (d: Buffer) => {
            seen += d;
            const m = /before the import: (\S+\.zip)/.exec(seen);
            if (m && /Importing/.test(seen)) setTimeout(() => resolve(m[1]), 600);
          });
        });
        run.child.kill('SIGKILL');
        const result = await run;
        assert.equal(result.code, null, 'the process was killed, not finished');
        assert.doesNotMatch(result.stderr, /Imported/);

        if (engine !== 'mysql') {
          // Transactions (PostgreSQL) and write-then-rename (SQLite): nothing of the import is visible.
          assert.deepEqual(await checksums(target.url), before);
        }
        const restore = await dbporter(['restore', '--backup-file', snapshot, '--database-url', target.url, '--yes']);
        assert.equal(restore.code, 0, restore.stderr);
        assert.deepEqual(await checksums(target.url), before);
        assert.ok(!(await tableNames(target.url)).includes('items'));
      } finally {
        await target.drop();
      }
    });
  }
});
