import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { withAdapter } from '../../src/core/engines';
import { exportDatabase } from '../../src/core/export';
import { importDump } from '../../src/core/import';
import { deleteOwnedRows, type Selector } from '../../src/core/subset';
import type { Engine } from '../../src/core/url';
import { createTestDatabase, execSql, querySql, requireServer, type TestDatabase } from '../helpers/servers';
import { CHINOOK_SQLITE, loadChinook } from '../helpers/chinook';
import { checksums, tempDir } from '../helpers/data';
import { dbporter, setDefaultCwd } from '../helpers/cli';

/** Chinook's names: PascalCase on SQLite and MySQL, snake_case on PostgreSQL. */
const n = (engine: Engine, name: string) => (engine === 'postgres' ? name.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase() : name);

async function exportSlice(url: string, select: Selector, file: string) {
  const out = fs.createWriteStream(file);
  try {
    return await withAdapter(url, (a) => exportDatabase(a, out, { format: 'ndjson', select }));
  } finally {
    await new Promise((resolve) => out.end(resolve));
  }
}

/** What a slice of Chinook by artist must hold, counted by plain SQL, independently of DB Porter. */
async function expectedByArtist(db: TestDatabase, engine: Engine, artistId: number): Promise<Record<string, number>> {
  const c = (name: string) => n(engine, name);
  const tracks = `SELECT ${c('TrackId')} FROM ${c('Track')} WHERE ${c('AlbumId')} IN (SELECT ${c('AlbumId')} FROM ${c('Album')} WHERE ${c('ArtistId')} = ${artistId})`;
  const invoices = `SELECT ${c('InvoiceId')} FROM ${c('InvoiceLine')} WHERE ${c('TrackId')} IN (${tracks})`;
  const customers = `SELECT ${c('CustomerId')} FROM ${c('Invoice')} WHERE ${c('InvoiceId')} IN (${invoices})`;
  const queries: Record<string, string> = {
    Artist: `SELECT COUNT(*) AS n FROM ${c('Artist')} WHERE ${c('ArtistId')} = ${artistId}`,
    Album: `SELECT COUNT(*) AS n FROM ${c('Album')} WHERE ${c('ArtistId')} = ${artistId}`,
    Track: `SELECT COUNT(*) AS n FROM (${tracks}) t`,
    InvoiceLine: `SELECT COUNT(*) AS n FROM ${c('InvoiceLine')} WHERE ${c('TrackId')} IN (${tracks})`,
    PlaylistTrack: `SELECT COUNT(*) AS n FROM ${c('PlaylistTrack')} WHERE ${c('TrackId')} IN (${tracks})`,
    Invoice: `SELECT COUNT(*) AS n FROM ${c('Invoice')} WHERE ${c('InvoiceId')} IN (${invoices})`,
    Customer: `SELECT COUNT(*) AS n FROM ${c('Customer')} WHERE ${c('CustomerId')} IN (${customers})`,
    Genre: `SELECT COUNT(*) AS n FROM ${c('Genre')} WHERE ${c('GenreId')} IN (SELECT ${c('GenreId')} FROM ${c('Track')} WHERE ${c('TrackId')} IN (${tracks}))`,
    MediaType: `SELECT COUNT(*) AS n FROM ${c('MediaType')} WHERE ${c('MediaTypeId')} IN (SELECT ${c('MediaTypeId')} FROM ${c('Track')} WHERE ${c('TrackId')} IN (${tracks}))`,
    Playlist: `SELECT COUNT(*) AS n FROM ${c('Playlist')} WHERE ${c('PlaylistId')} IN (SELECT ${c('PlaylistId')} FROM ${c('PlaylistTrack')} WHERE ${c('TrackId')} IN (${tracks}))`,
    // The customers' support representatives and everyone above them.
    Employee: `WITH RECURSIVE chain AS (
        SELECT ${c('EmployeeId')} AS id, ${c('ReportsTo')} AS up FROM ${c('Employee')} WHERE ${c('EmployeeId')} IN (SELECT ${c('SupportRepId')} FROM ${c('Customer')} WHERE ${c('CustomerId')} IN (${customers}))
        UNION SELECT e.${c('EmployeeId')}, e.${c('ReportsTo')} FROM ${c('Employee')} e JOIN chain ON e.${c('EmployeeId')} = chain.up)
      SELECT COUNT(*) AS n FROM chain`,
  };
  const out: Record<string, number> = {};
  for (const [table, sql] of Object.entries(queries)) out[n(engine, table)] = Number((await querySql(db, sql))[0].n);
  return out;
}

