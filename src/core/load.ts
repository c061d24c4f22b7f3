import type { Writer } from './engines/adapter';
import type { Column, Row, Table } from './schema/model';
import type { Progress } from './progress';
import { DbPorterError } from './errors';

/**
 * What import and copy share: getting a target ready for incoming tables and writing their rows.
 *
 * merge    inserts new rows; on a primary or unique key collision the existing row stays
 * replace  empties the incoming tables first, then inserts
 * append   inserts; a collision fails the whole operation
 */
export type LoadMode = 'merge' | 'replace' | 'append';
export const LOAD_MODES: readonly LoadMode[] = ['merge', 'replace', 'append'];

/**
 * The load mode a front end's options name, the same for all of them: an explicit mode, or
 * "truncate" (true empties the tables first: replace; false refuses collisions: append);
 * merge when neither is given. `names` are how the front end spells the two options.
 */
export function loadModeFrom(options: { mode?: string; truncate?: boolean }, names = { mode: 'mode', truncate: 'truncate' }): LoadMode {
  const fromTruncate = options.truncate === undefined ? undefined : options.truncate ? 'replace' : 'append';
  if (options.mode !== undefined && fromTruncate !== undefined && options.mode !== fromTruncate) {
    throw new DbPorterError('BAD_ARGUMENT', `${names.mode} and ${names.truncate} disagree (${options.mode} vs ${fromTruncate}); give one.`);
  }
  const value = options.mode ?? fromTruncate ?? 'merge';
  if (!(LOAD_MODES as readonly string[]).includes(value)) {
    throw new DbPorterError('BAD_ARGUMENT', `Unknown mode "${value}". Use one of: ${LOAD_MODES.join(', ')}.`);
  }
  return value as LoadMode;
}

export interface TableResult {
  table: string;
  /** Rows that came in. */
  rows: number;
  /** Rows written; in merge mode the rest collided and were skipped. */
  inserted: number;
  skipped: number;
  created: boolean;
}

export interface LoadResult {
  mode: LoadMode;
  tables: TableResult[];
  rows: number;
  inserted: number;
  durationMs: number;
}

export interface TablePlan {
  table: Table;
  created: boolean;
}

/**
 * Creates the incoming tables the target lacks, empties them in replace mode, and checks that
 * every incoming column exists in the tables that were already there.
 */
export async function prepareTarget(writer: Writer, incoming: Table[], mode: LoadMode, options: { replaceDatabase?: boolean } = {}): Promise<Map<string, TablePlan>> {
  const target = await writer.introspect();
  if (options.replaceDatabase) {
    // A restore: the target becomes exactly the incoming tables, nothing of what was there stays.
    await writer.dropTables(target.tables.map((t) => t.name));
    target.tables = [];
  }
  const existing = new Map(target.tables.map((t) => [t.name, t]));
  const known = new Set([...existing.keys(), ...incoming.map((t) => t.name)]);
  const plans = new Map<string, TablePlan>();
  const toCreate: Table[] = [];
  for (const table of incoming) {
    const there = existing.get(table.name);
    if (there) {
      const columns = new Set(there.columns.map((c) => c.name));
      const missing = table.columns.find((c) => !columns.has(c.name));
      if (missing) {
        throw new DbPorterError(
          'UNKNOWN_COLUMN',
          `Table "${table.name}" in the target has no column "${missing.name}", which the incoming data has. Add the column to the target table, or import into a database without that table; nothing was written.`,
        );
      }
      plans.set(table.name, { table, created: false });
    } else {
      // A foreign key to a table that exists on neither side cannot be created; the rows still can.
      const creatable = { ...table, foreignKeys: table.foreignKeys.filter((fk) => known.has(fk.references.table)) };
      toCreate.push(creatable);
      plans.set(table.name, { table: creatable, created: true });
    }
  }
  if (toCreate.length) await writer.createTables(toCreate);
  if (mode === 'replace') {
    const toEmpty = incoming.map((t) => t.name).filter((name) => existing.has(name));
    if (toEmpty.length) await writer.emptyTables(toEmpty);
  }
  return plans;
}

export async function loadRows(
  writer: Writer,
  table: string,
  columns: Column[],
  batches: AsyncIterable<Row[]>,
  mode: LoadMode,
  report: { signal?: AbortSignal; onProgress?: (p: Progress) => void; rowsTotal?: number; rowsBefore?: number; fresh?: boolean },
): Promise<{ rows: number; inserted: number }> {
  const before = report.rowsBefore ?? 0;
  // Only rows that were there before can collide: a table just created or emptied takes the
  // engine's fastest path, as in append mode.
  const fresh = report.fresh ?? false;
  return writer.writeRows(table, columns, batches, {
    onConflict: mode === 'merge' && !fresh ? 'skip' : 'error',
    signal: report.signal,
    onRows: (rowsDone) => report.onProgress?.({ table, rowsDone: before + rowsDone, rowsTotal: report.rowsTotal }),
  });
}

/** Adds one table's counts to the running results (a table may arrive in several runs). */
export function tally(results: Map<string, TableResult>, plan: TablePlan, count: { rows: number; inserted: number }): void {
  const r = results.get(plan.table.name) ?? { table: plan.table.name, rows: 0, inserted: 0, skipped: 0, created: plan.created };
  r.rows += count.rows;
  r.inserted += count.inserted;
  r.skipped = r.rows - r.inserted;
  results.set(plan.table.name, r);
}

export function summarize(mode: LoadMode, results: Map<string, TableResult>, started: number): LoadResult {
  const tables = [...results.values()];
  return {
    mode,
    tables,
    rows: tables.reduce((n, t) => n + t.rows, 0),
    inserted: tables.reduce((n, t) => n + t.inserted, 0),
    durationMs: Date.now() - started,
  };
}
