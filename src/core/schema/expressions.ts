import { isSafeNextval, parseExpression, renderExpression, rewrite, SqlRenderError, SqlSyntaxError, unsafeParts, walk, type Expr, type TypeName } from '../sql';
import { ENGINE_LABELS, type Engine } from '../url';
import type { SqlText } from './model';

/**
 * Expressions of a schema (defaults, checks, generated columns, index parts and predicates) on
 * their way to a target. SQL text reaches a target in one of two ways only:
 *
 * - from a trusted source (a copy from a database, a restore, an import with --trust-dump) into
 *   the same engine: as it is, since the engine printed it;
 * - otherwise rebuilt: parsed (../sql), checked (no function off the safe list, no name of who is
 *   connected, no column the table lacks), translated into the target's dialect where the engines
 *   differ, and rendered from the tree.
 *
 * What cannot be rebuilt comes back as a reason, which the caller reports as not carried.
 */

export interface ExpressionContext {
  /** The target's engine. */
  target: Engine;
  /** Whether the source's text may run as it is (same engine only). */
  trusted: boolean;
  /** The columns the expression may name; any other name is refused. */
  columns?: ReadonlySet<string>;
  /** A domain's check: VALUE stands for the column, named `value` here. */
  value?: string;
}

export type Carried = { sql: SqlText; translated: boolean } | { reason: string };

/** An expression of the source as SQL text of the target, or why it cannot be. */
export function carryExpression(source: SqlText, context: ExpressionContext): Carried {
  const same = source.engine === context.target;
  if (same && context.trusted && context.value === undefined) return { sql: source, translated: false };
  let expr: Expr;
  try {
    expr = parseExpression(source.sql, source.engine);
  } catch (err) {
    if (err instanceof SqlSyntaxError) return { reason: `DB Porter cannot read it (${err.message})` };
    throw err;
  }
  if (context.value !== undefined) expr = replaceValue(expr, context.value);
  const problem = namesProblem(expr, context.columns);
  if (problem) return { reason: problem };
  let out = expr;
  if (!same) {
    const translated = translate(expr, source.engine, context.target);
    if ('reason' in translated) return translated;
    out = translated.expr;
  }
  const unsafe = unsafeParts(out, context.target).filter((part) => !(part === 'nextval' && hasSafeNextval(out)));
  if (unsafe.length) {
    return {
      reason: same
        ? `it calls ${unsafe.join(', ')}, which DB Porter does not run from a dump (import --trust-dump runs it as it is)`
        : `it calls ${unsafe.join(', ')}, which ${ENGINE_LABELS[context.target]} has no counterpart for here`,
    };
  }
  try {
    return { sql: { engine: context.target, sql: renderExpression(out, context.target) }, translated: !same };
  } catch (err) {
    if (err instanceof SqlRenderError) return { reason: `${ENGINE_LABELS[context.target]} cannot express it (${err.message})` };
    throw err;
  }
}

function hasSafeNextval(expr: Expr): boolean {
  let ok = true;
  walk(expr, (e) => {
    if (e.kind === 'call' && e.name === 'nextval' && !isSafeNextval(e)) ok = false;
  });
  return ok;
}

/** A domain's checks say VALUE; on a column of the target they name the column. */
function replaceValue(expr: Expr, column: string): Expr {
  return rewrite(expr, (e) => (e.kind === 'column' && e.table === undefined && e.name.toLowerCase() === 'value' ? { kind: 'column', name: column } : e));
}

/** A column the table does not have, or a qualified one, is refused: an expression speaks of its own row only. */
function namesProblem(expr: Expr, columns: ReadonlySet<string> | undefined): string | undefined {
  if (!columns) return undefined;
  const lower = new Map([...columns].map((c) => [c.toLowerCase(), c]));
  let problem: string | undefined;
  walk(expr, (e) => {
    if (problem || e.kind !== 'column') return;
    if (e.table !== undefined) problem = `it names ${e.table}.${e.name}, outside its own row`;
    else if (!columns.has(e.name) && !lower.has(e.name.toLowerCase())) problem = `it names "${e.name}", which is not a column of the table`;
  });
  return problem;
}

/**
 * Function names that differ between engines, by the meaning they have: `length` counts characters
 * in PostgreSQL and SQLite but bytes in MySQL, where `char_length` counts characters.
 */
const RENAMES: Record<Engine, Record<Engine, Record<string, string>>> = {
  postgres: {
    postgres: {},
    mysql: { length: 'char_length', btrim: 'trim', strpos: 'locate_swapped' },
    sqlite: { char_length: 'length', character_length: 'length', btrim: 'trim', strpos: 'instr' },
  },
  mysql: {
    mysql: {},
    postgres: { length: 'octet_length', lcase: 'lower', ucase: 'upper', ifnull: 'coalesce', locate: 'strpos_swapped', instr: 'strpos' },
    sqlite: { char_length: 'length', character_length: 'length', lcase: 'lower', ucase: 'upper', length: 'octet_length' },
  },
  sqlite: {
    sqlite: {},
    postgres: { ifnull: 'coalesce', instr: 'strpos' },
    mysql: { length: 'char_length' },
  },
};

/** Casts a catalog adds to keep types explicit (PostgreSQL's `'a'::text`): another engine coerces the same way without them. */
const NOISE_CASTS = new Set(['text', 'character varying', 'character', 'varchar', 'char', 'numeric', 'integer', 'bigint', 'smallint', 'double precision', 'real', 'signed', 'decimal']);

