import { randomInt } from 'node:crypto';
import type { Row, Table } from './schema/model';
import { throwIfAborted } from './errors';

/**
 * Legacy-id hygiene for exports (--randomize-legacy-ids): integer primary keys below 1,000,000,
 * the kind auto-increment hands out in every database alike, are replaced by random ids of
 * 1,000,000 and above, and every foreign key pointing at them is rewritten the same way. Two legacy
 * databases exported like this merge without their ids colliding.
 */
export const LEGACY_ID_LIMIT = 1_000_000;

/** Per table: its key column, and old id → new id. */
export type IdSubstitutions = Map<string, { column: string; map: Map<number, number> }>;

/** The largest id a column can hold that a random draw may use (crypto.randomInt stops at 2^48). */
function ceiling(type: string): number | undefined {
  if (type === 'integer') return 2 ** 31 - 1;
  if (type === 'bigint') return 2 ** 48 - 1;
  return undefined; // smallint cannot hold 1,000,000; other types are no counters
}

/**
 * Draws the substitutions for the tables' single-column integer primary keys. `keysOf(table)` gives
 * the ids that will be exported (every row's, or a slice's), in batches.
 */
export async function drawSubstitutions(tables: Table[], keysOf: (table: Table) => AsyncIterable<number[]>, signal?: AbortSignal): Promise<IdSubstitutions> {
  const out: IdSubstitutions = new Map();
  for (const table of tables) {
    if (table.primaryKey.length !== 1) continue;
    const column = table.primaryKey[0];
    const max = ceiling(table.columns.find((c) => c.name === column)!.type);
    if (max === undefined) continue;
    const legacy: number[] = [];
    // Ids already at or above the limit stay, so new ones must not land on them.
    const taken = new Set<number>();
    for await (const ids of keysOf(table)) {
      for (const id of ids) {
        if (id < LEGACY_ID_LIMIT) legacy.push(id);
        else taken.add(id);
      }
      throwIfAborted(signal);
    }
    if (!legacy.length) continue;
    const map = new Map<number, number>();
    for (const id of legacy) {
      let fresh: number;
      do fresh = randomInt(LEGACY_ID_LIMIT, max + 1);
      while (taken.has(fresh));
      taken.add(fresh);
      map.set(id, fresh);
    }
    out.set(table.name, { column, map });
  }
  return out;
}

/**
 * A function that rewrites a table's rows in place: its own remapped key, and every single-column
 * foreign key that points at a remapped key. Undefined when nothing in the table changes.
 */
export function rowRewriter(table: Table, substitutions: IdSubstitutions): ((rows: Row[]) => void) | undefined {
  const rewrites: Array<{ index: number; map: Map<number, number> }> = [];
  const own = substitutions.get(table.name);
  if (own) rewrites.push({ index: table.columns.findIndex((c) => c.name === own.column), map: own.map });
  for (const fk of table.foreignKeys) {
    const parent = substitutions.get(fk.references.table);
    if (!parent || fk.columns.length !== 1 || fk.references.columns[0] !== parent.column) continue;
    rewrites.push({ index: table.columns.findIndex((c) => c.name === fk.columns[0]), map: parent.map });
  }
  if (!rewrites.length) return undefined;
  return (rows) => {
    for (const row of rows) {
      for (const { index, map } of rewrites) {
        const fresh = typeof row[index] === 'number' ? map.get(row[index] as number) : undefined;
        if (fresh !== undefined) row[index] = fresh;
      }
    }
  };
}

/** The substitutions as the dump's metadata records them: { table: { "old": new } }. */
export function substitutionsRecord(substitutions: IdSubstitutions): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [table, { map }] of substitutions) out[table] = Object.fromEntries([...map].map(([o, n]) => [String(o), n]));
  return out;
}
