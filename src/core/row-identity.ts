import { createHash } from 'node:crypto';
import type { Reader } from './engines/adapter';
import type { Column, Table } from './schema/model';
import { DbPorterError, throwIfAborted } from './errors';

/**
 * What tells one row of a table from the others, for partial exports: they dedupe, read back and
 * delete rows by it. Real-world schemas have link tables keyed only by a unique key, so that counts
 * too, provided it can hold no NULL (a unique key lets NULLs repeat).
 */
export function rowIdentity(table: Table): string[] | undefined {
  if (table.primaryKey.length) return table.primaryKey;
  const notNull = (names: string[]) => names.every((n) => table.columns.find((c) => c.name === n)?.nullable === false);
  return uniqueKeys(table)
    .filter(notNull)
    .sort((a, b) => a.length - b.length)[0];
}

function uniqueKeys(table: Table): string[][] {
  return [...table.uniques.map((u) => u.columns), ...table.indexes.filter((i) => i.unique).map((i) => i.columns)];
}

/** How a foreign key's columns read in a message: films.id, or film_actor (film_id, actor_id). */
export function columnsOf(table: string, columns: string[]): string {
  return columns.length === 1 ? `${table}.${columns[0]}` : `${table} (${columns.join(', ')})`;
}

/**
 * Sets of columns that could become the table's primary key, fewest columns first: its unique keys
 * (which allow NULLs, or rowIdentity would have taken them), an id column, each foreign key, all
 * foreign-key columns together (the usual key of a link table), and all columns.
 */
function keyCandidates(table: Table): string[][] {
  const inTableOrder = (names: Set<string>) => table.columns.map((c) => c.name).filter((n) => names.has(n));
  const idColumns = table.columns.filter((c) => new RegExp(`^(${escapeRegExp(table.name)}_?)?id$`, 'i').test(c.name)).map((c) => [c.name]);
  // JSON cannot be compared for equality on every engine, so no key can hold it.
  const comparable = table.columns.filter((c) => c.type !== 'json').map((c) => c.name);
  const sets = [
    ...uniqueKeys(table),
    ...idColumns,
    ...table.foreignKeys.map((f) => f.columns),
    inTableOrder(new Set(table.foreignKeys.flatMap((f) => f.columns))),
    comparable,
  ];
  const distinct = new Map<string, string[]>();
  for (const set of sets) {
    const id = [...set].sort().join('\u0000');
    if (set.length && !distinct.has(id)) distinct.set(id, set);
  }
  return [...distinct.values()].sort((a, b) => a.length - b.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * 53 bits of a SHA-1 of a row's values: the check below keeps one per row and candidate, and a
 * number stays small where the text of a wide row would not. A collision only makes a set look
 * not unique, which at worst suggests a wider key.
 */
function digest(text: string): number {
  const d = createHash('sha1').update(text).digest();
  return d.readUInt32BE(0) * 2 ** 21 + (d.readUInt32BE(4) >>> 11);
}

/** The first of `candidates` that is unique and free of NULLs in the table's rows now, read in one pass. */
async function firstUsableKey(reader: Reader, table: Table, candidates: string[][], signal?: AbortSignal): Promise<string[] | undefined> {
  const columns: Column[] = table.columns.filter((c) => candidates.some((set) => set.includes(c.name)));
  const checks = candidates.map((set) => ({ set, at: set.map((n) => columns.findIndex((c) => c.name === n)), seen: new Set<number>(), usable: true }));
  for await (const batch of reader.rows(table.name, columns, signal)) {
    for (const row of batch) {
      for (const check of checks) {
        if (!check.usable) continue;
        const values = check.at.map((i) => row[i]);
        const key = digest(JSON.stringify(values));
        if (values.includes(null) || check.seen.has(key)) {
          check.usable = false;
          check.seen.clear();
        } else check.seen.add(key);
      }
    }
    // Read on to the end even when no set is left: stopping a read early cancels it on PostgreSQL,
    // and the transaction with it.
    throwIfAborted(signal);
  }
  return checks.find((c) => c.usable)?.set;
}

/**
 * The error for a table the slice reached that has no row identity: which table, how the walk got
 * there (`via`), and a primary key that the data as it is now would take.
 */
export async function keylessTableError(reader: Reader, table: Table, via: string, signal?: AbortSignal): Promise<DbPorterError> {
  const candidates = keyCandidates(table);
  const key = await firstUsableKey(reader, table, candidates, signal);
  const problem = `Table "${table.name}" (${via}) has no primary key and no unique key on NOT NULL columns, so a partial export cannot tell its rows apart.`;
  if (key) return new DbPorterError('UNSUPPORTED', `${problem} Add a primary key, e.g. PRIMARY KEY (${key.join(', ')}): those columns are unique and never NULL in the data now.`);
  const tried = candidates.map((set) => `(${set.join(', ')})`).join(', ');
  return new DbPorterError(
    'UNSUPPORTED',
    `${problem} No set of its columns is unique and free of NULLs in the data now (checked ${tried}): it holds duplicate rows or NULLs. Remove them and add a primary key, or export the whole database instead of a slice.`,
  );
}
