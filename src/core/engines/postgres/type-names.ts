import type { NativeType } from '../../schema/model';
import { SchemaProblem, isPlainWord } from '../../schema/problem';
import { quotePostgres } from './quote';

/**
 * PostgreSQL type names as format_type() prints them, and back. A type is written only from its
 * parts: a built-in name from the list below (the names PostgreSQL 15 gives the types of
 * pg_catalog, and their common aliases), numeric modifiers, array brackets; or a user-defined
 * type's name as a quoted identifier. Nothing else reaches CREATE TABLE.
 */
const BUILT_IN = new Set([
  '"char"', 'aclitem', 'bigint', 'bit', 'bit varying', 'boolean', 'box', 'bytea', 'character', 'character varying', 'cid',
  'cidr', 'circle', 'date', 'datemultirange', 'daterange', 'double precision', 'inet', 'int4multirange', 'int4range',
  'int8multirange', 'int8range', 'integer', 'interval', 'json', 'jsonb', 'jsonpath', 'line', 'lseg', 'macaddr', 'macaddr8',
  'money', 'name', 'numeric', 'nummultirange', 'numrange', 'oid', 'path', 'pg_lsn', 'pg_snapshot', 'point', 'polygon', 'real',
  'refcursor', 'regclass', 'regcollation', 'regconfig', 'regdictionary', 'regnamespace', 'regoper', 'regoperator', 'regproc',
  'regprocedure', 'regrole', 'regtype', 'smallint', 'text', 'tid', 'time with time zone', 'time without time zone',
  'timestamp with time zone', 'timestamp without time zone', 'tsmultirange', 'tsquery', 'tsrange', 'tstzmultirange',
  'tstzrange', 'tsvector', 'txid_snapshot', 'uuid', 'xid', 'xid8', 'xml',
  // Aliases a person writes, which PostgreSQL accepts the same.
  'int', 'int2', 'int4', 'int8', 'float4', 'float8', 'bool', 'varchar', 'char', 'decimal', 'timestamp', 'timestamptz', 'time',
  'timetz', 'varbit', 'double',
]);

/** The fields an interval may be limited to: "interval day to second(3)". */
const INTERVAL_FIELDS = new Set([
  'year', 'month', 'day', 'hour', 'minute', 'second', 'year to month', 'day to hour', 'day to minute', 'day to second',
  'hour to minute', 'hour to second', 'minute to second',
]);

export function isBuiltInPostgresType(name: string): boolean {
  if (BUILT_IN.has(name)) return true;
  return name.startsWith('interval ') && INTERVAL_FIELDS.has(name.slice('interval '.length));
}

interface Token {
  text: string;
  quoted: boolean;
}

/** Words, quoted identifiers, numbers and punctuation of a type as format_type prints it. */
function tokens(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ') {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let name = '';
      for (;;) {
        if (j >= text.length) throw new SchemaProblem(`type "${text}" has an unterminated quoted name`);
        if (text[j] === '"') {
          if (text[j + 1] === '"') {
            name += '"';
            j += 2;
            continue;
          }
          break;
        }
        name += text[j++];
      }
      out.push({ text: name, quoted: true });
      i = j + 1;
    } else if (/[A-Za-z0-9_$-]/.test(c)) {
      let j = i;
      while (j < text.length && /[A-Za-z0-9_$-]/.test(text[j])) j++;
      out.push({ text: text.slice(i, j), quoted: false });
      i = j;
    } else if ('().,[]'.includes(c)) {
      out.push({ text: c, quoted: false });
      i++;
    } else {
      throw new SchemaProblem(`type "${text}" has a character (${JSON.stringify(c)}) no type name has`);
    }
  }
  return out;
}

function modifier(text: string, whole: string): number | string {
  if (/^-?\d+$/.test(text)) return Number(text);
  if (isPlainWord(text)) return text;
  throw new SchemaProblem(`type "${whole}" has a modifier (${text}) that is neither a number nor a word`);
}

