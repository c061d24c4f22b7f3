import * as assert from 'node:assert/strict';
import { adaptSchema } from '../../src/core/schema/adapt';
import { FEATURES, type Dialect } from '../../src/core/schema/dialect';
import type { DatabaseSchema, SchemaNote } from '../../src/core/schema/model';
import { reportText } from '../../src/core/schema/report';
import { dialectOf } from '../../src/core/engines/dialects';
import { DbPorterError } from '../../src/core/errors';

/** PostgreSQL's dialect as it will be once its DDL recreates everything: adapt's rules, apart from what ddl.ts does today. */
const fullPostgres: Dialect = { ...dialectOf('postgres'), features: new Set(FEATURES) };

/** A PostgreSQL schema with one of each kind of object. */
const shop: DatabaseSchema = {
  engine: 'postgres',
  types: [
    { kind: 'enum', name: 'mood', labels: ['sad', 'ok', 'happy'] },
    { kind: 'domain', name: 'price', base: { engine: 'postgres', name: 'numeric', args: [10, 2] }, portable: { type: 'decimal', precision: 10, scale: 2 }, nullable: true, checks: [{ sql: { engine: 'postgres', sql: 'VALUE > (0)::numeric' } }] },
  ],
  sequences: [{ name: 'film_id_seq', options: { type: 'integer' }, last: '42', ownedBy: { table: 'film', column: 'id' } }],
  tables: [
    {
      name: 'film',
      columns: [
        { name: 'id', type: 'integer', nullable: false, autoIncrement: true, default: { kind: 'sequence', sequence: 'film_id_seq', sql: { engine: 'postgres', sql: "nextval('film_id_seq'::regclass)" } }, native: { engine: 'postgres', name: 'integer' } },
        { name: 'rating', type: 'text', nullable: true, native: { engine: 'postgres', name: 'mood', user: true } },
        { name: 'cost', type: 'decimal', precision: 10, scale: 2, nullable: true, native: { engine: 'postgres', name: 'price', user: true } },
        { name: 'span', type: 'text', nullable: true, native: { engine: 'postgres', name: 'interval' } },
        { name: 'made', type: 'timestamptz', nullable: false, default: { kind: 'now', sql: { engine: 'postgres', sql: 'now()' } }, native: { engine: 'postgres', name: 'timestamp with time zone' } },
        { name: 'slug', type: 'text', nullable: true, default: { kind: 'expression', engine: 'postgres', sql: "lower('X'::text)" }, native: { engine: 'postgres', name: 'text' } },
      ],
      primaryKey: ['id'],
      uniques: [],
      foreignKeys: [],
      indexes: [{ name: 'film_slug', columns: [], unique: false, parts: [{ expression: { engine: 'postgres', sql: 'lower(slug)' } }], engine: 'postgres' }],
      checks: [{ name: 'film_span', sql: { engine: 'postgres', sql: "span > '00:00:00'::interval" } }],
    },
  ],
  views: [{ name: 'films', query: { engine: 'postgres', sql: 'SELECT id FROM film' } }],
  triggers: [{ name: 'film_touch', table: 'film', definition: { engine: 'postgres', sql: 'CREATE TRIGGER film_touch ...' } }],
  routines: [{ kind: 'function', name: 'touch', definition: { engine: 'postgres', sql: 'CREATE FUNCTION touch() ...' } }],
  notes: [{ action: 'not carried', kind: 'policy', name: 'own_rows', table: 'film', reason: 'row-level security policies are not carried' }],
};

const names = (notes: SchemaNote[]) => notes.map((n) => `${n.action}: ${n.kind} ${n.table ? `${n.table}.` : ''}${n.name}`).sort();

