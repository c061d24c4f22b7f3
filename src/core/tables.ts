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
