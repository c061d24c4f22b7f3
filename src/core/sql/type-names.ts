import type { Engine } from '../url';
import type { TypeName } from './ast';
import { SqlRenderError } from './errors';
import type { Tokens } from './lexer';

/**
 * Type names in casts and typed literals: read per dialect into lower-case words, and written
 * back only from words that pass validation, so that a type name can never carry other SQL.
 */

const WORD = /^[a-z_][a-z0-9_]*$/;
const WORDS = /^[a-z_][a-z0-9_]*( [a-z_][a-z0-9_]*)*$/;
const CHARSET = /^[a-z0-9_]+$/;
const MAX_TYPE_ARG = 2 ** 31 - 1;

/** PostgreSQL interval qualifiers (`INTERVAL '1' DAY TO SECOND`). */
const PG_INTERVAL_FIELDS = new Set(['year', 'month', 'day', 'hour', 'minute', 'second']);
const PG_INTERVAL_RANGES = new Set(['year to month', 'day to hour', 'day to minute', 'day to second', 'hour to minute', 'hour to second', 'minute to second']);

/** MySQL `INTERVAL expr unit` units, also EXTRACT's. */
export const MYSQL_INTERVAL_UNITS = new Set([
  'microsecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year', 'second_microsecond',
  'minute_microsecond', 'minute_second', 'hour_microsecond', 'hour_second', 'hour_minute', 'day_microsecond',
  'day_second', 'day_minute', 'day_hour', 'year_month',
]);

/** EXTRACT(field FROM x) fields PostgreSQL knows. */
export const PG_EXTRACT_FIELDS = new Set([
  'century', 'day', 'decade', 'dow', 'doy', 'epoch', 'hour', 'isodow', 'isoyear', 'julian', 'microseconds', 'millennium',
  'milliseconds', 'minute', 'month', 'quarter', 'second', 'timezone', 'timezone_hour', 'timezone_minute', 'week', 'year',
]);

/** The names PostgreSQL's format_type() prints, for the aliases its grammar accepts. */
const PG_ALIASES = new Map(Object.entries({
  int: 'integer',
  int4: 'integer',
  int2: 'smallint',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  decimal: 'numeric',
  dec: 'numeric',
  bool: 'boolean',
  varchar: 'character varying',
  varbit: 'bit varying',
  timestamptz: 'timestamp with time zone',
  timetz: 'time with time zone',
  timestamp: 'timestamp without time zone',
  time: 'time without time zone',
}));

export function parseTypeName(ts: Tokens, dialect: Engine): TypeName {
  if (dialect === 'postgres') return parsePgType(ts);
  if (dialect === 'mysql') return parseMysqlType(ts);
  return parseSqliteType(ts);
}

function parsePgType(ts: Tokens): TypeName {
  let t = ts.peek();
  if ((t.kind === 'word' || t.kind === 'quoted') && ts.isOp('.', 1)) {
    if (t.value !== 'pg_catalog') throw ts.unexpected(t, 'schema-qualified type names are not supported');
    ts.next();
    ts.next();
    t = ts.peek();
  }
  let type: TypeName;
  if (t.kind === 'quoted') {
    ts.next();
    type = { name: t.value, quoted: true };
    const args = typeArgs(ts);
    if (args) type.args = args;
  } else if (t.kind === 'word') {
    type = pgWords(ts);
  } else {
    throw ts.unexpected(t, 'a type name was expected');
  }
  if (ts.isOp('.')) throw ts.unexpected(ts.peek(), 'schema-qualified type names are not supported');
  let dims = 0;
  while (ts.acceptOp('[')) {
    ts.expectOp(']', 'array sizes are not supported in type names');
    dims++;
  }
  // PostgreSQL keeps no dimension count: int[][] is int[].
  if (dims) type.array = 1;
  return type;
}