describe('adaptSchema', () => {
  it('keeps everything of a trusted schema for the same engine, where its DDL recreates it', () => {
    const { schema, notes } = adaptSchema(shop, { dialect: fullPostgres, sourceDialect: fullPostgres, trusted: true });
    assert.deepEqual(schema.types, shop.types);
    assert.deepEqual(schema.views, shop.views);
    assert.deepEqual(schema.triggers, shop.triggers);
    assert.deepEqual(schema.tables[0].columns, shop.tables[0].columns);
    assert.deepEqual(schema.tables[0].indexes, shop.tables[0].indexes);
    assert.deepEqual(schema.tables[0].checks, shop.tables[0].checks);
    // Only what the source itself could not carry.
    assert.deepEqual(names(notes), ['not carried: policy film.own_rows']);
  });

  it('reports the SQL of an untrusted dump as not carried, and keeps what is rebuilt from parts', () => {
    const hostile: DatabaseSchema = structuredClone(shop);
    hostile.tables[0].checks!.push({ name: 'leak', sql: { engine: 'postgres', sql: "length(pg_read_file('/etc/passwd')) > 0" } });
    hostile.tables[0].columns[5].default = { kind: 'expression', engine: 'postgres', sql: 'current_user' };
    const { schema, notes } = adaptSchema(hostile, { dialect: fullPostgres, sourceDialect: fullPostgres, trusted: false, fromDump: true });
    assert.equal(schema.views, undefined);
    assert.equal(schema.triggers, undefined);
    assert.equal(schema.routines, undefined);
    // Expressions are parsed and written again from the tree; one that calls what a dump may not run stays behind.
    assert.deepEqual(schema.tables[0].checks, [{ name: 'film_span', sql: { engine: 'postgres', sql: `"span" > CAST('00:00:00' AS interval)` } }]);
    assert.deepEqual(schema.tables[0].indexes[0].parts, [{ expression: { engine: 'postgres', sql: 'lower("slug")' } }]);
    assert.equal(schema.tables[0].columns[5].default, undefined);
    // The enum has no SQL: it stays. The domain has a CHECK: its columns take the base type.
    assert.deepEqual(schema.types?.map((t) => t.name), ['mood']);
    assert.equal(schema.tables[0].columns[2].native, undefined);
    assert.deepEqual(schema.tables[0].columns[1].native, { engine: 'postgres', name: 'mood', user: true });
    // "now" keeps its meaning, without the dump's text.
    assert.deepEqual(schema.tables[0].columns[4].default, { kind: 'now' });
    assert.deepEqual(names(notes), [
      'adapted: column film.cost',
      'adapted: domain price',
      'not carried: check constraint film.leak',
      'not carried: default film.slug',
      'not carried: function touch',
      'not carried: policy film.own_rows',
      'not carried: trigger film.film_touch',
      'not carried: view films',
    ]);
    const text = reportText(notes, true);
    assert.match(text, /view "films": a dump carries it as SQL text, which import runs only with --trust-dump/);
    assert.match(text, /check constraint "leak" of table "film": CHECK \(length\(pg_read_file\('\/etc\/passwd'\)\) > 0\): it calls pg_read_file, which DB Porter does not run from a dump/);
    assert.match(text, /default "slug" of table "film": DEFAULT current_user: it calls CURRENT_USER/);
  });

  it('maps to another engine by portable types and names everything that stays behind', () => {
    const { schema, notes } = adaptSchema(shop, { dialect: dialectOf('mysql'), sourceDialect: fullPostgres, trusted: true });
    const film = schema.tables[0];
    assert.deepEqual(film.columns[1].native, { engine: 'mysql', name: 'enum', labels: ['sad', 'ok', 'happy'] });
    assert.ok(film.columns.every((c, i) => i === 1 || c.native === undefined));
    assert.deepEqual(film.columns[0], { name: 'id', type: 'integer', nullable: false, autoIncrement: true });
    assert.deepEqual(film.columns[4].default, { kind: 'now' });
    assert.equal(schema.sequences, undefined);
    assert.deepEqual(film.columns[5].default, { kind: 'expression', engine: 'mysql', sql: "lower('X')" });
    assert.deepEqual(names(notes), [
      'adapted: column film.span',
      'adapted: default film.slug',
      'adapted: domain price',
      'adapted: enum mood',
      'not carried: check constraint film.film_span',
      'not carried: function touch',
      'not carried: index film.film_slug',
      'not carried: policy film.own_rows',
      'not carried: trigger film.film_touch',
      'not carried: view films',
    ]);
    assert.match(reportText(notes, true), /column "span" of table "film": interval carried as its text form/);
    assert.match(reportText(notes, true), /enum "mood": its columns are MySQL ENUMs of its labels/);
  });

  it('refuses a native type outside its engine\'s grammar, naming table and column', () => {
    const bad: DatabaseSchema = structuredClone(shop);
    bad.tables[0].columns[3].native = { engine: 'postgres', name: "integer, leaked text DEFAULT pg_read_file('/etc/passwd')" };
    assert.throws(
      () => adaptSchema(bad, { dialect: fullPostgres, sourceDialect: fullPostgres, trusted: false, fromDump: true }),
      (err: unknown) => err instanceof DbPorterError && err.code === 'DUMP_INVALID' && /Table "film", column "span"/.test(err.message),
    );
  });

  it('summarizes the report in one line unless asked for all of it', () => {
    const { notes } = adaptSchema(shop, { dialect: dialectOf('sqlite'), sourceDialect: fullPostgres, trusted: true });
    const summary = reportText(notes, false);
    assert.match(summary, /^Schema: \d+ adapted, \d+ not carried \(.*\d+ views?.*\)\. Run with -v to list them\.$/);
    assert.equal(summary.split('\n').length, 1);
  });
});

