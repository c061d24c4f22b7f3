import * as assert from 'node:assert/strict';
import { parseExpression, renderExpression } from '../../src/core/sql';
import type { Expr } from '../../src/core/sql';
import type { Engine } from '../../src/core/url';
import { createTestDatabase, execSql, querySql, requireServer } from '../helpers/servers';
import type { TestDatabase } from '../helpers/servers';
import { engineNormal } from '../helpers/sql';

/**
 * The renderer's output goes into real tables (CHECK, DEFAULT, generated columns, index
 * expressions and predicates); each engine's own catalog text is read back and parsed, and must
 * be the same expression as the one written (after engineNormal(), which undoes what the engine
 * itself rewrites). The catalog text is then rendered and written once more: the second
 * catalog text must parse to exactly the same tree, so the renderer reproduces what the engine
 * prints. Finally, each CHECK expression is evaluated as written and as rendered over sample
 * rows: both must give the same values, so the engine reads the rendered text as meant.
 */

type Kind = 'check' | 'default' | 'generated' | 'index' | 'where';

interface Case {
  kind: Kind;
  /** The expression as a user or the engine would write it, in the dialect. */
  text: string;
  /** Column type for defaults and generated columns. */
  type?: string;
  /** Why the engine prints this one differently the second time round (compared normalized). */
  reprinted?: string;
  /** What the engine's catalog loses of this one: the test asserts the loss instead. */
  lost?: { why: string; shown: string };
}

const check = (text: string): Case => ({ kind: 'check', text });
const dflt = (type: string, text: string): Case => ({ kind: 'default', type, text });

const WEIRD = { postgres: '"Weird ""Col"" ;--"', mysql: '`w``e;ird /*`', sqlite: '[w"e;ird`]' };

const COLUMNS: Record<Engine, string> = {
  postgres: `id integer, name text, code varchar(10), price numeric(10,2), qty integer, ratio double precision, created timestamp,
    at timestamptz, day date, flag boolean, tags text[], doc jsonb, data bytea, status varchar(10), ${WEIRD.postgres} integer`,
  mysql: `id int, name varchar(100), code varchar(10), price decimal(10,2), qty int, ratio double, created datetime(6), day date,
    flag boolean, doc longtext, data varbinary(10), status varchar(10), ${WEIRD.mysql} int`,
  sqlite: `id integer, name text, code text, price real, qty integer, created text, flag integer, doc text, data blob, ${WEIRD.sqlite} integer`,
};