/** An unquoted PostgreSQL type name, multi-word ones included, in format_type()'s spelling. */
function pgWords(ts: Tokens): TypeName {
  const first = ts.next();
  const w = first.value;
  const withArgs = (name: string): TypeName => {
    const args = typeArgs(ts);
    return args ? { name, args } : { name };
  };
  switch (w) {
    case 'double':
      ts.expectWord('precision');
      return { name: 'double precision' };
    case 'national':
    case 'char':
    case 'character':
    case 'nchar': {
      if (w === 'national' && !ts.acceptWord('character') && !ts.acceptWord('char')) throw ts.unexpected(ts.peek(), 'CHARACTER was expected');
      const varying = ts.acceptWord('varying');
      const type = withArgs(varying ? 'character varying' : 'character');
      // CHAR without a length is CHAR(1); VARCHAR without one has no limit.
      if (!varying && !type.args) type.args = [1];
      return type;
    }
    case 'bit': {
      const varying = ts.acceptWord('varying');
      const type = withArgs(varying ? 'bit varying' : 'bit');
      if (!varying && !type.args) type.args = [1];
      return type;
    }
    case 'time':
    case 'timestamp': {
      const args = typeArgs(ts);
      let zone = 'without';
      if (ts.isWord('with') || ts.isWord('without')) {
        zone = ts.next().value;
        ts.expectWord('time');
        ts.expectWord('zone');
      }
      const type: TypeName = { name: `${w} ${zone} time zone` };
      if (args) type.args = args;
      return type;
    }
    case 'interval': {
      const args = typeArgs(ts);
      const fields = intervalFields(ts);
      if (fields && args) throw ts.unexpected(ts.peek(), 'interval precision goes after the fields');
      const type: TypeName = { name: fields ? `interval ${fields}` : 'interval' };
      const precision = args ?? (fields?.endsWith('second') ? typeArgs(ts) : undefined);
      if (precision) type.args = precision;
      return type;
    }
    case 'float': {
      const args = typeArgs(ts);
      if (!args) return { name: 'double precision' };
      if (args.length !== 1 || args[0] < 1 || args[0] > 53) throw ts.unexpected(first, 'FLOAT precision must be between 1 and 53');
      return { name: args[0] <= 24 ? 'real' : 'double precision' };
    }
    default: {
      if (!WORD.test(w)) throw ts.unexpected(first, 'not a type name');
      return withArgs(PG_ALIASES.get(w) ?? w);
    }
  }
}

/** `DAY`, `DAY TO SECOND` after INTERVAL; undefined when none follows. */
export function intervalFields(ts: Tokens): string | undefined {
  const t = ts.peek();
  if (t.kind !== 'word' || !PG_INTERVAL_FIELDS.has(t.value)) return undefined;
  ts.next();
  if (!ts.isWord('to')) return t.value;
  ts.next();
  const to = ts.next();
  const range = `${t.value} to ${to.value}`;
  if (to.kind !== 'word' || !PG_INTERVAL_RANGES.has(range)) throw ts.unexpected(to, 'not an interval range');
  return range;
}

function parseMysqlType(ts: Tokens): TypeName {
  const first = ts.next();
  if (first.kind !== 'word') throw ts.unexpected(first, 'a type name was expected');
  const w = first.value;
  const withArgs = (name: string): TypeName => {
    const args = typeArgs(ts);
    return args ? { name, args } : { name };
  };
  switch (w) {
    // The spellings MariaDB prints back: BINARY(n) is CHAR(n) CHARSET binary, INT is SIGNED.
    case 'binary':
      return { ...withArgs('char'), charset: 'binary' };
    case 'nchar':
      return { ...withArgs('char'), charset: 'utf8mb3' };
    case 'char':
    case 'character': {
      const type = withArgs('char');
      const charset = mysqlCharset(ts);
      if (charset) type.charset = charset;
      return type;
    }
    case 'signed':
    case 'unsigned':
      if (!ts.acceptWord('int')) ts.acceptWord('integer');
      return { name: w };
    case 'int':
    case 'integer':
      return { name: 'signed' };
    case 'double':
      ts.acceptWord('precision');
      return { name: 'double' };
    default:
      if (!WORD.test(w)) throw ts.unexpected(first, 'not a type name');
      return withArgs(w);
  }
}

function mysqlCharset(ts: Tokens): string | undefined {
  if (ts.acceptWord('ascii')) return 'latin1';
  if (ts.acceptWord('unicode')) return 'ucs2';
  if (ts.acceptWord('binary')) return 'binary';
  if (ts.acceptWord('character')) ts.expectWord('set');
  else if (!ts.acceptWord('charset')) return undefined;
  const name = ts.next();
  if (name.kind !== 'word' || !CHARSET.test(name.value)) throw ts.unexpected(name, 'a character set name was expected');
  return name.value;
}

