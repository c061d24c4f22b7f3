import type { NativeType } from '../../schema/model';
import { SchemaProblem, isPlainWord } from '../../schema/problem';

/**
 * SQLite declared types: any words, then optional "(n)" or "(n, m)" (SQLite's typetoken). Words
 * that begin a column constraint cannot be part of a type name; a type with one would be a
 * constraint in disguise (INTEGER DEFAULT ...), so it is refused.
 */
const CONSTRAINT_WORDS = new Set([
  'CONSTRAINT', 'PRIMARY', 'NOT', 'NULL', 'UNIQUE', 'CHECK', 'DEFAULT', 'COLLATE', 'REFERENCES', 'GENERATED', 'AS', 'ON',
  'AUTOINCREMENT', 'ASC', 'DESC', 'CONFLICT', 'FOREIGN', 'KEY', 'STORED', 'VIRTUAL', 'ALWAYS',
]);

/** A declared type ("VARCHAR(20)", "DECIMAL TEXT(40,20)", "BLOB SUB_TYPE TEXT") in parts. */
export function parseSqliteType(text: string): NativeType {
  const m = /^([^()]*?)\s*(?:\(\s*([+-]?\d+)\s*(?:,\s*([+-]?\d+)\s*)?\))?\s*$/.exec(text.trim());
  if (!m) throw new SchemaProblem(`"${text}" is not a SQLite type name`);
  const name = m[1].trim().split(/\s+/).join(' ');
  checkWords(name, text);
  const parts: NativeType = { engine: 'sqlite', name };
  if (m[2] !== undefined) parts.args = [Number(m[2]), ...(m[3] !== undefined ? [Number(m[3])] : [])];
  return parts;
}

function checkWords(name: string, whole: string): void {
  const words = name.split(' ');
  for (const word of words) {
    if (!isPlainWord(word)) throw new SchemaProblem(`"${whole}" is not a SQLite type name (a type is words of letters, digits and underscores)`);
    if (CONSTRAINT_WORDS.has(word.toUpperCase())) throw new SchemaProblem(`"${whole}" is not a SQLite type name: "${word}" would begin a column constraint`);
  }
}

/** Writes a declared type from its parts; anything outside SQLite's type grammar is refused. */
export function renderSqliteType(native: NativeType): string {
  if (native.user || native.schema || native.array || native.labels || native.unsigned || native.zerofill || native.charset) {
    throw new SchemaProblem(`type ${native.name} has parts SQLite types do not have`);
  }
  checkWords(native.name, native.name);
  if (!native.args?.length) return native.name;
  if (native.args.length > 2 || !native.args.every((a) => typeof a === 'number')) throw new SchemaProblem(`type ${native.name} takes one or two numbers as modifiers`);
  return `${native.name}(${native.args.join(',')})`;
}
