import type { Adapter, Reader } from './engines/adapter';
import type { DatabaseSchema, Table } from './schema/model';
import { DbPorterError } from './errors';
import { loadOrder } from './schema/order';

/** The tables an operation covers: all of them, or the named ones; parents first either way. */
export function selectTables(schema: DatabaseSchema, names: string[] | undefined, where: string): Table[] {
  if (!names?.length) return loadOrder(schema.tables);
  const byName = new Map(schema.tables.map((t) => [t.name, t]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length) {
    const available = schema.tables.map((t) => t.name).join(', ') || '(none)';
    throw new DbPorterError('UNKNOWN_TABLE', `${where} has no table ${unknown.map((n) => `"${n}"`).join(', ')}. Tables there: ${available}.`);
  }
  return loadOrder([...new Set(names)].map((n) => byName.get(n)!));
}

/** Rows per table, counted through one reader (so in one snapshot). */
export async function rowCountsOf(reader: Reader, tables: Table[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t.name] = await reader.countRows(t.name);
  return counts;
}

/** Rows of every table of the database. */
export async function countAllRows(adapter: Adapter): Promise<Record<string, number>> {
  const schema = await adapter.introspect();
  return adapter.read((reader) => rowCountsOf(reader, schema.tables));
}