for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
  describe(`partial exports on ${engine}`, function () {
    this.timeout(120_000);
    let source: TestDatabase;
    const dir = tempDir();

    before(async function () {
      await requireServer(this, engine);
      source = await createTestDatabase(engine);
      await loadChinook(source);
    });
    after(async () => {
      await source?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const artistId of [1, 90]) {
      it(`a slice by artist ${artistId} holds exactly what hangs from it and what that needs, and imports on its own`, async () => {
        const file = `${dir}/artist-${artistId}.ndjson`;
        const result = await exportSlice(source.url, { kind: 'root', table: n(engine, 'Artist'), values: [String(artistId)] }, file);
        const expected = await expectedByArtist(source, engine, artistId);
        const got = Object.fromEntries(result.tables.map((t) => [t.table, t.rows]));
        for (const [table, rows] of Object.entries(expected)) assert.equal(got[table] ?? 0, rows, `${table}`);
        assert.deepEqual(Object.keys(got).sort(), Object.keys(expected).filter((t) => expected[t] > 0).sort(), 'and no other table');

        // Into an empty database, where every foreign key is checked on the way in.
        const target = await createTestDatabase(engine);
        try {
          await withAdapter(target.url, (a) => importDump(a, fs.createReadStream(file), { format: 'ndjson' }));
          const sums = await checksums(target.url);
          for (const [table, rows] of Object.entries(expected)) assert.equal(sums[table]?.rows ?? 0, rows, `${table} imported`);
        } finally {
          await target.drop();
        }
      });
    }

    it('deleting the exported data removes exactly the slice it owns, and nothing else', async () => {
      const db = await createTestDatabase(engine);
      try {
        await loadChinook(db);
        const before = await checksums(db.url);
        const result = await exportSlice(db.url, { kind: 'root', table: n(engine, 'Artist'), values: ['1'] }, `${dir}/delete.ndjson`);
        const owned = Object.fromEntries([...result.slice!.owned].map(([t, keys]) => [t, keys.length]));
        assert.deepEqual(Object.keys(owned).sort(), ['Album', 'Artist', 'InvoiceLine', 'PlaylistTrack', 'Track'].map((t) => n(engine, t)).sort());
        const deleted = await withAdapter(db.url, (a) => deleteOwnedRows(a, result.slice!));
        assert.deepEqual(deleted, owned);
        const after = await checksums(db.url);
        for (const [table, sum] of Object.entries(before)) {
          assert.equal(after[table].rows, sum.rows - (owned[table] ?? 0), table);
          if (!owned[table]) assert.equal(after[table].checksum, sum.checksum, `${table} untouched`);
        }
        const left = await querySql(db, `SELECT COUNT(*) AS n FROM ${n(engine, 'Album')} WHERE ${n(engine, 'ArtistId')} = 1`);
        assert.equal(Number(left[0].n), 0);
      } finally {
        await db.drop();
      }
    });

    it('selects the root by another unique column', async () => {
      const byName = await exportSlice(source.url, { kind: 'root', table: n(engine, 'Artist'), column: n(engine, 'Name'), values: ['AC/DC'] }, `${dir}/acdc.ndjson`);
      const byId = await exportSlice(source.url, { kind: 'root', table: n(engine, 'Artist'), values: ['1'] }, `${dir}/one.ndjson`);
      assert.deepEqual(byName.tables, byId.tables);
    });

    it('--since takes rows created after a date, their children without dates, and the parents they need', async () => {
      const db = await createTestDatabase(engine);
      try {
        const int = engine === 'mysql' ? 'INT' : 'INTEGER';
        const ts = engine === 'postgres' ? 'TIMESTAMP' : 'DATETIME';
        await execSql(
          db,
          `CREATE TABLE owners (id ${int} PRIMARY KEY, name VARCHAR(20));
           CREATE TABLE projects (id ${int} PRIMARY KEY, owner_id ${int} REFERENCES owners(id), created_at ${ts});
           CREATE TABLE tasks (id ${int} PRIMARY KEY, project_id ${int} REFERENCES projects(id), created_at ${ts});
           CREATE TABLE task_runs (id ${int} PRIMARY KEY, task_id ${int} REFERENCES tasks(id));
           INSERT INTO owners VALUES (1, 'old'), (2, 'new'), (3, 'unused');
           INSERT INTO projects VALUES (10, 1, '2020-01-01 00:00:00'), (20, 2, '2024-06-01 00:00:00');
           INSERT INTO tasks VALUES (100, 10, '2020-02-01 00:00:00'), (101, 10, '2024-03-01 12:00:00'), (200, 20, '2024-07-01 00:00:00');
           INSERT INTO task_runs VALUES (1000, 100), (1001, 101), (1002, 101), (2000, 200);`,
        );
        const result = await exportSlice(db.url, { kind: 'since', since: '2024-01-01' }, `${dir}/since.ndjson`);
        const got = Object.fromEntries(result.tables.map((t) => [t.table, t.rows]));
        // tasks 101 and 200, their runs, projects 20 (new) and 10 (needed by task 101), their owners 1 and 2.
        assert.deepEqual(got, { owners: 2, projects: 2, tasks: 2, task_runs: 3 });
      } finally {
        await db.drop();
      }
    });
  });
}

