import type { Adapter, Reader } from './engines/adapter';
import type { DatabaseSchema, SchemaNote, Table, UserType } from './schema/model';
import { notCarried } from './schema/report';
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

/**
 * The schema an operation on some tables carries: those tables, the objects attached to them
 * (triggers, rules, the sequences they own or use) and what their columns need (types, collations,
 * functions, extensions). Views are left behind when not every table is taken: a view may read
 * the others. The whole schema when every table is taken.
 */
export function schemaOfTables(schema: DatabaseSchema, tables: Table[]): { schema: DatabaseSchema; notes: SchemaNote[] } {
  const names = new Set(tables.map((t) => t.name));
  const notes = [...(schema.notes ?? [])];
  if (schema.tables.every((t) => names.has(t.name))) return { schema: { ...schema, tables, ...(notes.length ? { notes } : {}) }, notes };
  const out: DatabaseSchema = { engine: schema.engine, tables };
  const types = typesUsedBy(schema, tables);
  if (types.length) out.types = types;
  const sequences = (schema.sequences ?? []).filter(
    (s) => (s.ownedBy && names.has(s.ownedBy.table)) || tables.some((t) => t.columns.some((c) => c.default?.kind === 'sequence' && c.default.sequence === s.name)),
  );
  if (sequences.length) out.sequences = sequences;
  const triggers = (schema.triggers ?? []).filter((t) => names.has(t.table));
  if (triggers.length) out.triggers = triggers;
  const rules = (schema.rules ?? []).filter((r) => names.has(r.table));
  if (rules.length) out.rules = rules;
  // Functions and extensions depend on no table when they are created; triggers and defaults may need them.
  for (const key of ['collations', 'routines', 'extensions'] as const) if (schema[key]?.length) (out as Record<string, unknown>)[key] = schema[key];
  for (const view of schema.views ?? []) {
    notes.push(notCarried(view.materialized ? 'materialized view' : 'view', view.name, 'only some tables were taken, and a view may read the others'));
  }
  if (notes.length) out.notes = notes;
  return { schema: out, notes };
}

/** The user-defined types the tables' columns use, with the types those are made of. */
function typesUsedBy(schema: DatabaseSchema, tables: Table[]): UserType[] {
  const byName = new Map((schema.types ?? []).map((t) => [t.name, t]));
  const used = new Set<string>();
  const visit = (name: string | undefined) => {
    const type = name !== undefined ? byName.get(name) : undefined;
    if (!type || used.has(name!)) return;
    used.add(name!);
    if (type.kind === 'domain' && type.base.user) visit(type.base.name);
    if (type.kind === 'composite') for (const a of type.attributes) if (a.native.user) visit(a.native.name);
  };
  for (const t of tables) for (const c of t.columns) if (c.native?.user) visit(c.native.name);
  return (schema.types ?? []).filter((t) => used.has(t.name));
}
