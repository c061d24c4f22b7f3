import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openAdapter, withAdapter } from '../../src/core/engines';
import { copyDatabase } from '../../src/core/copy';
import { importDump } from '../../src/core/import';
import { tableChecksums } from '../../src/core/checksum';
import { DbPorterError } from '../../src/core/errors';
import type { DumpFormat } from '../../src/core/dump/format';
import type { LoadMode } from '../../src/core/load';
import type { Engine } from '../../src/core/url';
import { createTestDatabase, execSql, querySql, requireServer, serverProblem, type TestDatabase } from '../helpers/servers';
import { checksums, exportToFile, tempDir } from '../helpers/data';
import { readAll, writeDump } from '../helpers/dumps';

/**
 * Foreign-key cycles into databases that already have the schema (issue 15, item 7): the 2-cycle
 * house <-> person (NOT NULL both ways, not deferrable: no row goes in with the keys checked), the
 * 3-cycle rock -> scissors -> paper -> rock, the self-reference employee.manager_id, on PostgreSQL
 * also the deferrable cycle port <-> ship, and chore, outside the cycles, which references house and
 * sorts before it: it must load after it.
 */
const ENGINES: Engine[] = ['sqlite', 'postgres', 'mysql'];
const MODES: LoadMode[] = ['merge', 'replace', 'append'];
const FORMATS: DumpFormat[] = ['json', 'ndjson'];
/** The tables every engine's schema has; port and ship are PostgreSQL's only. */
const COMMON = ['chore', 'employee', 'house', 'paper', 'person', 'rock', 'scissors'];
/** Enough for two of merge mode's batches (5,000 rows), each manager in the row after. */
const EMPLOYEES = 6_000;

interface KeySpec {
  name: string;
  column: string;
  parent: string;
  /** PostgreSQL only: the DEFERRABLE clause. */
  deferrable?: string;
}
interface TableSpec {
  name: string;
  columns: string[];
  keys: KeySpec[];
  postgresOnly?: boolean;
}

const SPEC: TableSpec[] = [
  { name: 'house', columns: ['id integer NOT NULL', 'name varchar(40) NOT NULL', 'owner_id integer NOT NULL'], keys: [{ name: 'house_owner_fk', column: 'owner_id', parent: 'person' }] },
  { name: 'person', columns: ['id integer NOT NULL', 'name varchar(40) NOT NULL', 'home_id integer NOT NULL'], keys: [{ name: 'person_home_fk', column: 'home_id', parent: 'house' }] },
  { name: 'chore', columns: ['id integer NOT NULL', 'house_id integer NOT NULL', 'task varchar(40) NOT NULL'], keys: [{ name: 'chore_house_fk', column: 'house_id', parent: 'house' }] },
  { name: 'rock', columns: ['id integer NOT NULL', 'beats_id integer NOT NULL'], keys: [{ name: 'rock_beats_fk', column: 'beats_id', parent: 'scissors' }] },
  { name: 'scissors', columns: ['id integer NOT NULL', 'beats_id integer NOT NULL'], keys: [{ name: 'scissors_beats_fk', column: 'beats_id', parent: 'paper' }] },
  { name: 'paper', columns: ['id integer NOT NULL', 'beats_id integer NOT NULL'], keys: [{ name: 'paper_beats_fk', column: 'beats_id', parent: 'rock' }] },
  { name: 'employee', columns: ['id integer NOT NULL', 'name varchar(40) NOT NULL', 'manager_id integer'], keys: [{ name: 'employee_manager_fk', column: 'manager_id', parent: 'employee' }] },
  {
    name: 'port',
    columns: ['id integer NOT NULL', 'flagship_id integer NOT NULL'],
    keys: [{ name: 'port_flagship_fk', column: 'flagship_id', parent: 'ship', deferrable: 'DEFERRABLE INITIALLY IMMEDIATE' }],
    postgresOnly: true,
  },
  {
    name: 'ship',
    columns: ['id integer NOT NULL', 'port_id integer NOT NULL', 'escort_id integer'],
    // The checks ship_port_fk queues keep ALTER TABLE off ship until they have run: ship_escort_fk is added back after them.
    keys: [
      { name: 'ship_port_fk', column: 'port_id', parent: 'port', deferrable: 'DEFERRABLE INITIALLY DEFERRED' },
      { name: 'ship_escort_fk', column: 'escort_id', parent: 'ship' },
    ],
    postgresOnly: true,
  },
];

type Rows = Record<string, Array<Array<number | string | null>>>;