describe('dbporter export selectors on the command line', function () {
  this.timeout(60_000);
  const dir = tempDir();
  before(() => setDefaultCwd(dir));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses two selectors at once and explains why', async () => {
    const run = await dbporter(['export', '-', '--database-url', 'sqlite:x.db', '--root', 'Artist', '--id', '1', '--since', '2024-01-01']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--root and --since cannot be combined: each picks the rows of the export in its own way/);
  });

  it('exports a slice by root and id', async () => {
    const file = `${dir}/slice.json`;
    const run = await dbporter(['export', file, '--database-url', `sqlite:${CHINOOK_SQLITE}`, '--root', 'Artist', '--id', '1']);
    assert.equal(run.code, 0, run.stderr);
    const dump = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(dump.data.Artist, [{ ArtistId: 1, Name: 'AC/DC' }]);
    assert.deepEqual(dump.metadata.options.select, { kind: 'root', table: 'Artist', values: ['1'] });
  });

  it('--delete-exported-data backs up, asks, and deletes the slice', async () => {
    const db = `${dir}/chinook.db`;
    fs.copyFileSync(CHINOOK_SQLITE, db);
    const refused = await dbporter(['export', `${dir}/a.json`, '--database-url', `sqlite:${db}`, '--root', 'Artist', '--id', '1', '--delete-exported-data']);
    assert.equal(refused.code, 2, 'no terminal to ask on, no --yes');
    assert.match(refused.stderr, /Delete the exported rows .*Artist 1.*add --yes/);
    assert.ok(fs.existsSync(`${dir}/a.json`), 'the dump was written before the question');
    assert.equal((await checksums(`sqlite:${db}`)).Artist.rows, 275);

    const run = await dbporter(['export', `${dir}/b.json`, '--database-url', `sqlite:${db}`, '--root', 'Artist', '--id', '1', '--delete-exported-data', '--yes']);
    assert.equal(run.code, 0, run.stderr);
    const backup = /before the delete: (\S+\.zip)/.exec(run.stderr)![1];
    assert.match(run.stderr, /Deleted .*1 from Artist/);
    assert.equal((await checksums(`sqlite:${db}`)).Artist.rows, 274);
    const restore = await dbporter(['restore', '--backup-file', backup, '--database-url', `sqlite:${db}`, '--yes']);
    assert.equal(restore.code, 0, restore.stderr);
    assert.equal((await checksums(`sqlite:${db}`)).Artist.rows, 275);
  });

  /** The artists a dump holds, and the values its metadata records as chosen; DEST and DB in `args` stand for the file and Chinook. */
  async function artistsOf(args: string[], file: string) {
    const run = await dbporter(['export', ...args].map((a) => (a === 'DEST' ? file : a === 'DB' ? `sqlite:${CHINOOK_SQLITE}` : a)));
    assert.equal(run.code, 0, run.stderr);
    const dump = JSON.parse(fs.readFileSync(file, 'utf8'));
    return { ids: (dump.data.Artist as Array<{ ArtistId: number }>).map((a) => a.ArtistId).sort((a, b) => a - b), select: dump.metadata.options.select };
  }

  it('--id takes several values after one flag, as its usage says', async () => {
    const got = await artistsOf(['DEST', '--root', 'Artist', '--id', '1', '2', '3', '--database-url', 'DB'], `${dir}/ids.json`);
    assert.deepEqual(got, { ids: [1, 2, 3], select: { kind: 'root', table: 'Artist', values: ['1', '2', '3'] } });
  });

  it('--id repeated, and mixed with several values per flag', async () => {
    assert.deepEqual((await artistsOf(['DEST', '--database-url', 'DB', '--root', 'Artist', '--id', '1', '--id', '2'], `${dir}/repeated.json`)).ids, [1, 2]);
    assert.deepEqual((await artistsOf(['DEST', '--id', '1', '2', '--root', 'Artist', '--id', '3', '--id=4', '5', '--database-url', 'DB'], `${dir}/mixed.json`)).select.values, ['1', '2', '3', '4', '5']);
  });

  it('--value takes several values after one flag', async () => {
    const got = await artistsOf(['DEST', '--database-url', 'DB', '--root', 'Artist', '--root-by', 'Name', '--value', 'AC/DC', 'Accept', '--value', 'Aerosmith'], `${dir}/values.json`);
    assert.deepEqual(got, { ids: [1, 2, 3], select: { kind: 'root', table: 'Artist', column: 'Name', values: ['AC/DC', 'Accept', 'Aerosmith'] } });
  });

  it('DEST goes before the flags, after another option, or after --', async () => {
    assert.deepEqual((await artistsOf(['--database-url', 'DB', '--root', 'Artist', '--id', '1', '2', '--indent', '2', 'DEST'], `${dir}/after-option.json`)).ids, [1, 2]);
    assert.deepEqual((await artistsOf(['--database-url', 'DB', '--root', 'Artist', '--id', '1', '2', '--', 'DEST'], `${dir}/after-dashes.json`)).ids, [1, 2]);
  });

  it('a dump file right after the values is refused, saying where DEST goes', async () => {
    const run = await dbporter(['export', '--database-url', `sqlite:${CHINOOK_SQLITE}`, '--root', 'Artist', '--id', '1', '2', `${dir}/late.json`]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /"[^"]*late\.json" after --id reads as one more value: the values after --id run until the next option\. Give DEST before the flags .* or after --\. \[BAD_ARGUMENT\]/);
    assert.ok(!fs.existsSync(`${dir}/late.json`));
  });

  it('a table without a primary key is chosen with --root-by', async () => {
    const db = `${dir}/keyless.db`;
    fs.copyFileSync(CHINOOK_SQLITE, db);
    await execSql({ engine: 'sqlite', url: `sqlite:${db}`, drop: async () => {} }, 'CREATE TABLE notes (body TEXT);');
    const run = await dbporter(['export', '-', '--database-url', `sqlite:${db}`, '--root', 'notes', '--id', '1']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Table "notes" has no primary key to select its rows by; choose them by another column with --root-by COLUMN --value V\.\.\. \[BAD_ARGUMENT\]/);
  });

  it('says when the root rows do not exist', async () => {
    const run = await dbporter(['export', '-', '--database-url', `sqlite:${CHINOOK_SQLITE}`, '--root', 'Artist', '--id', '99999']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /No row of "Artist" has ArtistId 99999/);
  });
});