describe('adaptSchema across engines (translate.ts)', () => {
  const full = (engine: 'postgres' | 'mysql' | 'sqlite'): Dialect => ({ ...dialectOf(engine), features: new Set(FEATURES.filter((f) => engine === 'mysql' || f !== 'on update now')) });
  const mysqlShop: DatabaseSchema = {
    engine: 'mysql',
    tables: [
      {
        name: 'film',
        columns: [
          { name: 'id', type: 'integer', nullable: false, autoIncrement: true, native: { engine: 'mysql', name: 'int', unsigned: true } },
          { name: 'rating', type: 'text', nullable: true, default: { kind: 'literal', value: 'G' }, native: { engine: 'mysql', name: 'enum', labels: ['G', 'PG', "it's"] } },
          { name: 'active', type: 'boolean', nullable: false, default: { kind: 'literal', value: 1 }, native: { engine: 'mysql', name: 'tinyint', args: [1] } },
          { name: 'updated', type: 'timestamp', nullable: false, default: { kind: 'now' }, onUpdate: 'now' },
          { name: 'place', type: 'geometry', nullable: true, native: { engine: 'mysql', name: 'point' } },
          { name: 'title', type: 'text', length: 200, nullable: false },
        ],
        primaryKey: ['id'],
        uniques: [],
        foreignKeys: [],
        indexes: [
          { name: 'idx_title', columns: [], unique: false, method: 'fulltext', parts: [{ column: 'title' }], engine: 'mysql' },
          { name: 'idx_place', columns: [], unique: false, method: 'spatial', parts: [{ column: 'place' }], engine: 'mysql' },
        ],
      },
      {
        name: 'review',
        columns: [
          { name: 'id', type: 'bigint', nullable: false },
          { name: 'film_id', type: 'integer', nullable: false },
        ],
        primaryKey: ['id'],
        uniques: [],
        foreignKeys: [{ name: 'fk_film', columns: ['film_id'], references: { table: 'film', columns: ['id'] }, onDelete: 'SET NULL' }],
        indexes: [{ name: 'idx_title', columns: ['film_id'], unique: false }],
      },
    ],
  };

  it('into PostgreSQL: enum types, typed literals, full-text and spatial indexes, ON UPDATE as a trigger, unique index names', () => {
    const existing: DatabaseSchema = { engine: 'postgres', tables: [], extensions: [{ name: 'postgis', schema: 'public' }] };
    const { schema, notes } = adaptSchema(mysqlShop, { dialect: full('postgres'), sourceDialect: dialectOf('mysql'), trusted: true, existing });
    const film = schema.tables[0];
    assert.deepEqual(schema.types, [{ kind: 'enum', name: 'film_rating', labels: ['G', 'PG', "it's"] }]);
    assert.deepEqual(film.columns[1].native, { engine: 'postgres', name: 'film_rating', user: true });
    assert.deepEqual(film.columns[2].default, { kind: 'literal', value: true });
    assert.deepEqual(film.columns[4].native, { engine: 'postgres', name: 'geometry', user: true });
    assert.equal(film.indexes[0].method, 'gin');
    assert.equal(film.indexes[0].parts?.[0].expression?.sql, `to_tsvector('simple'::regconfig, COALESCE("title", ''))`);
    assert.deepEqual(film.indexes[1], { name: 'idx_place', columns: ['place'], unique: false, method: 'gist', engine: 'postgres' });
    assert.equal(schema.tables[1].indexes[0].name, 'review_idx_title');
    assert.equal(schema.triggers?.[0].table, 'film');
    assert.match(schema.routines?.[0].definition.sql ?? '', /NEW\."updated" := CURRENT_TIMESTAMP/);
    assert.deepEqual(names(notes), [
      'adapted: column film.rating',
      'adapted: column film.updated',
      'adapted: index film.idx_place',
      'adapted: index film.idx_title',
      'adapted: index review.idx_title',
    ]);
  });

  it('into PostgreSQL without PostGIS: geometry as EWKB hex text, the spatial index not carried', () => {
    const { schema, notes } = adaptSchema(mysqlShop, { dialect: full('postgres'), sourceDialect: dialectOf('mysql'), trusted: true, existing: { engine: 'postgres', tables: [] } });
    assert.equal(schema.tables[0].columns[4].native, undefined);
    assert.ok(names(notes).includes('not carried: index film.idx_place'));
    assert.match(reportText(notes, true), /geometry kept as EWKB in hex text: PostGIS is not installed/);
  });

  it('into SQLite: an enum becomes a CHECK of its labels, ON UPDATE a trigger, FULLTEXT is not carried', () => {
    const { schema, notes } = adaptSchema(mysqlShop, { dialect: full('sqlite'), sourceDialect: dialectOf('mysql'), trusted: true });
    assert.deepEqual(schema.tables[0].checks, [{ name: 'film_rating_enum', sql: { engine: 'sqlite', sql: `"rating" IN ('G', 'PG', 'it''s')` } }]);
    assert.match(schema.triggers?.[0].definition.sql ?? '', /^CREATE TRIGGER "dbporter_on_update_film" AFTER UPDATE ON "film" FOR EACH ROW WHEN NEW\."updated" IS OLD\."updated"/);
    assert.ok(names(notes).includes('not carried: index film.idx_title'));
  });

  it('into MySQL: actions InnoDB refuses, foreign key types that must match, AUTO_INCREMENT that needs a key, foreign key names per database', () => {
    const pg: DatabaseSchema = {
      engine: 'postgres',
      tables: [
        { name: 'a', columns: [{ name: 'id', type: 'bigint', nullable: false }, { name: 'n', type: 'integer', nullable: false, autoIncrement: true }], primaryKey: ['id'], uniques: [], foreignKeys: [], indexes: [] },
        {
          name: 'b',
          columns: [{ name: 'a_id', type: 'integer', nullable: false }, { name: 'c_id', type: 'integer', nullable: true }],
          primaryKey: [],
          uniques: [],
          foreignKeys: [
            { name: 'fk', columns: ['a_id'], references: { table: 'a', columns: ['id'] }, onDelete: 'SET NULL', onUpdate: 'SET DEFAULT' },
          ],
          indexes: [],
        },
        { name: 'c', columns: [{ name: 'a_id', type: 'bigint', nullable: true }], primaryKey: [], uniques: [], foreignKeys: [{ name: 'fk', columns: ['a_id'], references: { table: 'a', columns: ['id'] }, onDelete: 'SET NULL' }], indexes: [] },
      ],
    };
    const { schema, notes } = adaptSchema(pg, { dialect: full('mysql'), sourceDialect: dialectOf('postgres'), trusted: true });
    const [a, b, c] = schema.tables;
    assert.deepEqual(a.indexes, [{ name: 'n_auto', columns: ['n'], unique: false }]);
    assert.equal(b.columns[0].type, 'bigint');
    assert.equal(b.foreignKeys[0].onDelete, 'NO ACTION');
    assert.equal(b.foreignKeys[0].onUpdate, 'NO ACTION');
    // Nullable: SET NULL stays. A second "fk" in the database is renamed.
    assert.equal(c.foreignKeys[0].onDelete, 'SET NULL');
    assert.equal(c.foreignKeys[0].name, 'c_fk');
    assert.deepEqual(names(notes), ['adapted: column b.a_id', 'adapted: foreign key b.fk', 'adapted: foreign key b.fk', 'adapted: foreign key c.fk', 'adapted: index a.n_auto']);
  });
});