/** One set of rows where every key holds; `offset` moves every id, so two sets never collide. */
function dataset(offset: number): Rows {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  const id = (i: number) => offset + i;
  return {
    house: range(50).map((i) => [id(i), `house ${id(i)}`, id(i)]),
    person: range(50).map((i) => [id(i), `person ${id(i)}`, id((i % 50) + 1)]),
    chore: range(150).map((i) => [id(i), id((i % 50) + 1), `task ${i}`]),
    rock: range(20).map((i) => [id(i), id(i)]),
    scissors: range(20).map((i) => [id(i), id((i % 20) + 1)]),
    paper: range(20).map((i) => [id(i), id(i)]),
    employee: range(EMPLOYEES).map((i) => [id(i), `employee ${id(i)}`, i < EMPLOYEES ? id(i + 1) : null]),
    port: range(10).map((i) => [id(i), id(i)]),
    ship: range(10).map((i) => [id(i), id((i % 10) + 1), i < 10 ? id(i + 1) : null]),
  };
}

const literal = (v: number | string | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v}'`);

function insertSql(rows: Rows, tables: TableSpec[]): string {
  const out: string[] = [];
  for (const t of tables) {
    const all = rows[t.name] ?? [];
    for (let i = 0; i < all.length; i += 1000) {
      out.push(`INSERT INTO ${t.name} VALUES ${all.slice(i, i + 1000).map((r) => `(${r.map(literal).join(', ')})`).join(', ')};`);
    }
  }
  return out.join('\n');
}

function keySql(k: KeySpec, engine: Engine): string {
  return `CONSTRAINT ${k.name} FOREIGN KEY (${k.column}) REFERENCES ${k.parent} (id)${engine === 'postgres' && k.deferrable ? ` ${k.deferrable}` : ''}`;
}

/**
 * Creates the schema in `db` with `sets` of rows in it. PostgreSQL and MySQL get the foreign keys
 * after the rows (no row of a NOT NULL cycle goes in while they are checked); SQLite checks none.
 */
async function createSchema(db: TestDatabase, sets: Rows[], options: { orphans?: Rows; postgresTables?: boolean } = {}): Promise<void> {
  const tables = SPEC.filter((t) => db.engine === 'postgres' || options.postgresTables || !t.postgresOnly);
  const rows: Rows = {};
  for (const set of [...sets, options.orphans ?? {}]) for (const [name, list] of Object.entries(set)) (rows[name] ??= []).push(...list);
  if (db.engine === 'sqlite') {
    const create = tables.map((t) => `CREATE TABLE ${t.name} (${[...t.columns, 'PRIMARY KEY (id)', ...t.keys.map((k) => keySql(k, 'sqlite'))].join(', ')});`);
    await execSql(db, [...create, insertSql(rows, tables)].join('\n'));
    return;
  }
  const create = tables.map((t) => `CREATE TABLE ${t.name} (${[...t.columns, 'PRIMARY KEY (id)'].join(', ')});`);
  const keys = tables.flatMap((t) => t.keys.map((k) => `ALTER TABLE ${t.name} ADD ${keySql(k, db.engine)};`));
  await execSql(db, [...create, insertSql(rows, tables), ...keys].join('\n'));
}

/** The foreign keys as the engine declares them: what a failed import must leave in place. */
async function constraintsOf(db: TestDatabase, tables?: string[]): Promise<string[]> {
  let keys: string[];
  if (db.engine === 'postgres') {
    const rows = await querySql(db, "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS k FROM pg_constraint WHERE contype = 'f'");
    keys = rows.map((r) => String(r.k));
  } else {
    const schema = await withAdapter(db.url, (a) => a.introspect());
    keys = schema.tables.flatMap((t) => t.foreignKeys.map((fk) => `${t.name} ${fk.name ?? ''} (${fk.columns.join(',')}) -> ${fk.references.table}`));
  }
  return keys.filter((k) => !tables || tables.includes(k.split(' ')[0])).sort();
}

async function sums(url: string, tables = COMMON) {
  return withAdapter(url, (a) => tableChecksums(a, tables));
}

function importFile(db: TestDatabase, file: string, format: DumpFormat, mode: LoadMode) {
  return withAdapter(db.url, (a) => importDump(a, fs.createReadStream(file), { format, mode }));
}

async function copy(from: TestDatabase, to: TestDatabase, mode: LoadMode) {
  const source = await openAdapter(from.url);
  try {
    return await withAdapter(to.url, (t) => copyDatabase(source, t, { mode }));
  } finally {
    await source.close();
  }
}

