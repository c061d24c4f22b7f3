import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Engine } from '../../src/core/url';
import { LEDGER_TABLE } from '../../src/core/ledger';
import { RUNNING_TABLE } from '../../src/core/migrate';
import { createTestDatabase, querySql, requireServer, shadowDatabases, type TestDatabase } from '../helpers/servers';
import { CHINOOK_SQLITE } from '../helpers/chinook';
import { checksums, tempDir } from '../helpers/data';
import { dbporter } from '../helpers/cli';

/**
 * Imports, copies, restores and migrations killed with SIGKILL at seeded random moments, on every
 * engine. The target must hold either exactly what it held before or exactly the whole result,
 * never a mix (a migration: once the next migrate command has put back the snapshot of one killed
 * half way); and the temporary files, and on MySQL the shadow databases, a killed run leaves are
 * gone after the next run. The counts go to docs/reliability.md.
 */
export const killCounts = { runs: 0, killed: 0, completed: 0, recovered: 0, shadowsSwept: 0 };

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function dataSums(url: string) {
  // DB Porter's own records (when a migration ran, what an import brought) aside.
  const { [LEDGER_TABLE]: _ledger, dbporter_migrations: _migrations, [RUNNING_TABLE]: _running, ...tables } = await checksums(url);
  return JSON.stringify(tables);
}

const temporaries = (dir: string) => fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => /\.\d+-[0-9a-f]{8}\.tmp$/.test(path.basename(f)));

