import type { NativeType } from '../../schema/model';
import { SchemaProblem, isPlainWord } from '../../schema/problem';

/**
 * MySQL/MariaDB column types as information_schema's COLUMN_TYPE prints them, and back. A type is
 * written only from its parts: a name from the list below (DATA_TYPE's values), numeric
 * modifiers, ENUM/SET members as escaped literals, UNSIGNED, ZEROFILL and a character set.
 */
const BUILT_IN = new Set([
  'tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric', 'dec', 'fixed', 'float', 'double',
  'double precision', 'real', 'bit', 'bool', 'boolean', 'serial', 'char', 'varchar', 'binary', 'varbinary', 'tinytext', 'text', 'mediumtext',
  'longtext', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'enum', 'set', 'date', 'time', 'datetime', 'timestamp', 'year',
  'json', 'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection',
  'geomcollection', 'uuid', 'inet4', 'inet6', 'vector',
]);

/** A string literal for a MySQL session without NO_BACKSLASH_ESCAPES: quotes doubled, backslashes escaped. */
export function mysqlString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\0/g, '\\0')}'`;
}

/** The members of enum('a','it''s') as COLUMN_TYPE prints them (quotes doubled, backslashes escaped). */
function labelsOf(list: string, whole: string): string[] {
  const labels: string[] = [];
  let i = 0;
  while (i < list.length) {
    if (list[i] !== "'") throw new SchemaProblem(`type "${whole}" has members that are not quoted strings`);
    let label = '';
    let j = i + 1;
    for (;;) {
      if (j >= list.length) throw new SchemaProblem(`type "${whole}" has an unterminated member`);
      const c = list[j];
      if (c === "'" && list[j + 1] === "'") {
        label += "'";
        j += 2;
      } else if (c === "'") {
        break;
      } else if (c === '\\' && j + 1 < list.length) {
        const next = list[j + 1];
        label += next === '0' ? '\0' : next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next === 'Z' ? '\x1a' : next;
        j += 2;
      } else {
        label += c;
        j++;
      }
    }
    labels.push(label);
    i = j + 1;
    if (i < list.length) {
      if (list[i] !== ',') throw new SchemaProblem(`type "${whole}" has members not separated by commas`);
      i++;
    }
  }
  return labels;
}

/** COLUMN_TYPE ("int(10) unsigned zerofill", "enum('a','b')", "decimal(10,2)") in parts. */
export function parseMysqlType(text: string): NativeType {
  const m = /^([a-z][a-z0-9 ]*?)\s*(?:\((.*)\))?((?:\s+(?:unsigned|signed|zerofill))*)$/is.exec(text.trim());
  if (!m) throw new SchemaProblem(`"${text}" is not a MySQL column type`);
  const name = m[1].toLowerCase();
  if (!BUILT_IN.has(name)) throw new SchemaProblem(`"${text}" is not a MySQL column type`);
  const parts: NativeType = { engine: 'mysql', name };
  if (m[2] !== undefined) {
    if (name === 'enum' || name === 'set') parts.labels = labelsOf(m[2], text);
    else {
      const args = m[2].split(',').map((a) => a.trim());
      if (!args.every((a) => /^\d+$/.test(a))) throw new SchemaProblem(`type "${text}" takes numbers as modifiers`);
      parts.args = args.map(Number);
    }
  }
  const flags = m[3].toLowerCase();
  if (/unsigned/.test(flags)) parts.unsigned = true;
  if (/zerofill/.test(flags)) parts.zerofill = true;
  return parts;
}

/** Writes a column type from its parts; anything outside MySQL's type grammar is refused. */
export function renderMysqlType(native: NativeType): string {
  const name = native.name.toLowerCase();
  if (native.user || native.schema || native.array) throw new SchemaProblem(`type ${native.name} has parts only PostgreSQL types have`);
  if (!BUILT_IN.has(name)) throw new SchemaProblem(`"${native.name}" is not a MySQL column type`);
  let out = name.toUpperCase();
  if (name === 'enum' || name === 'set') {
    if (!native.labels?.length) throw new SchemaProblem(`${name.toUpperCase()} needs its members`);
    out += `(${native.labels.map(mysqlString).join(',')})`;
  } else if (native.labels) {
    throw new SchemaProblem(`only ENUM and SET have members, not ${native.name}`);
  } else if (native.args?.length) {
    if (!native.args.every((a) => typeof a === 'number' && a >= 0)) throw new SchemaProblem(`type ${native.name} takes numbers as modifiers`);
    out += `(${native.args.join(',')})`;
  }
  if (native.unsigned) out += ' UNSIGNED';
  if (native.zerofill) out += ' ZEROFILL';
  if (native.charset) {
    if (!isPlainWord(native.charset)) throw new SchemaProblem(`"${native.charset}" is not a character set name`);
    out += ` CHARACTER SET ${native.charset}`;
  }
  return out;
}
