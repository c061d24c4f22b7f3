import * as assert from 'node:assert/strict';
import { dialectOf } from '../../src/core/engines/dialects';
import { parsePostgresType } from '../../src/core/engines/postgres/type-names';
import { SchemaProblem } from '../../src/core/schema/problem';
import { parseDumpHeader } from '../../src/core/dump/header';
import type { NativeType } from '../../src/core/schema/model';
import type { Engine } from '../../src/core/url';

const parseNativeType = (engine: Engine, text: string) => dialectOf(engine).parseType(text);
const renderNativeType = (native: NativeType) => dialectOf(native.engine).renderType(native);

/** Types as each engine's catalog prints them: each must read into parts and write back the same. */
const PRINTED: Record<Engine, string[]> = {
  postgres: [
    'integer', 'bigint', 'character varying(20)', 'character(3)', 'numeric(10,2)', 'numeric', 'timestamp(6) without time zone',
    'timestamp with time zone', 'time(3) with time zone', 'interval', 'interval day to second(3)', 'interval year to month',
    'bit varying(5)', 'double precision', 'integer[]', 'text[][]', 'character varying(20)[]', '"char"', 'jsonb', 'tsvector', 'int4range',
  ],
  mysql: [
    'INT', 'INT(10) UNSIGNED', 'INT(10) UNSIGNED ZEROFILL', 'DECIMAL(10,2)', 'VARCHAR(255)', 'TINYINT(1)', 'ENUM(\'a\',\'b c\',\'it\'\'s\')',
    'SET(\'x\',\'y\')', 'DATETIME(6)', 'YEAR', 'GEOMETRY', 'POINT', 'BIT(8)', 'DOUBLE UNSIGNED', 'LONGTEXT', 'JSON', 'UUID', 'INET6',
  ],
  sqlite: ['INTEGER', 'VARCHAR(20)', 'DECIMAL TEXT(40,20)', 'BLOB SUB_TYPE TEXT', 'NUMERIC(10,2)', 'UNSIGNED BIG INT', 'DOUBLE PRECISION', 'NVARCHAR(100)'],
};

/** Type texts that would add SQL of their own to a CREATE TABLE: each must be refused. */
const HOSTILE: Record<Engine, string[]> = {
  postgres: [
    "integer, leaked text DEFAULT pg_read_file('/etc/passwd')",
    "integer CHECK (lo_export(0, '/tmp/x') > 0)",
    'integer DEFAULT 1',
    'integer) ; DROP TABLE x; --',
    'text COLLATE "C"',
    'numeric(pg_sleep(10))',
  ],
  mysql: ['int, x text DEFAULT (current_user())', 'int DEFAULT 1', "varchar(20) CHARACTER SET latin1 DEFAULT 'x'", 'int(sleep(1))', "enum('a') , b int"],
  sqlite: ["INTEGER DEFAULT (readfile('/etc/passwd'))", 'TEXT NOT NULL', 'INT, leaked TEXT', 'INT CHECK (1)', 'TEXT COLLATE NOCASE', 'INT GENERATED ALWAYS AS (1)'],
};

