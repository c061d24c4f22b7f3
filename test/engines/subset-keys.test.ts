import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { withAdapter } from '../../src/core/engines';
import { exportDatabase } from '../../src/core/export';
import { deleteOwnedRows, type Selector } from '../../src/core/subset';
import type { Engine } from '../../src/core/url';
import { createTestDatabase, execSql, querySql, requireServer, type TestDatabase } from '../helpers/servers';
import { tempDir } from '../helpers/data';
import { dbporter, setDefaultCwd } from '../helpers/cli';
import { errorCode } from '../helpers/errors';

/**
 * Real-world schemas have tables without primary keys: link tables keyed only by a unique key, logs,
 * leftovers. A partial export must care only about those its slice reaches.
 */
const SCHEMA = `
  CREATE TABLE studios (code VARCHAR(10) NOT NULL, name VARCHAR(50) NOT NULL, UNIQUE (code));
  CREATE TABLE films (id INT PRIMARY KEY, title VARCHAR(50) NOT NULL, studio_code VARCHAR(10), FOREIGN KEY (studio_code) REFERENCES studios (code));
  CREATE TABLE actors (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL);
  CREATE TABLE film_actor (film_id INT NOT NULL, actor_id INT NOT NULL, role VARCHAR(50),
    UNIQUE (film_id, actor_id), FOREIGN KEY (film_id) REFERENCES films (id), FOREIGN KEY (actor_id) REFERENCES actors (id));
  CREATE TABLE reviews (film_id INT, stars INT, note VARCHAR(50), FOREIGN KEY (film_id) REFERENCES films (id));
  CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50));
  CREATE TABLE ratings (film_id INT NOT NULL, user_id INT NOT NULL, score INT,
    FOREIGN KEY (film_id) REFERENCES films (id), FOREIGN KEY (user_id) REFERENCES users (id));
  CREATE TABLE audit_log (at VARCHAR(30), message VARCHAR(100));
  INSERT INTO studios VALUES ('WB', 'Warner'), ('UA', 'United Artists'), ('FOX', 'Fox');
  INSERT INTO films VALUES (1, 'Alien', 'FOX'), (2, 'Brazil', 'UA'), (3, 'Cube', NULL), (4, 'Dune', 'WB');
  INSERT INTO actors VALUES (10, 'Sigourney'), (11, 'Ian'), (12, 'Jonathan'), (13, 'Kyle');
  INSERT INTO film_actor VALUES (1, 10, 'Ripley'), (1, 11, 'Ash'), (2, 12, 'Sam'), (4, 13, 'Paul'), (3, 10, 'cameo');
  INSERT INTO reviews VALUES (2, 5, 'great'), (2, 5, 'great'), (4, 3, NULL);
  INSERT INTO users VALUES (100, 'ann'), (101, 'bob');
  INSERT INTO ratings VALUES (3, 100, 5), (3, 101, 4), (4, 100, 3);
  INSERT INTO audit_log VALUES ('2024-01-01', 'boot'), ('2024-01-01', 'boot');`;

type Rows = Record<string, Array<Record<string, unknown>>>;

/** Rows as sorted JSON texts: a table's content, whatever order the engine returned it in. */
const sorted = (rows: Array<Record<string, unknown>>) => rows.map((r) => JSON.stringify(r)).sort();

function sameContent(got: Rows, expected: Rows): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(expected).sort(), 'the tables of the slice');
  for (const [table, rows] of Object.entries(expected)) assert.deepEqual(sorted(got[table]), sorted(rows), table);
}

/** The slice as a JSON dump's data: rows as objects per table. */
async function exportSlice(url: string, select: Selector) {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const result = await withAdapter(url, (a) => exportDatabase(a, out, { format: 'json', select }));
  out.end();
  return { result, data: JSON.parse(Buffer.concat(chunks).toString('utf8')).data as Rows };
}

async function contents(db: TestDatabase, tables: string[]): Promise<Rows> {
  const out: Rows = {};
  for (const t of tables) out[t] = (await querySql(db, `SELECT * FROM ${t}`)).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
  return out;
}

/** What the slice of film 1 holds: its cast through the unique-keyed link table, the actors and studio they need. */
const FILM_1: Rows = {
  films: [{ id: 1, title: 'Alien', studio_code: 'FOX' }],
  film_actor: [
    { film_id: 1, actor_id: 10, role: 'Ripley' },
    { film_id: 1, actor_id: 11, role: 'Ash' },
  ],
  actors: [
    { id: 10, name: 'Sigourney' },
    { id: 11, name: 'Ian' },
  ],
  studios: [{ code: 'FOX', name: 'Fox' }],
};

