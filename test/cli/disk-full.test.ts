import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHINOOK_SQLITE, loadChinook } from '../helpers/chinook';
import { createTestDatabase, requireServer } from '../helpers/servers';
import { checksums, tempDir } from '../helpers/data';
import { dbporter } from '../helpers/cli';

/**
 * A full disk, for real: a 128 KiB tmpfs (mounting one needs root, as CI has). Dumps, zip
 * exports, backups and a SQLite target on it fail with a plain message, and leave nothing
 * half-written behind.
 */
describe('a full disk', function () {
  this.timeout(120_000);
  let dir: string;
  let full: string;
  const chinook = `sqlite:${CHINOOK_SQLITE}`;

  before(function () {
    dir = tempDir();
    full = path.join(dir, 'full');
    fs.mkdirSync(full);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', full], { stdio: 'ignore' });
    } catch (err) {
      if (process.env.CI) throw new Error(`CI must be able to mount a small tmpfs (run as root): ${(err as Error).message}`);
      this.skip();
    }
  });
  after(() => {
    try {
      execFileSync('umount', [full], { stdio: 'ignore' });
    } catch {
      // not mounted
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const refused = (run: { code: number | null; stderr: string }) => {
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /Could not write.*the disk is full\. Free some space, or write somewhere else\. Nothing was written \(ENOSPC\)\. \[WRITE_FAILED\]/);
    assert.deepEqual(fs.readdirSync(full), [], 'nothing is left on the full disk');
  };

  it('an export refuses with a plain message and leaves no file', async () => {
    refused(await dbporter(['export', path.join(full, 'chinook.ndjson'), '--database-url', chinook], { cwd: dir }));
    refused(await dbporter(['export', path.join(full, 'chinook.zip'), '--database-url', chinook], { cwd: dir }));
  });

  it('a backup refuses and leaves no archive', async () => {
    refused(await dbporter(['backup', '--database-url', chinook, '--backup-file', path.join(full, 'chinook.zip')], { cwd: dir }));
  });

  it('a PostgreSQL backup (a table an entry) refuses and leaves no archive', async function () {
    await requireServer(this, 'postgres');
    const db = await createTestDatabase('postgres');
    try {
      await loadChinook(db);
      refused(await dbporter(['backup', '--database-url', db.url, '--backup-file', path.join(full, 'chinook.zip')], { cwd: dir }));
    } finally {
      await db.drop();
    }
  });

  it('an import into a SQLite file on the full disk leaves the file as it was', async () => {
    // A small database that fits, into which Chinook does not.
    const small = path.join(full, 'small.db');
    const seed = await dbporter(['export', path.join(dir, 'genre.json'), '--database-url', chinook, '--table', 'Genre'], { cwd: dir });
    assert.equal(seed.code, 0, seed.stderr);
    const made = await dbporter(['import', path.join(dir, 'genre.json'), '--database-url', `sqlite:${small}`], { cwd: dir });
    assert.equal(made.code, 0, made.stderr);
    const before = fs.readFileSync(small);
    const sums = await checksums(`sqlite:${small}`);
    const dump = path.join(dir, 'chinook.ndjson');
    assert.equal((await dbporter(['export', dump, '--database-url', chinook], { cwd: dir })).code, 0);
    const run = await dbporter(['import', dump, '--database-url', `sqlite:${small}`], { cwd: dir });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /disk is full|ENOSPC/);
    assert.ok(fs.readFileSync(small).equals(before), 'the database file is unchanged');
    assert.deepEqual(await checksums(`sqlite:${small}`), sums);
    assert.deepEqual(fs.readdirSync(full), ['small.db'], 'no temporary file is left');
  });
});