/** Rows for evaluating CHECK expressions as written and as rendered. */
const ROWS: Record<Engine, string> = {
  postgres: `(1, 'abc', 'ABC', 12.5, 3, 0.25, '2021-05-06 07:08:09', '2021-05-06 07:08:09+00', '2021-05-06', true, '{a,x}', '{"a": "1", "k": 2}', '\\x00ff', 'a', 4),
    (2, 'it''s \\ "x"', 'x', -1, -2, 1e11, '1999-01-01', '1999-01-01 00:00+00', '1999-01-01', false, '{}', '{"b": null}', '\\x', 'b', -1),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  mysql: `(1, 'abc', 'ABC', 12.5, 3, 0.25, '2021-05-06 07:08:09', '2021-05-06', true, '{"a": 1}', X'00ff', 'a', 4),
    (2, 'it''s \\\\ "x"', 'x', -1, -2, 1e11, '1999-01-01', '1999-01-01', false, 'not json', X'', 'b', -1),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  sqlite: `(1, 'abc', 'ABC', 12.5, 3, '2021-05-06 07:08:09', 1, '{"a": 1, "b": "x"}', X'00ff', 4),
    (2, 'it''s "x" \\', 'x', -1, -2, '1999-01-01', 0, '[]', X'', -1),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
};

const CASES: Record<Engine, Case[]> = {
  postgres: [
    check('length(name) <= 50'),
    check('price > 0'),
    { kind: 'check', text: "status IN ('a', 'b')", reprinted: 'PostgreSQL moves CAST(ARRAY[…] AS text[]) into the elements' },
    check("status NOT IN ('x')"),
    check('qty IN (1)'),
    check('qty BETWEEN 1 AND 10'),
    check('qty NOT BETWEEN -5 AND -1'),
    check(`name <> 'it''s \\ "x"'`),
    check("name <> E'tab\\there\\nnew line\\x01'"),
    check("name <> 'été 😀 中文'"),
    check("code ~ '^[A-Z]+$' AND code !~* 'x'"),
    check("name LIKE 'a%' OR name NOT ILIKE 'b\\_%' ESCAPE '\\'"),
    check("name SIMILAR TO '(a|b)%' OR name NOT SIMILAR TO 'c!%' ESCAPE '!'"),
    check("name IS DISTINCT FROM 'x' AND name IS NOT DISTINCT FROM code"),
    check('flag IS NOT TRUE OR flag IS NULL OR (flag IS UNKNOWN) IS FALSE'),
    check('CASE WHEN qty > 0 THEN 1 WHEN qty < 0 THEN -1 ELSE 0 END >= -1'),
    check("CASE status WHEN 'a' THEN 1 END = 1"),
    check('-qty < 5 AND NOT (qty = 7) AND qty % 2 = 0 AND 2 ^ qty > 1'),
    check('qty::numeric(10,2) / 2.5e3 < 1.0'),
    check('CAST(price AS integer) >= 0 AND price::float8 > 0'),
    check(`"left"(name, 2) = 'ab' AND substring(name FROM 2 FOR 3) <> 'x' AND position('a' IN name) > 0 AND trim(both 'x' from name) <> ''`),
    check("trim(name) <> '' AND ltrim(name, 'x') <> '' AND trim(trailing from name) <> '' AND btrim(name) <> ''"),
    check('coalesce(qty, 0) >= 0 AND nullif(qty, 5) IS NULL OR greatest(qty, 1) > least(qty, 3)'),
    check("created > '2020-01-01 00:00:00' AND day >= DATE '2000-01-01' AND created < TIMESTAMP '2100-01-01 00:00:00'"),
    check("at <= CURRENT_TIMESTAMP + INTERVAL '1 day'"),
    check("EXTRACT(year FROM created) > 2000 AND date_part('month', created) > 0"),
    check("tags <> '{}' AND array_length(tags, 1) > 0 AND tags && ARRAY['x', 'y'] AND tags @> '{a}'::text[]"),
    check("qty = ANY (ARRAY[1, 2, 3]) AND qty <> ALL ('{4,5}'::int[])"),
    check("doc ->> 'a' IS NOT NULL AND doc -> 'b' IS NULL AND doc #>> '{a,b}' <> '' AND doc ? 'k'"),
    check(`name COLLATE "C" > 'a'`),
    check("(created AT TIME ZONE 'UTC') IS NOT NULL"),
    check("data <> '\\x00ff'::bytea"),
    check('qty & 1 = 0 AND qty | 2 > 0 AND qty # 3 > 0 AND ~qty < 0 AND qty << 1 > 0 AND qty >> 1 >= 0'),
    check("name || 'x' <> 'y'"),
    check("md5(name) <> '' AND lower(name) = upper(name) AND concat_ws(',', name, qty) <> ''"),
    check(`${WEIRD.postgres} > 0`),
    check('round(price, 1) > 0 AND abs(qty) >= 0 AND mod(qty, 2) = 0 AND power(qty, 2) >= 0'),
    check("to_char(created, 'YYYY') <> '' AND date_trunc('day', created) <= created"),
    check('name ISNULL OR code NOTNULL'),
    check('NOT (qty > 1 AND qty < 5)'),
    check('price >= -1.5 AND ratio < 1e10 AND ratio <> .5'),
    dflt('integer', "nextval('film_seq'::regclass)"),
    dflt('integer', '0'),
    dflt('text[]', "'{}'::text[]"),
    dflt('timestamp', 'now()'),
    dflt('timestamptz', 'CURRENT_TIMESTAMP(3)'),
    dflt('date', 'CURRENT_DATE'),
    dflt('uuid', 'gen_random_uuid()'),
    dflt('text', `E'it''s \\\\ "x"\\n'`),
    dflt('bytea', "'\\x00ff'::bytea"),
    dflt('integer', '-1'),
    dflt('numeric', '.5'),
    dflt('boolean', 'true'),
    dflt('interval', "'1 day'::interval"),
    dflt('timestamp', 'LOCALTIMESTAMP'),
    dflt('integer', '(1 + 2) * 3'),
    dflt('text', "'x' || 'y'"),
    dflt('timestamp', "'2020-01-01 00:00:00'::timestamp"),
    { kind: 'generated', type: 'integer', text: 'qty * 2 + 1' },
    { kind: 'index', text: 'lower(name)' },
    { kind: 'index', text: 'price * 2' },
    { kind: 'where', text: "status = 'a' AND qty > 0" },
  ],
  mysql: [
    check('char_length(name) <= 50'),
    check('price > 0'),
    check("status in ('a','b')"),
    check("status not in ('x','y')"),
    check('qty between 1 and 10'),
    check('qty not between -5 and -1'),
    check(`name <> 'it''s \\\\ "x"'`),
    check("name <> 'tab\\there\\nnew line\\0nul\\Z'"),
    check("name <> 'été 中文'"),
    check("name <> 'emoji 😀'"),
    check("code regexp '^[A-Z]+$' and code not regexp 'x'"),
    check("name like 'a%' or name not like 'b|_%' escape '|'"),
    check("name <=> 'x' and not (name <=> code)"),
    check('flag is not true or flag is null'),
    check('case when qty > 0 then 1 when qty < 0 then -1 else 0 end >= -1'),
    check('-qty < 5 and qty % 2 = 0 and qty div 2 >= 0 and qty mod 3 >= 0'),
    check('qty & 1 = 0 and qty | 2 > 0 and qty ^ 3 > 0 and ~qty <> 0 and qty << 1 > 0 and qty >> 1 >= 0'),
    check("cast(price as signed) >= 0 and cast(qty as char(5)) <> '' and convert(name, char(10)) <> ''"),
    check("left(name, 2) = 'ab' and substring(name, 2, 3) <> 'x' and position('a' in name) > 0 and trim(both 'x' from name) <> ''"),
    check('coalesce(qty, 0) >= 0 and ifnull(qty, 1) > 0 and if(qty > 0, 1, 0) >= 0 and nullif(qty, 5) is null or greatest(qty, 1) > least(qty, 3)'),
    check("day >= date '2000-01-01' and created < timestamp '2100-01-01 00:00:00'"),
    check("created + interval 1 day > created and day - interval '1-2' year_month < day"),
    check('extract(year from created) > 2000 and year(day) > 2000'),
    check('json_valid(doc)'),
    check("name collate utf8mb4_bin > 'a'"),
    check("concat(name, 'x') <> 'y'"),
    check("data <> X'00ff'"),
    check("lower(name) = upper(name) or md5(name) <> ''"),
    check(`${WEIRD.mysql} > 0`),
    check('qty > 1 xor qty < 5'),
    check('(qty > 1) is true'),
    dflt('int', '0'),
    dflt('varchar(10)', "'a'"),
    dflt('datetime(6)', 'current_timestamp(6)'),
    dflt('date', '(curdate())'),
    dflt('char(36)', '(uuid())'),
    dflt('varchar(20)', `'it''s \\\\ "x" \\n'`),
    dflt('int', '-1'),
    dflt('decimal(5,2)', '1.5'),
    dflt('datetime', '(now() + interval 1 day)'),
    dflt('varchar(10)', "(concat('a','b'))"),
    dflt('int', '(1 + 2)'),
    {
      kind: 'default',
      type: 'varbinary(4)',
      text: "X'00ff'",
      lost: { why: 'information_schema is utf8mb3: bytes that are not UTF-8 show as ?', shown: "'\\0?'" },
    },
    dflt('varbinary(4)', "X'414243'"),
    dflt('varchar(10)', "(lower('ABC'))"),
    { kind: 'generated', type: 'int', text: 'qty * 2 + 1' },
    { kind: 'generated', type: 'varchar(120)', text: "concat(name, '-', status)" },
  ],
  sqlite: [
    check('length(name) <= 50'),
    check('price > 0'),
    check("code in ('a','b')"),
    check('qty not in ()'),
    check('qty between 1 and 10'),
    check("name is not 'z'"),
    check('name is null or name is not null'),
    check("name glob '*x' or name like 'p!%' escape '!'"),
    check('qty % 2 = 0 and qty & 1 = 0 and qty | 2 > 0 and ~qty < 0 and qty << 1 > 0'),
    check("cast(qty as text) <> '' and cast(price as integer) >= 0"),
    check("name || 'x' <> 'y'"),
    check("doc -> '$.a' is not null or doc ->> '$.b' = 'x'"),
    check("datetime(created) > '2000-01-01'"),
    check("name collate nocase > 'a'"),
    check('0x1F > qty'),
    check(`${WEIRD.sqlite} > 0`),
    check(`name <> 'it''s "x" \\ 😀'`),
    check('case when qty > 0 then 1 else 0 end >= 0'),
    check('coalesce(qty, 0) >= 0 and ifnull(qty, 1) >= 0 and iif(qty > 0, 1, 0) >= 0'),
    check("substr(name, 2) <> '' and trim(name, 'x') <> '' and replace(name, 'a', 'b') <> ''"),
    check('qty is true or qty is false'),
    check('qty isnull or qty notnull or qty not null'),
    check('name is distinct from code or name is not distinct from code'),
    check("'a' || 1 + 2 = qty"),
    check('-qty collate binary < 5'),
    check('1 = 1 = 1 and 3 < 2 < 1 or qty'),
    dflt('integer', '0'),
    dflt('text', "'a'"),
    dflt('text', 'current_timestamp'),
    dflt('text', "(datetime('now'))"),
    dflt('blob', "X'00ff'"),
    dflt('text', '(lower(hex(randomblob(16))))'),
    dflt('integer', '-1'),
    dflt('real', '.5e-3'),
    dflt('text', "'it''s'"),
    dflt('integer', '(1 + 2)'),
    { kind: 'generated', type: 'text', text: 'upper(name)' },
    { kind: 'index', text: 'lower(name)' },
    { kind: 'where', text: "code = 'a' and qty > 0" },
  ],
};

const MYSQL_MODE = "SET sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO';";

/** Where each case's text goes in the CREATE statements, and the catalog key to find it by. */
function key(c: Case, i: number): string {
  return c.kind === 'check' ? `c_${i}` : c.kind === 'default' || c.kind === 'generated' ? `d_${i}` : c.kind === 'index' ? `i_${i}` : `w_${i}`;
}

function ddl(dialect: Engine, table: string, cases: Case[], texts: string[]): string {
  const q = (name: string) => (dialect === 'mysql' ? `\`${name}\`` : `"${name}"`);
  const parts = [COLUMNS[dialect]];
  const constraints: string[] = [];
  const after: string[] = [];
  cases.forEach((c, i) => {
    const t = texts[i];
    // SQLite wants table constraints after every column.
    if (c.kind === 'check') constraints.push(`CONSTRAINT ${q(key(c, i))} CHECK (${t})`);
    if (c.kind === 'default') parts.push(`${q(key(c, i))} ${c.type} DEFAULT (${t})`);
    if (c.kind === 'generated') parts.push(`${q(key(c, i))} ${c.type} GENERATED ALWAYS AS (${t}) ${dialect === 'mysql' ? 'VIRTUAL' : 'STORED'}`);
    if (c.kind === 'index') after.push(`CREATE INDEX ${q(`${table}_${key(c, i)}`)} ON ${q(table)} ((${t}))`);
    if (c.kind === 'where') after.push(`CREATE INDEX ${q(`${table}_${key(c, i)}`)} ON ${q(table)} (id) WHERE ${t}`);
  });
  const head = dialect === 'postgres' ? 'CREATE SEQUENCE IF NOT EXISTS film_seq;\n' : dialect === 'mysql' ? `${MYSQL_MODE}\n` : '';
  return `${head}CREATE TABLE ${q(table)} (\n  ${[...parts, ...constraints].join(',\n  ')}\n);\n${after.map((s) => `${s};\n`).join('')}`;
}