describe('SIGKILL at random moments', function () {
  this.timeout(300_000);
  let cwd: string;
  let dump: string;
  let original: string;
  after(() => {
    console.log(
      `      faults: ${killCounts.runs} runs, ${killCounts.killed} killed mid-way, ${killCounts.completed} finished first; ` +
        `${killCounts.recovered} migrations put back by the next migrate list, ${killCounts.shadowsSwept} MySQL shadow databases swept; every target whole`,
    );
    if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
  });

  before(async () => {
    cwd = tempDir();
    // Chinook under other keys: a replace that got half way would show as a mix of the two.
    dump = path.join(cwd, 'chinook-new-ids.ndjson');
    const run = await dbporter(['export', dump, '--database-url', `sqlite:${CHINOOK_SQLITE}`, '--randomize-legacy-ids'], { cwd });
    assert.equal(run.code, 0, run.stderr);
    original = path.join(cwd, 'chinook.ndjson');
    const plain = await dbporter(['export', original, '--database-url', `sqlite:${CHINOOK_SQLITE}`], { cwd });
    assert.equal(plain.code, 0, plain.stderr);
  });

  /** A database holding Chinook in the same tables on every engine, as DB Porter creates them. */
  async function seeded(engine: Engine): Promise<TestDatabase> {
    const db = await createTestDatabase(engine);
    const run = await dbporter(['import', original, '--database-url', db.url, '--mode', 'append'], { cwd });
    assert.equal(run.code, 0, run.stderr);
    return db;
  }

  for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
    describe(engine, () => {
      let target: TestDatabase;
      let untouched: string;
      let whole: string;
      let migrated: string;
      const backup = path.join(os.tmpdir(), `dbporter-faults-${engine}-${process.pid}.zip`);
      const migrations = path.join(os.tmpdir(), `dbporter-faults-migrations-${engine}-${process.pid}`);

      before(async function () {
        await requireServer(this, engine);
        // What a finished import leaves, computed once on a database of its own, and backed up
        // for the restores.
        const reference = await seeded(engine);
        const done = await dbporter(['import', dump, '--database-url', reference.url, '--mode', 'replace'], { cwd });
        assert.equal(done.code, 0, done.stderr);
        whole = await dataSums(reference.url);
        assert.equal((await dbporter(['backup', '--database-url', reference.url, '--backup-file', backup], { cwd })).code, 0);
        await reference.drop();
        // What a finished migration leaves. On MySQL the ALTER commits the UPDATE before it on the
        // spot: killed after it, the database is half migrated until the next migrate command.
        // There a slow statement (DO SLEEP) widens that stretch, so that random kills land in it too.
        fs.mkdirSync(migrations, { recursive: true });
        fs.writeFileSync(
          path.join(migrations, '001_remaster.sql'),
          engine === 'mysql'
            ? "-- remaster every track\nUPDATE `Track` SET `Name` = CONCAT(`Name`, ' (remastered)');\nALTER TABLE `Track` ADD COLUMN `Remastered` INT NOT NULL DEFAULT 1;\nDO SLEEP(1);\nDELETE FROM `PlaylistTrack` WHERE `PlaylistId` > 10;\n"
            : `-- remaster every track\nUPDATE "Track" SET "Name" = "Name" || ' (remastered)';\nDELETE FROM "PlaylistTrack" WHERE "PlaylistId" > 10;\n`,
        );
        const other = await seeded(engine);
        const up = await dbporter(['migrate', 'up', '--migrations-dir', migrations, '--database-url', other.url, '--no-guard'], { cwd });
        assert.equal(up.code, 0, up.stderr);
        migrated = await dataSums(other.url);
        await other.drop();
      });
      after(() => {
        fs.rmSync(backup, { force: true });
        fs.rmSync(migrations, { recursive: true, force: true });
      });
      beforeEach(async () => {
        target = await seeded(engine);
        untouched = await dataSums(target.url);
      });
      afterEach(() => target.drop());

      /**
       * Runs a command, kills it after `delay` ms, and checks the target is `untouched` or
       * `finished`; for a migration, after `migrate list` has put back the snapshot of one killed
       * half way, which it must then say.
       */
      async function killAndCheck(args: string[], delay: number, finished: string, migration = false): Promise<void> {
        const running = dbporter(args, { cwd });
        const timer = setTimeout(() => running.child.kill('SIGKILL'), delay);
        const result = await running;
        clearTimeout(timer);
        killCounts.runs++;
        if (migration) {
          const interrupted = (await querySql(target, `SELECT name FROM ${RUNNING_TABLE}`).catch(() => [])).length > 0;
          if (interrupted) killCounts.recovered++;
          const list = await dbporter(['migrate', 'list', '--migrations-dir', migrations, '--database-url', target.url], { cwd });
          assert.equal(list.code, 0, list.stderr);
          if (interrupted) assert.match(list.stderr, /Migration 001_remaster\.sql was interrupted .*; the database was put back from the snapshot .*\.zip taken before it\./);
          else assert.doesNotMatch(list.stderr, /interrupted/);
          assert.match(list.stdout, interrupted ? /^pending +001_remaster\.sql/ : /^(pending|applied) +001_remaster\.sql/);
        }
        if (engine === 'mysql') {
          // The server runs what the killed client sent last to its end (a restore's RENAME TABLE);
          // the tables are read one by one, so only after it, or they could straddle the swap.
          const deadline = Date.now() + 10_000;
          while ((await shadowDatabases()).some((s) => s.live) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        }
        const now = await dataSums(target.url);
        if (result.code === 0) {
          killCounts.completed++;
          assert.equal(now, finished, 'finished: the whole result');
        } else {
          assert.equal(result.code, null, `killed, not failed: ${result.stderr}`);
          killCounts.killed++;
          // Killed before its commit: what was there; killed between commit and exit: the whole result.
          assert.ok(now === untouched || now === finished, 'killed: exactly what was there before, or the whole result, never a mix');
        }
        // The next run into the same database sweeps what the killed one left half-written.
        const next = await dbporter(['backup', '--database-url', target.url], { cwd });
        assert.equal(next.code, 0, next.stderr);
        const folder = path.join(cwd, '.dbporter/backups', path.basename(new URL(target.url.replace(/^sqlite:/, 'file:')).pathname).replace(/\.db$/, ''));
        assert.deepEqual(temporaries(folder), []);
        if (engine === 'sqlite') {
          // A write into the database's folder sweeps there.
          assert.equal((await dbporter(['import', original, '--database-url', target.url], { cwd })).code, 0);
          assert.deepEqual(temporaries(path.dirname(target.url.slice('sqlite:'.length))), []);
        }
        if (engine === 'mysql') {
          // The killed client's shadow and aside databases are leftovers now, and a write through
          // the adapter drops them.
          const left = (await shadowDatabases()).filter((s) => !s.live).map((s) => s.name);
          if (left.length) killCounts.shadowsSwept += left.length;
          assert.equal((await dbporter(['import', original, '--database-url', target.url], { cwd })).code, 0);
          const still = (await shadowDatabases()).map((s) => s.name);
          assert.deepEqual(left.filter((name) => still.includes(name)), [], 'the next write dropped the killed run\'s shadow databases');
        }
      }

      // On MySQL, which commits DDL on the spot, a restore swaps a shadow database in with one
      // RENAME TABLE, and a migration killed half way is undone by the next migrate command.
      const pick = random(engine.length * 104729);
      for (let i = 0; i < 3; i++) {
        const delay = Math.round(150 + pick() * 2500);
        it(`restore killed after ${delay} ms leaves the database as before or wholly restored`, () =>
          killAndCheck(['restore', '--backup-file', backup, '--database-url', target.url, '--yes'], delay, whole));
      }
      for (let i = 0; i < 3; i++) {
        const delay = Math.round(150 + pick() * (engine === 'mysql' ? 3200 : 2000));
        it(`migrate up killed after ${delay} ms leaves the database as before or wholly migrated`, () =>
          killAndCheck(['migrate', 'up', '--migrations-dir', migrations, '--database-url', target.url], delay, migrated, true));
      }

      const rnd = random(engine.length * 7919);
      for (let i = 0; i < 5; i++) {
        const delay = Math.round(150 + rnd() * 2500);
        const command = i % 2 ? 'copy' : 'import';
        it(`${command} --mode replace killed after ${delay} ms leaves the target whole`, async () => {
          const args =
            command === 'import'
              ? ['import', dump, '--database-url', target.url, '--mode', 'replace']
              : ['copy', '--from', `sqlite:${path.dirname(dump)}/source.db`, '--to', target.url, '--mode', 'replace'];
          if (command === 'copy') {
            // A source of its own, in the new ids, so that a finished copy looks like a finished import.
            const src = `sqlite:${path.dirname(dump)}/source.db`;
            if (!fs.existsSync(`${path.dirname(dump)}/source.db`)) {
              const made = await dbporter(['import', dump, '--database-url', src, '--label-name', 'source'], { cwd });
              assert.equal(made.code, 0, made.stderr);
            }
          }
          await killAndCheck(args, delay, whole);
        });
      }
    });
  }
});