function parseSqliteType(ts: Tokens): TypeName {
  const parts: string[] = [];
  while (ts.peek().kind === 'word') {
    const t = ts.next();
    if (!WORD.test(t.value)) throw ts.unexpected(t, 'not a type name');
    parts.push(t.value);
  }
  if (!parts.length) throw ts.unexpected(ts.peek(), 'a type name was expected');
  const type: TypeName = { name: parts.join(' ') };
  const args = typeArgs(ts);
  if (args) type.args = args;
  return type;
}

/** `(10)` or `(10, 2)`: unsigned integers only. */
export function typeArgs(ts: Tokens): number[] | undefined {
  if (!ts.isOp('(')) return undefined;
  ts.next();
  const args: number[] = [];
  do {
    const t = ts.next();
    if (t.kind !== 'number' || !/^[0-9]+$/.test(t.value) || Number(t.value) > MAX_TYPE_ARG) throw ts.unexpected(t, 'a type modifier must be a whole number');
    args.push(Number(t.value));
  } while (ts.acceptOp(','));
  ts.expectOp(')');
  return args;
}

/** The type as the dialect writes it in CAST(x AS …); refuses anything not made of validated words. */
export function typeText(type: TypeName, dialect: Engine, quoteIdent: (name: string) => string): string {
  if (typeof type?.name !== 'string') throw new SqlRenderError('a type name must be a string');
  const args = argsText(type.args);
  let text: string;
  if (type.quoted) {
    if (dialect !== 'postgres') throw new SqlRenderError(`quoted type names cannot be written for ${dialect}`);
    text = quoteIdent(type.name) + args;
  } else {
    if (!WORDS.test(type.name)) throw new SqlRenderError(`${JSON.stringify(type.name)} is not a type name`);
    const m = /^(time|timestamp)( with(?:out)? time zone)$/.exec(type.name);
    text = dialect === 'postgres' && m ? `${m[1]}${args}${m[2]}` : type.name + args;
  }
  if (type.charset !== undefined) {
    if (dialect !== 'mysql' || !CHARSET.test(type.charset)) throw new SqlRenderError(`a character set cannot be written in this cast for ${dialect}`);
    text += ` charset ${type.charset}`;
  }
  if (type.array !== undefined) {
    if (dialect !== 'postgres' || !Number.isInteger(type.array) || type.array < 1 || type.array > 6) throw new SqlRenderError(`array types cannot be written for ${dialect}`);
    text += '[]'.repeat(type.array);
  }
  return text;
}

function argsText(args: number[] | undefined): string {
  if (!args) return '';
  if (!args.length || args.length > 2 || !args.every((n) => Number.isSafeInteger(n) && n >= 0 && n <= MAX_TYPE_ARG)) {
    throw new SqlRenderError(`bad type modifiers ${JSON.stringify(args)}`);
  }
  return `(${args.join(',')})`;
}

/** Types a typed literal (`DATE '2020-01-01'`) may have, per dialect. */
export function typedLiteralPrefix(type: TypeName, dialect: Engine): { before: string; after: string } {
  if (typeof type?.name !== 'string') throw new SqlRenderError('a type name must be a string');
  if (type.quoted || type.charset !== undefined || type.array !== undefined) throw new SqlRenderError('not a type for a typed literal');
  const args = argsText(type.args);
  if (dialect === 'mysql') {
    if (type.args) throw new SqlRenderError('typed literals take no type modifiers in MySQL');
    if (['date', 'time', 'timestamp'].includes(type.name)) return { before: type.name.toUpperCase(), after: '' };
    const unit = /^interval ([a-z_]+)$/.exec(type.name)?.[1];
    if (unit && MYSQL_INTERVAL_UNITS.has(unit)) return { before: 'INTERVAL', after: ` ${unit.toUpperCase()}` };
  } else if (dialect === 'postgres') {
    if (type.name === 'date' && !type.args) return { before: 'DATE', after: '' };
    const m = /^(time|timestamp) (with(?:out)? time zone)$/.exec(type.name);
    if (m) return { before: `${m[1].toUpperCase()}${args} ${m[2].toUpperCase()}`, after: '' };
    if (type.name === 'interval') return { before: `INTERVAL${args}`, after: '' };
    const fields = /^interval (.+)$/.exec(type.name)?.[1];
    if (fields && (PG_INTERVAL_FIELDS.has(fields) || PG_INTERVAL_RANGES.has(fields)) && (!type.args || fields.endsWith('second'))) {
      return { before: 'INTERVAL', after: ` ${fields.toUpperCase()}${args}` };
    }
  }
  throw new SqlRenderError(`${JSON.stringify(type.name)} literals cannot be written for ${dialect}`);
}