/** The text inside the parentheses that follow `marker`, skipping quoted parts by the dialect's rules. */
function enclosed(sql: string, marker: string, dialect: Engine): string {
  const start = sql.indexOf(marker);
  assert.ok(start >= 0, `${marker} not found in ${sql}`);
  let i = start + marker.length;
  let depth = 1;
  const begin = i;
  while (depth > 0) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`' || (c === '[' && dialect === 'sqlite')) {
      const close = c === '[' ? ']' : c;
      i++;
      while (sql[i] !== close || (close !== ']' && sql[i + 1] === close)) {
        if (sql[i] === '\\' && dialect === 'mysql' && close !== '`') i++;
        else if (sql[i] === close) i++;
        i++;
      }
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
    }
    i++;
  }
  return sql.slice(begin, i - 1);
}

/** The engine's own text for each case, in case order. */
async function catalog(db: TestDatabase, table: string, cases: Case[]): Promise<string[]> {
  const texts = new Map<string, string>();
  if (db.engine === 'postgres') {
    const rows = await querySql(
      db,
      `SELECT conname AS k, substr(pg_get_constraintdef(oid), 7) AS t FROM pg_constraint WHERE conrelid = '${table}'::regclass AND contype = 'c'
       UNION ALL SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = '${table}'::regclass
       UNION ALL SELECT c.relname, pg_get_indexdef(i.indexrelid, 1, true) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = '${table}'::regclass AND i.indexprs IS NOT NULL
       UNION ALL SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = '${table}'::regclass AND i.indpred IS NOT NULL`,
    );
    for (const r of rows) texts.set(String(r.k).replace(`${table}_`, ''), String(r.t));
  } else if (db.engine === 'mysql') {
    const checks = await querySql(db, `SELECT CONSTRAINT_NAME AS k, CHECK_CLAUSE AS t FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = '${table}'`);
    const columns = await querySql(
      db,
      `SELECT COLUMN_NAME AS k, COALESCE(GENERATION_EXPRESSION, COLUMN_DEFAULT) AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${table}' AND COALESCE(GENERATION_EXPRESSION, COLUMN_DEFAULT) IS NOT NULL`,
    );
    for (const r of [...checks, ...columns]) texts.set(String(r.k), String(r.t));
  } else {
    const [{ sql }] = await querySql(db, `SELECT sql FROM sqlite_master WHERE name = '${table}'`);
    const defaults = await querySql(db, `SELECT name AS k, dflt_value AS t FROM pragma_table_info('${table}') WHERE dflt_value IS NOT NULL`);
    for (const r of defaults) texts.set(String(r.k), String(r.t));
    const indexes = await querySql(db, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '${table}'`);
    cases.forEach((c, i) => {
      const k = key(c, i);
      if (c.kind === 'check') texts.set(k, enclosed(String(sql), `CONSTRAINT "${k}" CHECK (`, 'sqlite'));
      if (c.kind === 'generated') texts.set(k, enclosed(String(sql), `"${k}" ${c.type} GENERATED ALWAYS AS (`, 'sqlite'));
      const index = indexes.find((r) => r.name === `${table}_${k}`);
      if (index && c.kind === 'index') texts.set(k, enclosed(String(index.sql), `ON "${table}" (`, 'sqlite'));
      if (index && c.kind === 'where') texts.set(k, String(index.sql).replace(/^.*? WHERE /s, ''));
    });
  }
  return cases.map((c, i) => {
    const text = texts.get(key(c, i));
    assert.ok(text !== undefined, `${db.engine}: no catalog text for ${c.kind} ${c.text}`);
    return text;
  });
}

/** MariaDB's SHOW CREATE TABLE text of a CHECK, which keeps characters information_schema loses. */
async function shownCheck(db: TestDatabase, table: string, name: string): Promise<string> {
  const [row] = await querySql(db, `SHOW CREATE TABLE \`${table}\``);
  return enclosed(String(row['Create Table']), `CONSTRAINT \`${name}\` CHECK (`, 'mysql');
}

const hasAstral = (e: Expr) => /[\ud800-\udfff]/.test(JSON.stringify(e));

describe('SQL expressions on the real engines', function () {
  this.timeout(120_000);

  for (const dialect of ['postgres', 'mysql', 'sqlite'] as Engine[]) {
    describe(dialect, () => {
      let db: TestDatabase;
      const cases = CASES[dialect];
      const trees = cases.map((c) => parseExpression(c.text, dialect));
      const rendered = trees.map((t) => renderExpression(t, dialect));
      let firstTexts: string[] = [];

      before(async function () {
        await requireServer(this, dialect);
        db = await createTestDatabase(dialect);
        await execSql(db, ddl(dialect, 't1', cases, rendered));
        firstTexts = await catalog(db, 't1', cases);
      });
      after(async () => db?.drop());

      it('the engine takes the rendered text and prints back the same expression', async () => {
        for (const [i, c] of cases.entries()) {
          let text = firstTexts[i];
          // information_schema columns are utf8mb3: MariaDB shows characters beyond the BMP as ?.
          if (dialect === 'mysql' && c.kind === 'check' && hasAstral(trees[i])) {
            assert.match(text, /\?/, 'information_schema still loses 4-byte characters');
            text = await shownCheck(db, 't1', key(c, i));
          }
          if (c.lost) {
            assert.equal(text, c.lost.shown, `${c.text}: ${c.lost.why}; if this changed, the loss is gone`);
            continue;
          }
          const back = parseExpression(text, dialect);
          assert.deepEqual(engineNormal(back, dialect), engineNormal(trees[i], dialect), `${c.kind} ${c.text}\n  rendered: ${rendered[i]}\n  engine:   ${text}`);
        }
      });

      it('rendering what the engine printed gives the engine the same text back', async () => {
        const backs = cases.map((c, i) => parseExpression(firstTexts[i], dialect));
        await execSql(db, ddl(dialect, 't2', cases, backs.map((b) => renderExpression(b, dialect))));
        const second = await catalog(db, 't2', cases);
        for (const [i, c] of cases.entries()) {
          const again = parseExpression(second[i], dialect);
          const message = `${c.kind} ${c.text}\n  first:  ${firstTexts[i]}\n  second: ${second[i]}`;
          if (c.reprinted) assert.deepEqual(engineNormal(again, dialect), engineNormal(backs[i], dialect), message);
          else assert.deepEqual(again, backs[i], message);
        }
      });

      it('each CHECK gives the same values as written and as rendered', async () => {
        const prefix = dialect === 'mysql' ? `${MYSQL_MODE}\n` : '';
        await execSql(db, `${prefix}CREATE TABLE v (${COLUMNS[dialect]});\nINSERT INTO v VALUES ${ROWS[dialect]};`);
        for (const [i, c] of cases.entries()) {
          if (c.kind !== 'check') continue;
          const rows = await querySql(db, `SELECT (${c.text}) AS a, (${rendered[i]}) AS b FROM v ORDER BY id`);
          assert.equal(rows.length, 3);
          for (const r of rows) assert.deepEqual(r.b, r.a, `${c.text}\n  rendered: ${rendered[i]}`);
        }
      });
    });
  }
});
