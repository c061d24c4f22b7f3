import fc from 'fast-check';
import { rewrite } from '../../src/core/sql';
import type { BinaryOp, ComparisonOp, Expr, KeywordName, MatchOp, TypeName } from '../../src/core/sql';
import type { Engine } from '../../src/core/url';

// ---- builders for expected trees ---------------------------------------------------------------

export const col = (name: string, table?: string): Expr => (table === undefined ? { kind: 'column', name } : { kind: 'column', name, table });
export const num = (text: string): Expr => ({ kind: 'number', text });
export const str = (value: string, charset?: string): Expr => (charset === undefined ? { kind: 'string', value } : { kind: 'string', value, charset });
export const bool = (value: boolean): Expr => ({ kind: 'boolean', value });
export const NULL: Expr = { kind: 'null' };
export const bin = (op: BinaryOp, left: Expr, right: Expr): Expr => ({ kind: 'binary', op, left, right });
export const and = (...xs: Expr[]): Expr => xs.reduce((l, r) => bin('AND', l, r));
export const or = (...xs: Expr[]): Expr => xs.reduce((l, r) => bin('OR', l, r));
export const call = (name: string, ...args: Expr[]): Expr => ({ kind: 'call', name, args });
export const neg = (operand: Expr): Expr => ({ kind: 'unary', op: '-', operand });
export const not = (operand: Expr): Expr => ({ kind: 'unary', op: 'NOT', operand });
export const type = (name: string, extra: Omit<TypeName, 'name'> = {}): TypeName => ({ name, ...extra });
export const cast = (operand: Expr, t: string | TypeName): Expr => ({ kind: 'cast', operand, type: typeof t === 'string' ? { name: t } : t });
export const kw = (name: KeywordName, precision?: number): Expr => (precision === undefined ? { kind: 'keyword', name } : { kind: 'keyword', name, precision });
export const is = (operand: Expr, test: 'NULL' | 'TRUE' | 'FALSE' | 'UNKNOWN', isNot = false): Expr => ({ kind: 'is', operand, test, not: isNot });
export const match = (op: MatchOp, operand: Expr, pattern: Expr, extra: { not?: boolean; escape?: Expr; caseInsensitive?: true } = {}): Expr => {
  const node: Expr = { kind: 'match', op, operand, pattern, not: extra.not ?? false };
  if (extra.escape) node.escape = extra.escape;
  if (extra.caseInsensitive) node.caseInsensitive = true;
  return node;
};

// ---- normalization -----------------------------------------------------------------------------

/**
 * What render → parse does not keep, by design, per dialect (the documented normalization):
 * MySQL writes concatenation as CONCAT(a, b) and "is distinct" as NOT (a <=> b).
 */
export function afterRoundTrip(expr: Expr, dialect: Engine): Expr {
  if (dialect !== 'mysql') return expr;
  return rewrite(expr, (e) => {
    if (e.kind === 'binary' && e.op === '||') return call('concat', e.left, e.right);
    if (e.kind === 'distinct' && !e.not) return not({ ...e, not: true });
    return e;
  });
}

const NUMERIC_TYPES = new Set(['integer', 'bigint', 'smallint', 'numeric', 'real', 'double precision', 'signed', 'unsigned', 'decimal', 'double']);
const NEGATED: Record<ComparisonOp, ComparisonOp> = { '=': '<>', '<>': '=', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };
const MYSQL_SYNONYMS = new Map(Object.entries({ lcase: 'lower', ucase: 'upper', substring: 'substr', instr: 'locate', position: 'locate' }));

/** A number as one canonical text: 1.50, 1.5e0 and 1.5 are the same. */
function canonicalNumber(text: string, negative = false): Expr {
  const n = Number(text);
  return num(String(negative ? -n : n));
}

/**
 * What an engine does to an expression between CREATE and its catalog: PostgreSQL adds casts,
 * turns IN into = ANY (ARRAY[…]) and BETWEEN into comparisons, flattens AND chains; MariaDB
 * pushes NOT inside, prints MOD and locate() and current_timestamp(). Both sides of an engine
 * comparison go through this; the exact text is checked separately by a second round through
 * the engine (the fixpoint test).
 */