describe('foreign-key cycles into existing schemas', function () {
  this.timeout(600_000);
  const dir = tempDir();
  const A = dataset(0);
  const B = dataset(1_000_000);
  /** Per engine: the schema holding A (what is exported and copied), and one holding A and B (what merging A into B gives). */
  const sources = new Map<Engine, TestDatabase>();
  const unions = new Map<Engine, TestDatabase>();
  const made: TestDatabase[] = [];

  async function database(engine: Engine, sets?: Rows[]): Promise<TestDatabase> {
    const db = await createTestDatabase(engine);
    made.push(db);
    if (sets) await createSchema(db, sets);
    return db;
  }

  before(async () => {
    for (const engine of ENGINES) {
      if (await serverProblem(engine)) continue;
      sources.set(engine, await database(engine, [A]));
      unions.set(engine, await database(engine, [A, B]));
    }
  });

  after(async () => {
    for (const db of made) await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const engine of ENGINES) {
    describe(engine, () => {
      const dumps = new Map<DumpFormat, string>();
      let source: TestDatabase;
      let union: TestDatabase;

      before(async function () {
        await requireServer(this, engine);
        source = sources.get(engine)!;
        union = unions.get(engine)!;
        for (const format of FORMATS) dumps.set(format, await exportToFile(source.url, format, dir));
      });

      it('writes the table outside the cycles after the tables it references', async () => {
        const header = JSON.parse(fs.readFileSync(dumps.get('ndjson')!, 'utf8').split('\n')[0]) as { schema: { tables: Array<{ name: string }> } };
        const order = header.schema.tables.map((t) => t.name);
        assert.ok(order.indexOf('chore') > order.indexOf('house') && order.indexOf('chore') > order.indexOf('person'), order.join(', '));
      });

      for (const format of FORMATS) {
        it(`imports ${format} into an empty database`, async () => {
          const target = await database(engine);
          await importFile(target, dumps.get(format)!, format, 'merge');
          assert.deepEqual(await checksums(target.url), await checksums(source.url));
          // Created tables get their keys from the dump's schema, which does not carry DEFERRABLE.
          const plain = (keys: string[]) => keys.map((k) => k.replace(/ DEFERRABLE.*$/, ''));
          assert.deepEqual(await constraintsOf(target), plain(await constraintsOf(source)));
        });

        for (const mode of MODES) {
          it(`imports ${format} into the existing schema, empty and holding other rows, in ${mode} mode`, async () => {
            const empty = await database(engine, []);
            await importFile(empty, dumps.get(format)!, format, mode);
            assert.deepEqual(await checksums(empty.url), await checksums(source.url));
            assert.deepEqual(await constraintsOf(empty), await constraintsOf(source));

            const holding = await database(engine, [B]);
            await importFile(holding, dumps.get(format)!, format, mode);
            // Replace empties the incoming tables (all of them here): only the dump's rows stay.
            assert.deepEqual(await checksums(holding.url), await checksums((mode === 'replace' ? source : union).url));
            assert.deepEqual(await constraintsOf(holding), await constraintsOf(source));
          });
        }
      }

      it('imports the same dump again into the schema holding it, in merge and replace modes', async () => {
        const target = await database(engine, [A]);
        for (const mode of ['merge', 'replace'] as const) {
          const result = await importFile(target, dumps.get('ndjson')!, 'ndjson', mode);
          assert.equal(result.inserted, mode === 'merge' ? 0 : result.rows);
          assert.deepEqual(await checksums(target.url), await checksums(source.url));
        }
      });

      for (const mode of MODES) {
        it(`copies from ${engine} into the existing schema, empty and holding other rows, in ${mode} mode`, async () => {
          const empty = await database(engine, []);
          await copy(source, empty, mode);
          assert.deepEqual(await checksums(empty.url), await checksums(source.url));
          const holding = await database(engine, [B]);
          await copy(source, holding, mode);
          assert.deepEqual(await checksums(holding.url), await checksums((mode === 'replace' ? source : union).url));
          assert.deepEqual(await constraintsOf(holding), await constraintsOf(source));
        });
      }

      it('an orphan in the dump fails the import in every mode and leaves the target as it was', async () => {
        const target = await database(engine, [B]);
        const before = await checksums(target.url);
        const keysBefore = await constraintsOf(target);
        const orphans: Array<{ rows: Rows; table: string; parent: string; constraint: string; column: string }> = [
          { rows: { house: [[9999, 'lost house', 777777]] }, table: 'house', parent: 'person', constraint: 'house_owner_fk', column: 'owner_id' },
          { rows: { employee: [[999999, 'lost employee', 888888]] }, table: 'employee', parent: 'employee', constraint: 'employee_manager_fk', column: 'manager_id' },
          { rows: { chore: [[9999, 777777, 'lost chore']] }, table: 'chore', parent: 'house', constraint: 'chore_house_fk', column: 'house_id' },
          ...(engine === 'postgres'
            ? [
                { rows: { port: [[99, 777777]] }, table: 'port', parent: 'ship', constraint: 'port_flagship_fk', column: 'flagship_id' },
                // Not a back edge, but INITIALLY DEFERRED: checked once the rows are in, before the lifted keys go back.
                { rows: { ship: [[99, 777777, null]] }, table: 'ship', parent: 'port', constraint: 'ship_port_fk', column: 'port_id' },
              ]
            : []),
        ];
        for (const orphan of orphans) {
          // SQLite keeps a row whose parent is missing; it is where such a dump comes from.
          const broken = await database('sqlite');
          await createSchema(broken, [A], { orphans: orphan.rows, postgresTables: engine === 'postgres' });
          const file = await exportToFile(broken.url, 'ndjson', dir);
          for (const mode of MODES) {
            const what = `${orphan.table} -> ${orphan.parent}, ${mode}`;
            await assert.rejects(importFile(target, file, 'ndjson', mode), (err: unknown) => {
              assert.ok(err instanceof DbPorterError, `${what}: ${String(err)}`);
              assert.equal(err.code, 'WRITE_FAILED', `${what}: ${err.message}`);
              assert.match(err.message, new RegExp(`"${orphan.table}"`), what);
              assert.match(err.message, new RegExp(`"${orphan.parent}"`), what);
              // SQLite keeps no names for foreign keys: its message names the key by its columns.
              assert.match(err.message, engine === 'sqlite' ? new RegExp(`\\(${orphan.column}\\)`) : new RegExp(orphan.constraint), what);
              assert.match(err.message, /nothing was written/i, what);
              return true;
            });
            assert.deepEqual(await checksums(target.url), before, what);
            assert.deepEqual(await constraintsOf(target), keysBefore, what);
          }
        }
      });

      it('imports a dump whose tables come children first (any order) into the existing schema, in every mode', async () => {
        // Every foreign key between the tables then points forward: none can be checked as rows arrive.
        const { header, rows } = await readAll(fs.readFileSync(dumps.get('ndjson')!), 'ndjson', 1 << 16);
        const reversed = [...header.schema.tables].reverse();
        const file = path.join(dir, `reversed-${engine}.ndjson`);
        fs.writeFileSync(file, await writeDump('ndjson', reversed.map((table) => ({ table, rows: rows[table.name] ?? [] }))));
        for (const mode of MODES) {
          const holding = await database(engine, [B]);
          await importFile(holding, file, 'ndjson', mode);
          assert.deepEqual(await checksums(holding.url), await checksums((mode === 'replace' ? source : union).url), mode);
          assert.deepEqual(await constraintsOf(holding), await constraintsOf(source), mode);
        }
      });

      if (engine === 'postgres') {
        it('defers a deferrable key of a cycle, lifts only the other back edges, and leaves every other key alone', async () => {
          const target = await database(engine, [B]);
          const oids = async () => Object.fromEntries((await querySql(target, "SELECT conname, oid::text AS oid FROM pg_constraint WHERE contype = 'f'")).map((r) => [String(r.conname), String(r.oid)]));
          const before = await oids();
          await importFile(target, dumps.get('ndjson')!, 'ndjson', 'append');
          const after = await oids();
          // Dropped and added back: the keys that point forward in the load order and are not deferrable
          // (house before person, paper before scissors and rock, employee's and ship's own); port's is deferred.
          const lifted = ['employee_manager_fk', 'house_owner_fk', 'paper_beats_fk', 'ship_escort_fk'];
          assert.deepEqual(Object.keys(after).filter((k) => after[k] !== before[k]).sort(), lifted);
          assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
          assert.deepEqual(await checksums(target.url), await checksums(union.url));
        });
      }

      it('copies from each other engine into the existing schema in every mode', async function () {
        const others = ENGINES.filter((e) => e !== engine && sources.has(e));
        if (!others.length) this.skip();
        for (const from of others) {
          for (const mode of MODES) {
            const holding = await database(engine, [B]);
            await copy(sources.get(from)!, holding, mode);
            assert.deepEqual(await sums(holding.url), await sums((mode === 'replace' ? source : union).url), `${from} -> ${engine}, ${mode}`);
            assert.deepEqual(await constraintsOf(holding, COMMON), await constraintsOf(source, COMMON), `${from} -> ${engine}, ${mode}`);
          }
        }
      });
    });
  }
});