for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
  describe(`partial exports past a table without a key on ${engine}`, function () {
    this.timeout(120_000);
    let db: TestDatabase;
    const dir = tempDir();

    before(async function () {
      await requireServer(this, engine);
      db = await createTestDatabase(engine);
      await execSql(db, SCHEMA);
    });
    after(async () => {
      await db?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('ignores keyless tables the slice does not reach, and those it reaches with no rows', async () => {
      // audit_log is unrelated; reviews and ratings (no key at all) have no rows for film 1.
      const { result, data } = await exportSlice(db.url, { kind: 'root', table: 'films', values: ['1'] });
      sameContent(data, FILM_1);
      assert.deepEqual(Object.fromEntries(result.tables.map((t) => [t.table, t.rows])), { actors: 2, film_actor: 2, films: 1, studios: 1 });
    });

    it('follows a keyless table down and up by its unique key on NOT NULL columns', async () => {
      const { result, data } = await exportSlice(db.url, { kind: 'root', table: 'films', values: ['1'] });
      assert.deepEqual(result.slice!.keyColumns.get('film_actor'), ['film_id', 'actor_id']);
      assert.deepEqual(result.slice!.keyColumns.get('studios'), ['code']);
      assert.deepEqual(
        [...result.slice!.owned.get('film_actor')!].map((k) => JSON.stringify(k)).sort(),
        ['[1,10]', '[1,11]'],
        'the link rows, by their unique key',
      );
      sameContent(data, FILM_1);
    });

    it('starts at a keyless table by its unique column', async () => {
      const { data } = await exportSlice(db.url, { kind: 'root', table: 'studios', column: 'code', values: ['FOX'] });
      sameContent(data, FILM_1);
    });

    it('refuses a reached table without any key, naming it, how it was reached and a key that would do', async () => {
      await assert.rejects(
        exportSlice(db.url, { kind: 'root', table: 'films', values: ['3'] }),
        errorCode(
          'UNSUPPORTED',
          /^Table "ratings" \(reached from "films" through ratings\.film_id\) has no primary key and no unique key on NOT NULL columns, so a partial export cannot tell its rows apart\. Add a primary key, e.g\. PRIMARY KEY \(film_id, user_id\): those columns are unique and never NULL in the data now\.$/,
        ),
      );
    });

    it('says when no set of columns would do as a key', async () => {
      await assert.rejects(
        exportSlice(db.url, { kind: 'root', table: 'films', values: ['2'] }),
        errorCode('UNSUPPORTED', /^Table "reviews" \(reached from "films" through reviews\.film_id\) has no primary key .*No set of its columns is unique and free of NULLs in the data now/),
      );
    });

    it('on the command line, names the table and its code and writes nothing', async () => {
      setDefaultCwd(dir);
      const file = `${dir}/film-3.json`;
      const run = await dbporter(['export', file, '--database-url', db.url, '--root', 'films', '--id', '3']);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /Table "ratings" \(reached from "films" through ratings\.film_id\) .*PRIMARY KEY \(film_id, user_id\).* \[UNSUPPORTED\]\n$/);
      assert.deepEqual(fs.readdirSync(dir), [], 'no dump, no temporary file');
    });

    it('--since passes keyless tables with no rows after the date, and names one with rows', async () => {
      const dated = await createTestDatabase(engine);
      try {
        const ts = engine === 'postgres' ? 'TIMESTAMP' : 'DATETIME';
        await execSql(
          dated,
          `CREATE TABLE projects (id INT PRIMARY KEY, created_at ${ts});
           CREATE TABLE logs (created_at ${ts}, body VARCHAR(20));
           CREATE TABLE notes (project_id INT NOT NULL, body VARCHAR(20), FOREIGN KEY (project_id) REFERENCES projects (id));
           INSERT INTO projects VALUES (1, '2020-01-01 00:00:00'), (2, '2024-06-01 00:00:00');
           INSERT INTO logs VALUES ('2019-05-01 00:00:00', 'old'), ('2021-05-01 00:00:00', 'newer');
           INSERT INTO notes VALUES (1, 'first');`,
        );
        const { data } = await exportSlice(dated.url, { kind: 'since', since: '2024-01-01' });
        sameContent(data, { projects: [{ id: 2, created_at: '2024-06-01T00:00:00' }] });
        await assert.rejects(
          exportSlice(dated.url, { kind: 'since', since: '2021-01-01' }),
          errorCode('UNSUPPORTED', /^Table "logs" \(rows created after 2021-01-01\) has no primary key .* e\.g\. PRIMARY KEY \(created_at, body\):/),
        );
        await execSql(dated, `INSERT INTO notes VALUES (2, 'second');`);
        await assert.rejects(
          exportSlice(dated.url, { kind: 'since', since: '2024-01-01' }),
          errorCode('UNSUPPORTED', /^Table "notes" \(reached from "projects" through notes\.project_id\) has no primary key .* e\.g\. PRIMARY KEY \(project_id\):/),
        );
      } finally {
        await dated.drop();
      }
    });

    it('deletes the exported data past a table keyed by a unique key, and nothing else', async () => {
      const copy = await createTestDatabase(engine);
      try {
        await execSql(copy, SCHEMA);
        const tables = ['studios', 'films', 'actors', 'film_actor', 'reviews', 'users', 'ratings', 'audit_log'];
        const before = await contents(copy, tables);
        const { result } = await exportSlice(copy.url, { kind: 'root', table: 'films', values: ['1'] });
        const deleted = await withAdapter(copy.url, (a) => deleteOwnedRows(a, result.slice!));
        assert.deepEqual(deleted, { film_actor: 2, films: 1 });
        const expected = { ...before };
        expected.films = before.films.filter((r) => r.id !== 1);
        expected.film_actor = before.film_actor.filter((r) => r.film_id !== 1);
        const after = await contents(copy, tables);
        for (const t of tables) assert.deepEqual(sorted(after[t]), sorted(expected[t]), t);
      } finally {
        await copy.drop();
      }
    });
  });
}