describe('native types: read in parts, written from the parts', () => {
  for (const engine of ['postgres', 'mysql', 'sqlite'] as const) {
    it(`reads and writes ${engine} types as its catalog prints them`, () => {
      for (const text of PRINTED[engine]) {
        const parts = parseNativeType(engine, text);
        assert.equal(renderNativeType(parts).toLowerCase(), text.toLowerCase(), text);
        assert.deepEqual(parseNativeType(engine, renderNativeType(parts)), parts, text);
      }
    });

    it(`refuses ${engine} type texts that carry SQL of their own`, () => {
      for (const text of HOSTILE[engine]) {
        assert.throws(() => renderNativeType(parseNativeType(engine, text)), SchemaProblem, text);
      }
    });
  }

  it('writes PostgreSQL user-defined types as quoted names, so a name cannot become SQL', () => {
    assert.equal(renderNativeType({ engine: 'postgres', name: 'mood', user: true }), '"mood"');
    assert.equal(renderNativeType({ engine: 'postgres', name: 'x" DEFAULT pg_read_file(\'/etc/passwd\') --', user: true }), '"x"" DEFAULT pg_read_file(\'/etc/passwd\') --"');
    assert.equal(renderNativeType({ engine: 'postgres', name: 'geometry', user: true, schema: 'public', args: ['Point', 4326] }), '"public"."geometry"(Point,4326)');
    assert.deepEqual(parsePostgresType('public.geometry(Point,4326)', 'app'), { engine: 'postgres', name: 'geometry', user: true, schema: 'public', args: ['Point', 4326] });
    assert.deepEqual(parsePostgresType('"My Type"[]', 'public'), { engine: 'postgres', name: 'My Type', user: true, array: 1 });
    assert.deepEqual(parsePostgresType('public.mood', 'public'), { engine: 'postgres', name: 'mood', user: true });
  });

  it('refuses parts a dump could have made up', () => {
    const bad: NativeType[] = [
      { engine: 'postgres', name: 'integer default 1' },
      { engine: 'postgres', name: 'numeric', args: ['pg_sleep'] },
      { engine: 'postgres', name: 'geometry', user: true, args: ['Point)--'] },
      { engine: 'mysql', name: 'int', labels: ['a'] },
      { engine: 'mysql', name: 'enum', labels: [] },
      { engine: 'mysql', name: 'varchar', args: [20], charset: 'latin1 DEFAULT' },
      { engine: 'mysql', name: 'int', user: true },
      { engine: 'sqlite', name: 'INT NOT' },
      { engine: 'sqlite', name: 'INT', args: ['x'] },
    ];
    for (const native of bad) assert.throws(() => renderNativeType(native), SchemaProblem, JSON.stringify(native));
  });

  it('escapes ENUM members as literals, quotes and backslashes included', () => {
    const native: NativeType = { engine: 'mysql', name: 'enum', labels: ["it's", 'back\\slash', "'); DROP TABLE t; --"] };
    const text = renderNativeType(native);
    assert.equal(text, "ENUM('it''s','back\\\\slash','''); DROP TABLE t; --')");
    assert.deepEqual(parseNativeType('mysql', text), { engine: 'mysql', name: 'enum', labels: native.labels });
  });
});

describe('dump headers of version 1', () => {
  const v1 = (native: unknown) => ({
    metadata: { format: 'dbporter-dump', version: 1, tool: { name: 'dbporter', version: '0.1.0' }, source: { engine: 'postgres', database: 'x' }, createdAt: '2024-01-01T00:00:00Z', options: {}, rowCounts: { t: 0 } },
    schema: { engine: 'postgres', tables: [{ name: 't', columns: [{ name: 'c', type: 'text', nullable: true, native }], primaryKey: [], uniques: [], foreignKeys: [], indexes: [] }] },
  });

  it('read native types from their text into parts', () => {
    const parsed = parseDumpHeader(v1({ engine: 'postgres', type: 'character varying(20)[]' }));
    assert.ok('header' in parsed);
    assert.equal(parsed.header.metadata.version, 2);
    assert.deepEqual(parsed.header.schema.tables[0].columns[0].native, { engine: 'postgres', name: 'character varying', args: [20], array: 1 });
  });

  it('refuse a native type that carries SQL, naming the table and column', () => {
    const parsed = parseDumpHeader(v1({ engine: 'postgres', type: "integer, leaked text DEFAULT pg_read_file('/etc/passwd')" }));
    assert.ok('problem' in parsed);
    assert.match(parsed.problem, /schema\.tables\.0\.columns\.0\.native: table "t", column "c"/);
  });

  it('refuse a version this DB Porter does not know, saying to update', () => {
    const header = v1({ engine: 'postgres', type: 'text' });
    header.metadata.version = 9;
    const parsed = parseDumpHeader(header);
    assert.ok('problem' in parsed);
    assert.match(parsed.problem, /version 9 .*update DB Porter/);
  });
});