/** The same expression in another engine's terms, or the first construct that has no counterpart there. */
function translate(expr: Expr, from: Engine, to: Engine): { expr: Expr } | { reason: string } {
  let reason: string | undefined;
  const renames = RENAMES[from][to];
  const out = rewrite(expr, (e): Expr => {
    if (reason) return e;
    switch (e.kind) {
      case 'cast':
        if ((e.operand.kind === 'column' || e.operand.kind === 'string' || e.operand.kind === 'number' || e.operand.kind === 'array' || e.operand.kind === 'unary') && NOISE_CASTS.has(e.type.name) && !e.type.array) return e.operand;
        if (e.type.array && e.operand.kind === 'array') return e.operand;
        return castTo(e, to) ?? fail(`a cast to ${e.type.name}`);
      case 'quantified':
        // x = ANY (ARRAY[a, b]): PostgreSQL's printing of IN (a, b).
        if (e.right.kind === 'array' && (e.op === '=' || e.op === '<>') && (e.op === '=' ? e.quantifier === 'ANY' : e.quantifier === 'ALL')) {
          return { kind: 'in', operand: e.left, list: e.right.items, not: e.op === '<>' };
        }
        return fail(`${e.op} ${e.quantifier} (...)`);
      case 'call': {
        const name = renames[e.name] ?? e.name;
        if (name === 'strpos_swapped' || name === 'locate_swapped') {
          // locate(sub, s) is strpos(s, sub).
          return { ...e, name: name === 'strpos_swapped' ? 'strpos' : 'locate', args: [...e.args].reverse() };
        }
        if (from === 'mysql' && e.name === 'if' && e.args.length === 3) return { kind: 'case', whens: [{ when: e.args[0], then: e.args[1] }], else: e.args[2] };
        return { ...e, name };
      }
      case 'keyword':
        return to === 'sqlite' && e.precision !== undefined ? { kind: 'keyword', name: e.name } : e;
      case 'extract':
        return to === 'sqlite' ? sqliteExtract(e.field, e.from) ?? fail(`EXTRACT(${e.field} ...)`) : e;
      case 'match':
        if (e.op === 'ILIKE' && to !== 'postgres') return fail('ILIKE');
        if (e.op === 'REGEXP' && to === 'sqlite') return fail('a regular expression match (SQLite has no REGEXP function of its own)');
        if (e.caseInsensitive && to !== 'postgres') return fail('a case-insensitive regular expression');
        return e;
      case 'collate':
        return fail(`COLLATE ${e.collation}`);
      case 'binary':
        if (e.op === '/' && from !== to && (from === 'mysql' || to === 'mysql')) return fail('a division (integer division differs between engines)');
        return e;
      default:
        return e;
    }
  });
  return reason ? { reason: `${reason} has no counterpart in ${ENGINE_LABELS[to]} here` } : { expr: out };

  function fail(what: string): Expr {
    reason ??= what;
    return expr;
  }
}

/** A cast in the target's types, for the common ones; undefined for any other. */
function castTo(e: Extract<Expr, { kind: 'cast' }>, to: Engine): Expr | undefined {
  const family = castFamily(e.type);
  if (!family) return undefined;
  const types: Record<Engine, Record<string, TypeName>> = {
    postgres: { text: { name: 'text' }, integer: { name: 'bigint' }, decimal: { name: 'numeric' }, real: { name: 'double precision' }, date: { name: 'date' }, timestamp: { name: 'timestamp without time zone' } },
    mysql: { text: { name: 'char' }, integer: { name: 'signed' }, decimal: { name: 'decimal', args: [65, 30] }, real: { name: 'double' }, date: { name: 'date' }, timestamp: { name: 'datetime' } },
    sqlite: { text: { name: 'text' }, integer: { name: 'integer' }, decimal: { name: 'numeric' }, real: { name: 'real' }, date: { name: 'text' }, timestamp: { name: 'text' } },
  };
  return { kind: 'cast', operand: e.operand, type: types[to][family] };
}

function castFamily(type: TypeName): string | undefined {
  if (type.array || type.quoted) return undefined;
  const n = type.name;
  if (['text', 'character varying', 'character', 'varchar', 'char'].includes(n)) return 'text';
  if (['integer', 'bigint', 'smallint', 'signed', 'int'].includes(n)) return 'integer';
  if (['numeric', 'decimal'].includes(n)) return 'decimal';
  if (['double precision', 'real', 'double', 'float'].includes(n)) return 'real';
  if (n === 'date') return 'date';
  if (['timestamp without time zone', 'datetime', 'timestamp'].includes(n)) return 'timestamp';
  return undefined;
}

/** EXTRACT(year FROM x) as SQLite says it: CAST(strftime('%Y', x) AS INTEGER). */
function sqliteExtract(field: string, from: Expr): Expr | undefined {
  const formats: Record<string, string> = { year: '%Y', month: '%m', day: '%d', hour: '%H', minute: '%M', second: '%S' };
  const format = formats[field.toLowerCase()];
  if (!format) return undefined;
  return { kind: 'cast', operand: { kind: 'call', name: 'strftime', args: [{ kind: 'string', value: format }, from] }, type: { name: 'integer' } };
}