/**
 * A type as format_type() prints it (or as a version 1 dump kept it) in parts. `ownSchema` is the
 * schema whose types need no qualifying name.
 */
export function parsePostgresType(text: string, ownSchema?: string): NativeType {
  let body = text.trim();
  let array = 0;
  while (body.endsWith('[]')) {
    array++;
    body = body.slice(0, -2).trimEnd();
  }
  const toks = tokens(body);
  const open = toks.findIndex((t) => !t.quoted && t.text === '(');
  const close = toks.findIndex((t) => !t.quoted && t.text === ')');
  let args: Array<number | string> | undefined;
  let words = toks;
  if (open >= 0) {
    if (close < open || toks.slice(close + 1).some((t) => !t.quoted && '(),'.includes(t.text))) throw new SchemaProblem(`type "${text}" has unbalanced parentheses`);
    const inner = toks.slice(open + 1, close);
    args = [];
    for (let i = 0; i < inner.length; i += 2) {
      if (inner[i].quoted || (i + 1 < inner.length && inner[i + 1].text !== ',')) throw new SchemaProblem(`type "${text}" has modifiers that are not a list of numbers or words`);
      args.push(modifier(inner[i].text, text));
    }
    words = [...toks.slice(0, open), ...toks.slice(close + 1)];
  }
  const plain = words.every((t) => !t.quoted && t.text !== '.');
  const name = words.map((t) => t.text).join(' ');
  const parts: NativeType = { engine: 'postgres', name };
  if (plain && isBuiltInPostgresType(name)) {
    if (args?.some((a) => typeof a !== 'number')) throw new SchemaProblem(`type "${text}" takes numbers as modifiers`);
  } else {
    // [schema .] name: a user-defined type, or an extension's.
    const dot = words.findIndex((t) => !t.quoted && t.text === '.');
    const nameParts = dot >= 0 ? [words.slice(0, dot), words.slice(dot + 1)] : [words];
    if (nameParts.some((p) => p.length !== 1) || nameParts.flat().some((t) => t.text === '.')) {
      throw new SchemaProblem(`"${text}" is not a PostgreSQL type name`);
    }
    parts.name = nameParts[nameParts.length - 1][0].text;
    parts.user = true;
    if (nameParts.length === 2 && nameParts[0][0].text !== ownSchema) parts.schema = nameParts[0][0].text;
  }
  if (args) parts.args = args;
  if (array) parts.array = array;
  return parts;
}

/** Writes a type from its parts; anything outside PostgreSQL's type grammar is refused. */
export function renderPostgresType(native: NativeType): string {
  if (native.labels || native.unsigned || native.zerofill || native.charset) throw new SchemaProblem(`type ${native.name} has parts only MySQL types have`);
  const args = native.args?.map((a) => {
    if (typeof a === 'number') return String(a);
    if (native.user && isPlainWord(a)) return a;
    throw new SchemaProblem(`type ${native.name} takes numbers as modifiers, not "${a}"`);
  });
  const brackets = '[]'.repeat(native.array ?? 0);
  if (native.user) {
    const qualified = native.schema ? `${quotePostgres(native.schema)}.${quotePostgres(native.name)}` : quotePostgres(native.name);
    return `${qualified}${args ? `(${args.join(',')})` : ''}${brackets}`;
  }
  if (!isBuiltInPostgresType(native.name)) throw new SchemaProblem(`"${native.name}" is not a PostgreSQL built-in type`);
  if (!args) return native.name + brackets;
  // time(3) with time zone, timestamp(6) without time zone: the precision follows the first word.
  const zoned = /^(time|timestamp) (with|without) time zone$/.exec(native.name);
  if (zoned) return `${zoned[1]}(${args.join(',')}) ${native.name.slice(zoned[1].length + 1)}${brackets}`;
  return `${native.name}(${args.join(',')})${brackets}`;
}