export function engineNormal(expr: Expr, dialect: Engine): Expr {
  let e = rewrite(expr, (n) => normalNode(n, dialect));
  // Run again: a rewrite can expose a pattern one level up (NOT over a rewritten comparison).
  e = rewrite(e, (n) => normalNode(n, dialect));
  return flattenLogic(e);
}

function normalNode(e: Expr, dialect: Engine): Expr {
  switch (e.kind) {
    case 'number':
      return canonicalNumber(e.text);
    case 'unary':
      if (e.op === '-' && e.operand.kind === 'number') return canonicalNumber(e.operand.text, true);
      if (e.op === '+') return e.operand;
      if (e.op === 'NOT') return pushNot(e.operand) ?? e;
      return e;
    case 'cast':
      // MariaDB names the connection's character set in every cast to CHAR.
      if (dialect === 'mysql' && e.type.charset && e.type.charset !== 'binary') {
        const { charset: _, ...rest } = e.type;
        return { ...e, type: rest };
      }
      if (dialect !== 'postgres') return e;
      if (NUMERIC_TYPES.has(e.type.name) && e.operand.kind === 'string' && e.operand.value.trim() !== '' && !Number.isNaN(Number(e.operand.value))) {
        return canonicalNumber(e.operand.value);
      }
      if (['column', 'string', 'number', 'null', 'boolean', 'cast', 'array'].includes(e.operand.kind) || e.type.name === 'text') return e.operand;
      return e;
    case 'typed':
      return dialect === 'postgres' ? str(e.value) : e;
    case 'bytes':
      // MariaDB prints X'414243' as 'ABC' where the bytes are UTF-8 text.
      return dialect === 'mysql' ? (utf8Text(e.hex) ?? e) : e;
    case 'in':
      if (e.list.length === 1) return bin(e.not ? '<>' : '=', e.operand, e.list[0]);
      if (dialect !== 'postgres') return e;
      return { kind: 'quantified', op: e.not ? '<>' : '=', quantifier: e.not ? 'ALL' : 'ANY', left: e.operand, right: { kind: 'array', items: e.list } };
    case 'between':
      if (dialect !== 'postgres') return e;
      return e.not ? or(bin('<', e.operand, e.low), bin('>', e.operand, e.high)) : and(bin('>=', e.operand, e.low), bin('<=', e.operand, e.high));
    case 'case':
      return e.else ? e : { ...e, else: NULL };
    case 'is':
      return dialect === 'mysql' && e.test === 'UNKNOWN' ? { ...e, test: 'NULL' } : e;
    case 'call':
      return dialect === 'mysql' ? mysqlCall(e) : e;
    case 'keyword':
      if (dialect === 'mysql' && ['LOCALTIME', 'LOCALTIMESTAMP'].includes(e.name)) return { ...e, name: 'CURRENT_TIMESTAMP' };
      return e;
    default:
      return e;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function utf8Text(hex: string): Expr | undefined {
  try {
    return str(utf8.decode(Buffer.from(hex, 'hex')));
  } catch {
    return undefined;
  }
}

/** NOT over a node that has its own negation is that node negated. */
function pushNot(e: Expr): Expr | undefined {
  switch (e.kind) {
    case 'binary':
      return e.op in NEGATED ? bin(NEGATED[e.op as ComparisonOp], e.left, e.right) : undefined;
    case 'distinct':
    case 'is':
    case 'in':
    case 'between':
    case 'match':
      return { ...e, not: !e.not };
    default:
      return undefined;
  }
}

function mysqlCall(e: Extract<Expr, { kind: 'call' }>): Expr {
  const name = MYSQL_SYNONYMS.get(e.name) ?? e.name;
  if (e.name === 'instr') return call('locate', e.args[1], e.args[0]);
  const precision = e.args[0]?.kind === 'number' ? Number(e.args[0].text) : undefined;
  if (name === 'now') return kw('CURRENT_TIMESTAMP', precision);
  if (name === 'curdate') return kw('CURRENT_DATE');
  if (name === 'curtime') return kw('CURRENT_TIME', precision);
  return { ...e, name };
}

/** a AND (b AND c) and (a AND b) AND c are one chain. */
function flattenLogic(expr: Expr): Expr {
  return rewrite(expr, (e) => {
    if (e.kind !== 'binary' || (e.op !== 'AND' && e.op !== 'OR')) return e;
    const items: Expr[] = [];
    const collect = (x: Expr): unknown => (x.kind === 'binary' && x.op === e.op ? (collect(x.left), collect(x.right)) : items.push(x));
    collect(e);
    return items.reduce((l, r) => bin(e.op, l, r));
  });
}

// ---- random trees ------------------------------------------------------------------------------

const COMPARISONS: ComparisonOp[] = ['=', '<>', '<', '<=', '>', '>='];
const BINARY_OPS: Record<Engine, BinaryOp[]> = {
  postgres: [...COMPARISONS, '+', '-', '*', '/', '%', '^', '#', '||', 'AND', 'OR', '&', '|', '<<', '>>', '->', '->>', '#>', '#>>', '@>', '<@', '?', '&&'],
  mysql: [...COMPARISONS, '+', '-', '*', '/', '%', '#', '||', 'AND', 'OR', 'XOR', 'DIV', '&', '|', '<<', '>>'],
  sqlite: [...COMPARISONS, '+', '-', '*', '/', '%', '||', 'AND', 'OR', '&', '|', '<<', '>>', '->', '->>'],
};
/** Function names, with the argument counts a name with a syntax of its own needs. */
const FUNCTIONS: Record<Engine, Array<[string, number, number]>> = {
  postgres: [['lower', 1, 1], ['coalesce', 1, 3], ['left', 2, 2], ['substring', 2, 3], ['position', 2, 2], ['trim', 1, 2], ['ltrim', 1, 2], ['now', 0, 0], ['timezone', 2, 2], ['current_schema', 0, 0], ['Mixed Case', 0, 2], ['nextval', 1, 1], ['pg_read_file', 1, 1]],
  mysql: [['lower', 1, 1], ['coalesce', 1, 3], ['left', 2, 2], ['if', 3, 3], ['substr', 2, 3], ['position', 2, 2], ['trim', 1, 2], ['ltrim', 1, 2], ['rtrim', 1, 2], ['now', 0, 1], ['replace', 3, 3], ['load_file', 1, 1]],
  sqlite: [['lower', 1, 1], ['coalesce', 1, 3], ['substr', 2, 3], ['trim', 1, 2], ['replace', 3, 3], ['like', 2, 2], ['datetime', 1, 2], ['Mixed Case', 0, 2], ['load_extension', 1, 1]],
};
const TYPES: Record<Engine, TypeName[]> = {
  postgres: [type('integer'), type('text'), type('numeric', { args: [10, 2] }), type('character varying', { args: [5] }), type('timestamp with time zone', { args: [3] }), type('double precision'), type('text', { array: 1 }), type('My Type', { quoted: true }), type('interval day to second')],
  mysql: [type('signed'), type('unsigned'), type('char', { args: [3], charset: 'utf8mb4' }), type('char', { charset: 'binary' }), type('decimal', { args: [10, 2] }), type('date'), type('datetime', { args: [6] }), type('double')],
  sqlite: [type('integer'), type('text'), type('real'), type('varchar', { args: [10] }), type('unsigned big int')],
};
const TYPED: Record<Engine, TypeName[]> = {
  postgres: [type('date'), type('timestamp without time zone'), type('timestamp with time zone', { args: [2] }), type('time with time zone'), type('interval'), type('interval', { args: [3] }), type('interval day'), type('interval hour to second', { args: [2] })],
  mysql: [type('date'), type('time'), type('timestamp'), type('interval day'), type('interval year_month')],
  sqlite: [],
};
const KEYWORDS: Record<Engine, KeywordName[]> = {
  postgres: ['CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'LOCALTIMESTAMP', 'LOCALTIME', 'CURRENT_USER', 'SESSION_USER', 'USER', 'CURRENT_ROLE', 'SYSTEM_USER', 'CURRENT_SCHEMA', 'CURRENT_CATALOG'],
  mysql: ['CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'LOCALTIMESTAMP', 'LOCALTIME', 'CURRENT_USER', 'SESSION_USER', 'USER', 'CURRENT_ROLE', 'SYSTEM_USER'],
  sqlite: ['CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME'],
};
const MATCH_OPS: Record<Engine, MatchOp[]> = { postgres: ['LIKE', 'ILIKE', 'SIMILAR TO', 'REGEXP'], mysql: ['LIKE', 'REGEXP'], sqlite: ['LIKE', 'GLOB', 'REGEXP'] };
const COLLATIONS: Record<Engine, string[]> = { postgres: ['C', 'POSIX', 'en-x-icu', 'we"ird'], mysql: ['utf8mb4_bin', 'latin1_swedish_ci'], sqlite: ['NOCASE', 'binary', 'rtrim'] };
const EXTRACT_FIELDS: Record<Engine, string[]> = { postgres: ['year', 'epoch', 'dow'], mysql: ['year', 'day_hour', 'microsecond'], sqlite: [] };

/** Text with every kind of character: quotes of each dialect, backslashes, controls, astral ones. */
export function anyText(dialect: Engine, minLength = 0): fc.Arbitrary<string> {
  const tricky = fc.constantFrom("'", '"', '`', '\\', '\n', '\r', '\t', '\b', '\x1a', '\x01', '\x7f', '%', '_', ']', '[', ';', '--', '/*', 'é', '😀', '\u2028', '\ufeff', '$$');
  const unit = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 3 }), tricky, ...(dialect === 'mysql' ? [fc.constant('\0')] : []));
  return fc.array(unit, { minLength, maxLength: 6 }).map((parts) => parts.join('')).filter((s) => s.length >= minLength);
}

const numberText = (dialect: Engine) =>
  fc.oneof(
    fc.nat({ max: 99999 }).map(String),
    fc.tuple(fc.nat({ max: 999 }), fc.nat({ max: 999 })).map(([a, b]) => `${a}.${b}`),
    fc.nat({ max: 999 }).map((n) => `.${n}`),
    fc.tuple(fc.nat({ max: 99 }), fc.constantFrom('e', 'E', 'e+', 'e-'), fc.nat({ max: 30 })).map(([a, e, x]) => `${a}${e}${x}`),
    fc.constant('1.'),
    ...(dialect === 'sqlite' ? [fc.nat().map((n) => `0x${n.toString(16).toUpperCase()}`)] : []),
  );

const name = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((s) => !s.includes('\0'));

function leaf(dialect: Engine): fc.Arbitrary<Expr> {
  const options: Array<fc.Arbitrary<Expr>> = [
    fc.constant(NULL),
    fc.boolean().map(bool),
    numberText(dialect).map(num),
    anyText(dialect).map((s) => str(s)),
    fc.uint8Array({ maxLength: 4 }).map((b): Expr => ({ kind: 'bytes', hex: Buffer.from(b).toString('hex') })),
    fc.tuple(fc.oneof(name, anyText(dialect, 1).filter((s) => !s.includes('\0'))), fc.option(name, { nil: undefined })).map(([n, t]) => col(n, t)),
    fc.constantFrom(...KEYWORDS[dialect]).chain((k) => (['CURRENT_TIMESTAMP', 'CURRENT_TIME', 'LOCALTIMESTAMP', 'LOCALTIME'].includes(k) && dialect !== 'sqlite' ? fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }) : fc.constant(undefined)).map((p) => kw(k, p))),
  ];
  if (dialect === 'mysql') options.push(fc.tuple(anyText(dialect), fc.constantFrom('utf8mb4', 'latin1', 'binary')).map(([s, cs]) => str(s, cs)));
  if (TYPED[dialect].length) options.push(fc.tuple(fc.constantFrom(...TYPED[dialect]), anyText(dialect).filter((s) => !s.includes('\0'))).map(([t, v]): Expr => ({ kind: 'typed', type: t, value: v })));
  return fc.oneof(...options);
}

