import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openAdapter, withAdapter } from '../../src/core/engines';
import { copyDatabase } from '../../src/core/copy';
import { importDump } from '../../src/core/import';
import { exportDatabase } from '../../src/core/export';
import { DbPorterError } from '../../src/core/errors';
import type { Engine } from '../../src/core/url';
import { createTestDatabase, execSql, querySql, requireServer, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { checksums, exportToFile, readTable, tempDir } from '../helpers/data';

const ENGINES: Engine[] = ['sqlite', 'postgres', 'mysql'];

async function copy(fromUrl: string, toUrl: string, options = {}) {
  const source = await openAdapter(fromUrl);
  try {
    return await withAdapter(toUrl, (t) => copyDatabase(source, t, options));
  } finally {
    await source.close();
  }
}

const fileOf = (db: TestDatabase) => db.url.slice('sqlite:'.length);

describe('import modes, sequences and awkward schemas', function () {
  this.timeout(120_000);
  let chinook: TestDatabase;
  const dir = tempDir();

  before(async function () {
    chinook = await createTestDatabase('sqlite');
    await loadChinook(chinook);
  });
  after(async () => {
    await chinook.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const engine of ENGINES) {
    describe(engine, () => {
      let target: TestDatabase;
      beforeEach(async function () {
        await requireServer(this, engine);
        target = await createTestDatabase(engine);
      });
      afterEach(async () => target?.drop());

      it('merge keeps existing rows, replace overwrites them, append refuses collisions', async () => {
        const file = await exportToFile(chinook.url, 'ndjson', dir, ['Artist', 'Genre']);
        const run = (mode: 'merge' | 'replace' | 'append') =>
          withAdapter(target.url, (a) => importDump(a, fs.createReadStream(file), { format: 'ndjson', mode }));

        const first = await run('merge');
        assert.equal(first.inserted, 275 + 25);
        await execSql(target, `UPDATE ${engine === 'mysql' ? '`Artist`' : '"Artist"'} SET ${engine === 'mysql' ? '`Name`' : '"Name"'} = 'changed' WHERE ${engine === 'mysql' ? '`ArtistId`' : '"ArtistId"'} = 1`);

        const merged = await run('merge');
        assert.equal(merged.inserted, 0);
        assert.equal(merged.tables.find((t) => t.table === 'Artist')!.skipped, 275);
        assert.equal((await readTable(target.url, 'Artist'))[0].Name, 'changed', 'merge kept the existing row');

        await assert.rejects(run('append'), (err: unknown) => err instanceof DbPorterError && err.code === 'CONFLICT');
        assert.equal((await readTable(target.url, 'Artist'))[0].Name, 'changed', 'a failed append changed nothing');

        const replaced = await run('replace');
        assert.equal(replaced.inserted, 300);
        assert.equal((await readTable(target.url, 'Artist'))[0].Name, 'AC/DC', 'replace wrote the dump row');
        assert.deepEqual(await checksums(target.url), await checksumsOf(chinook.url, ['Artist', 'Genre']));
      });

      it('leaves auto-increment counters past the highest id', async () => {
        await copy(chinook.url, target.url, { tables: ['Artist'] });
        const q = engine === 'mysql' ? '`' : '"';
        await execSql(target, `INSERT INTO ${q}Artist${q} (${q}Name${q}) VALUES ('new artist')`);
        const rows = await querySql(target, `SELECT ${q}ArtistId${q} AS id FROM ${q}Artist${q} WHERE ${q}Name${q} = 'new artist'`);
        assert.equal(Number(rows[0].id), 276);
      });

      it('loads self-references and foreign-key cycles in any row order', async () => {
        const source = await createTestDatabase('sqlite');
        try {
          await execSql(
            source,
            `CREATE TABLE person (id INTEGER PRIMARY KEY, boss_id INTEGER REFERENCES person(id), team_id INTEGER REFERENCES team(id));
             CREATE TABLE team (id INTEGER PRIMARY KEY, lead_id INTEGER REFERENCES person(id));
             INSERT INTO person VALUES (1, 3, 10), (2, 3, 10), (3, NULL, 20);
             INSERT INTO team VALUES (10, 1), (20, 3);`,
          );
          for (const format of ['json', 'ndjson'] as const) {
            const file = await exportToFile(source.url, format, dir);
            const t = await createTestDatabase(engine);
            try {
              await withAdapter(t.url, (a) => importDump(a, fs.createReadStream(file), { format }));
              assert.deepEqual(await checksums(t.url), await checksums(source.url));
            } finally {
              await t.drop();
            }
          }
          await copy(source.url, target.url);
          assert.deepEqual(await checksums(target.url), await checksums(source.url));
          // The foreign keys exist in the target: a dangling reference is refused by the engine.
          if (engine !== 'sqlite') {
            await assert.rejects(execSql(target, `INSERT INTO person (id, boss_id) VALUES (9, 999)`));
          }
        } finally {
          await source.drop();
        }
      });

      it('recreates keys, foreign keys and indexes on the way from each other engine', async () => {
        for (const from of ENGINES.filter((e) => e !== engine)) {
          const source = await createTestDatabase(from);
          try {
            await loadChinook(source);
            await copy(source.url, target.url, { mode: 'replace' });
            const [src, dst] = await Promise.all([source.url, target.url].map((u) => withAdapter(u, (a) => a.introspect())));
            const shape = (s: typeof src) =>
              Object.fromEntries(
                s.tables.map((t) => [
                  t.name,
                  {
                    primaryKey: t.primaryKey,
                    foreignKeys: t.foreignKeys.map((f) => `${f.columns.join(',')}->${f.references.table}(${f.references.columns.join(',')})`).sort(),
                    indexed: [...t.indexes.map((i) => i.columns.join(',')), ...t.uniques.map((u) => u.columns.join(','))].sort(),
                  },
                ]),
              );
            const want = shape(src);
            const got = shape(dst);
            for (const [name, t] of Object.entries(want)) {
              assert.deepEqual(got[name].primaryKey, t.primaryKey, `${from} → ${engine}: primary key of ${name}`);
              assert.deepEqual(got[name].foreignKeys, t.foreignKeys, `${from} → ${engine}: foreign keys of ${name}`);
              // MySQL adds an index for every foreign key; everything the source indexed is indexed in the target.
              for (const cols of t.indexed) assert.ok(got[name].indexed.includes(cols), `${from} → ${engine}: index on ${name}(${cols})`);
            }
            assert.deepEqual(got.PlaylistTrack?.primaryKey ?? got.playlist_track.primaryKey, (want.PlaylistTrack ?? want.playlist_track).primaryKey);
          } finally {
            await source.drop();
          }
          // Each source engine gets a fresh target.
          await target.drop();
          target = await createTestDatabase(engine);
        }
      });

      it('replaces a table other tables point at: their keys are checked again at the end', async () => {
        await copy(chinook.url, target.url, { tables: ['Artist', 'Album'] });
        const artists = await exportToFile(chinook.url, 'ndjson', dir, ['Artist']);
        // The same artists come back: every album still has its artist.
        const replaced = await withAdapter(target.url, (a) => importDump(a, fs.createReadStream(artists), { format: 'ndjson', mode: 'replace' }));
        assert.equal(replaced.inserted, 275);
        assert.deepEqual(await checksums(target.url), await checksumsOf(chinook.url, ['Artist', 'Album']));
        // Without AC/DC (artist 1), two albums would point nowhere: refused, nothing changes.
        const lines = fs.readFileSync(artists, 'utf8').split('\n');
        const withoutAcdc = path.join(dir, 'artists-without-1.json');
        const kept = await readTable(chinook.url, 'Artist');
        fs.writeFileSync(withoutAcdc, JSON.stringify({ metadata: { ...JSON.parse(lines[0]).metadata, rowCounts: { Artist: 274 } }, schema: JSON.parse(lines[0]).schema, data: { Artist: kept.slice(1) } }));
        const before = await checksums(target.url);
        await assert.rejects(
          withAdapter(target.url, (a) => importDump(a, fs.createReadStream(withoutAcdc), { format: 'json', mode: 'replace' })),
          (err: unknown) => err instanceof DbPorterError && /Album/.test(err.message),
        );
        assert.deepEqual(await checksums(target.url), before);
      });

      it('refuses rows whose foreign keys point nowhere, writing nothing', async () => {
        const file = await exportToFile(chinook.url, 'json', dir, ['Album']);
        await copy(chinook.url, target.url, { tables: ['Artist'] });
        await execSql(target, engine === 'mysql' ? 'DELETE FROM `Artist` WHERE `ArtistId` = 1' : 'DELETE FROM "Artist" WHERE "ArtistId" = 1');
        const before = await checksums(target.url);
        await assert.rejects(
          withAdapter(target.url, (a) => importDump(a, fs.createReadStream(file), { format: 'json' })),
          (err: unknown) => err instanceof DbPorterError && /Album/.test(err.message) && /Artist/.test(err.message),
        );
        assert.deepEqual(await checksums(target.url), before);
      });
    });
  }

  describe('SQLite files', () => {
    it('reading never touches the file', async () => {
      const file = fileOf(chinook);
      const bytes = fs.readFileSync(file);
      const mtime = fs.statSync(file).mtimeMs;
      await exportToFile(chinook.url, 'json', dir);
      assert.ok(fs.readFileSync(file).equals(bytes));
      assert.equal(fs.statSync(file).mtimeMs, mtime);
    });

    it('refuses to overwrite a file that another program changed after it was read', async () => {
      const target = await createTestDatabase('sqlite');
      try {
        await execSql(target, 'CREATE TABLE t (id INTEGER PRIMARY KEY)');
        const file = await exportToFile(chinook.url, 'ndjson', dir, ['Genre']);
        const adapter = await openAdapter(target.url);
        try {
          // Another program writes while DB Porter holds the file.
          await execSql(target, 'INSERT INTO t VALUES (42)');
          const theirs = fs.readFileSync(fileOf(target));
          await assert.rejects(importDump(adapter, fs.createReadStream(file), { format: 'ndjson' }), (err: unknown) => err instanceof DbPorterError && err.code === 'FILE_CHANGED');
          assert.ok(fs.readFileSync(fileOf(target)).equals(theirs), "the other program's write survives");
          assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file is left behind');
        } finally {
          await adapter.close();
        }
      } finally {
        await target.drop();
      }
    });

    it('refuses a database whose write-ahead log holds changes not yet in the file', async () => {
      const target = await createTestDatabase('sqlite');
      try {
        await execSql(target, 'CREATE TABLE t (id INTEGER PRIMARY KEY)');
        fs.writeFileSync(`${fileOf(target)}-wal`, Buffer.alloc(4096, 1));
        await assert.rejects(openAdapter(target.url), (err: unknown) => err instanceof DbPorterError && err.code === 'FILE_IN_USE' && /wal_checkpoint/.test(err.message));
      } finally {
        await target.drop();
      }
    });

    it('writes a new file whole or not at all', async () => {
      const target = await createTestDatabase('sqlite');
      try {
        await copy(chinook.url, target.url, { tables: ['Genre'] });
        assert.deepEqual(Object.keys(await checksums(target.url)), ['Genre']);
        const folder = fileOf(target).replace(/[^/]+$/, '');
        assert.deepEqual(fs.readdirSync(folder).filter((f) => f.endsWith('.tmp')), []);
      } finally {
        await target.drop();
      }
    });
  });

  it('exports only the named tables, and refuses unknown ones by name', async () => {
    const file = await exportToFile(chinook.url, 'json', dir, ['Genre', 'MediaType']);
    const dump = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(Object.keys(dump.data).sort(), ['Genre', 'MediaType']);
    await assert.rejects(
      withAdapter(chinook.url, (a) => exportDatabase(a, fs.createWriteStream(`${dir}/x.json`), { format: 'json', tables: ['Nope'] })),
      (err: unknown) => err instanceof DbPorterError && err.code === 'UNKNOWN_TABLE' && /"Nope"/.test(err.message) && /Artist/.test(err.message),
    );
  });
});

async function checksumsOf(url: string, tables: string[]) {
  const all = await checksums(url);
  return Object.fromEntries(tables.map((t) => [t, all[t]]));
}