describe('expressions across engines (expressions.ts)', () => {
  const full = (engine: 'postgres' | 'mysql' | 'sqlite'): Dialect => ({ ...dialectOf(engine), features: new Set(FEATURES) });
  const pgShop: DatabaseSchema = {
    engine: 'postgres',
    types: [{ kind: 'domain', name: 'positive', base: { engine: 'postgres', name: 'integer' }, portable: { type: 'integer' }, nullable: true, checks: [{ name: 'positive_check', sql: { engine: 'postgres', sql: 'VALUE > 0' } }] }],
    tables: [
      {
        name: 'item',
        columns: [
          { name: 'id', type: 'integer', nullable: false },
          { name: 'status', type: 'text', length: 10, nullable: false },
          { name: 'name', type: 'text', nullable: true },
          { name: 'qty', type: 'integer', nullable: true, native: { engine: 'postgres', name: 'positive', user: true } },
          { name: 'price', type: 'decimal', precision: 10, scale: 2, nullable: true },
          { name: 'total', type: 'decimal', nullable: true, generated: { sql: { engine: 'postgres', sql: '(price * (qty)::numeric)' }, stored: true } },
        ],
        primaryKey: ['id'],
        uniques: [],
        foreignKeys: [],
        indexes: [
          { name: 'item_lower_name', columns: [], unique: false, parts: [{ expression: { engine: 'postgres', sql: 'lower(name)' } }], engine: 'postgres' },
          { name: 'item_open', columns: ['status'], unique: false, where: { engine: 'postgres', sql: "((status)::text <> 'closed'::text)" }, engine: 'postgres' },
        ],
        checks: [
          { name: 'item_status_check', sql: { engine: 'postgres', sql: "((status)::text = ANY ((ARRAY['open'::character varying, 'closed'::character varying])::text[]))" } },
          { name: 'item_name_check', sql: { engine: 'postgres', sql: '(length(name) <= 50)' } },
          { name: 'item_name_like', sql: { engine: 'postgres', sql: "(name ~~* 'a%'::text)" } },
        ],
      },
    ],
  };

  it('into SQLite: checks, a domain\'s check, a generated column, expression and partial indexes, in SQLite\'s words', () => {
    const { schema, notes } = adaptSchema(pgShop, { dialect: full('sqlite'), sourceDialect: full('postgres'), trusted: true });
    const item = schema.tables[0];
    assert.deepEqual(
      item.checks?.map((c) => [c.name, c.sql.sql]),
      [
        ['item_status_check', `"status" IN ('open', 'closed')`],
        ['item_name_check', `length("name") <= 50`],
        ['item_qty_positive_check', `"qty" > 0`],
      ],
    );
    assert.deepEqual(item.columns[5].generated, { sql: { engine: 'sqlite', sql: '"price" * "qty"' }, stored: true });
    assert.deepEqual(item.indexes.map((i) => [i.name, i.parts?.[0].expression?.sql, i.where?.sql]), [
      ['item_lower_name', 'lower("name")', undefined],
      ['item_open', undefined, `"status" <> 'closed'`],
    ]);
    assert.ok(names(notes).includes('not carried: check constraint item.item_name_like'), 'ILIKE has no SQLite counterpart');
    assert.match(reportText(notes, true), /check constraint "item_status_check" of table "item": CHECK \(.*\) became "status" IN \('open', 'closed'\)/);
  });

  it('into MySQL: length counts characters there as char_length', () => {
    const { schema } = adaptSchema(pgShop, { dialect: full('mysql'), sourceDialect: full('postgres'), trusted: true });
    assert.deepEqual(schema.tables[0].checks?.find((c) => c.name === 'item_name_check')?.sql, { engine: 'mysql', sql: 'char_length(`name`) <= 50' });
  });
});