/** Random trees the dialect can write, at most `depth` deep. */
export function exprArb(dialect: Engine, depth = 4): fc.Arbitrary<Expr> {
  const { tree } = fc.letrec<{ tree: Expr }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small', maxDepth: depth, withCrossShrink: true }, leaf(dialect), compound(dialect, () => tie('tree'))),
  }));
  return tree;
}

function compound(dialect: Engine, sub: () => fc.Arbitrary<Expr>): fc.Arbitrary<Expr> {
  const e = fc.constant(null).chain(() => sub());
  const list = (min: number, max: number) => fc.array(e, { minLength: min, maxLength: max });
  const options: Array<fc.Arbitrary<Expr>> = [
    fc.tuple(fc.constantFrom('-', '+', 'NOT', '~') as fc.Arbitrary<'-' | '+' | 'NOT' | '~'>, e).map(([op, operand]): Expr => ({ kind: 'unary', op, operand })),
    fc.tuple(fc.constantFrom(...BINARY_OPS[dialect]), e, e).map(([op, l, r]) => bin(op, l, r)),
    fc.constantFrom(...FUNCTIONS[dialect]).chain(([n, min, max]) => list(min, max).map((args) => call(n, ...args))),
    fc.tuple(e, fc.constantFrom(...TYPES[dialect])).map(([x, t]) => cast(x, t)),
    fc.tuple(fc.option(e, { nil: undefined }), fc.array(fc.tuple(e, e), { minLength: 1, maxLength: 2 }), fc.option(e, { nil: undefined })).map(([operand, whens, otherwise]): Expr => {
      const node: Expr = { kind: 'case', whens: whens.map(([w, t]) => ({ when: w, then: t })) };
      if (operand) node.operand = operand;
      if (otherwise) node.else = otherwise;
      return node;
    }),
    fc.tuple(e, list(dialect === 'sqlite' ? 0 : 1, 3), fc.boolean()).map(([operand, items, n]): Expr => ({ kind: 'in', operand, list: items, not: n })),
    fc.tuple(e, e, e, fc.boolean()).map(([operand, low, high, n]): Expr => ({ kind: 'between', operand, low, high, not: n })),
    fc.tuple(e, fc.constantFrom(...(dialect === 'sqlite' ? ['NULL', 'TRUE', 'FALSE'] : ['NULL', 'TRUE', 'FALSE', 'UNKNOWN'])) as fc.Arbitrary<'NULL'>, fc.boolean()).map(([x, t, n]) => is(x, t, n)),
    fc.tuple(e, e, fc.boolean()).map(([l, r, n]): Expr => ({ kind: 'distinct', left: l, right: r, not: n })),
    fc.tuple(fc.constantFrom(...MATCH_OPS[dialect]), e, e, fc.option(e, { nil: undefined }), fc.boolean(), fc.boolean()).map(([op, x, p, esc, n, ci]) =>
      match(op, x, p, { not: n, escape: op === 'REGEXP' || op === 'GLOB' ? undefined : esc, caseInsensitive: op === 'REGEXP' && dialect === 'postgres' && ci ? true : undefined }),
    ),
    fc.tuple(e, fc.constantFrom(...COLLATIONS[dialect])).map(([x, c]): Expr => ({ kind: 'collate', operand: x, collation: c })),
  ];
  if (dialect === 'postgres') {
    options.push(list(0, 3).map((items): Expr => ({ kind: 'array', items })));
    options.push(fc.tuple(fc.constantFrom(...COMPARISONS), fc.constantFrom('ANY', 'ALL') as fc.Arbitrary<'ANY' | 'ALL'>, e, e).map(([op, q, l, r]): Expr => ({ kind: 'quantified', op, quantifier: q, left: l, right: r })));
  }
  if (EXTRACT_FIELDS[dialect].length) options.push(fc.tuple(fc.constantFrom(...EXTRACT_FIELDS[dialect]), e).map(([field, from]): Expr => ({ kind: 'extract', field, from })));
  return fc.oneof(...options);
}
