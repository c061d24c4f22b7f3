import type { NativeFormat, Writer } from './engines/adapter';
import type { TableEvent } from './dump/format';
import type { Column, Row, Table } from './schema/model';
import type { Progress } from './progress';
import { DbPorterError } from './errors';
import { rebatch } from './batches';
import type { LedgerWriter } from './ledger';
import { MERGE_BATCH_ROWS, type Merger } from './merge/merger';
import type { BulkPiece, BulkRequest } from './dump/bulk-text';
import { nativeField } from './engines';
import { backEdges } from './schema/order';

/**
 * What import and copy share: getting a target ready for incoming tables and writing their rows.
 *
 * merge    inserts new rows; a row that collides on a primary or unique key is merged into the
 *          existing row by a strategy or resolver (merge/merger.ts); by default the existing row stays
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
  /** Rows inserted as new rows. */
  inserted: number;
  /** Rows that collided with a target row and changed it (merge mode). */
  merged: number;
  /** Rows that collided and left the target's row as it was. */
  skipped: number;
  created: boolean;
}

export interface LoadResult {
  mode: LoadMode;
  tables: TableResult[];
  rows: number;
  inserted: number;
  merged: number;
  durationMs: number;
}

export interface TablePlan {
  /** The incoming table (as created, when it was). */
  table: Table;
  /** The table as the target has it, keys and all; the incoming table when it is created. */
  target: Table;
  created: boolean;
  /** Created or emptied by this unit: its rows cannot collide with rows that were there. */
  fresh: boolean;
}

/**
 * Creates the incoming tables the target lacks, empties them in replace mode, checks that every
 * incoming column exists in the tables that were already there, and has the engine hold back the
 * foreign keys that cannot be checked as the rows come (deferBackEdges). `incoming` is in the
 * order the tables' rows will come.
 */
export async function prepareTarget(
  writer: Writer,
  incoming: Table[],
  mode: LoadMode,
  options: { replaceDatabase?: boolean; dryRun?: boolean } = {},
): Promise<Map<string, TablePlan>> {
  const target = await writer.introspect();
  if (options.replaceDatabase && !options.dryRun) {
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
      plans.set(table.name, { table, target: there, created: false, fresh: mode === 'replace' || Boolean(options.replaceDatabase) });
    } else {
      // A foreign key to a table that exists on neither side cannot be created; the rows still can.
      const creatable = { ...table, foreignKeys: table.foreignKeys.filter((fk) => known.has(fk.references.table)) };
      toCreate.push(creatable);
      plans.set(table.name, { table: creatable, target: creatable, created: true, fresh: true });
    }
  }
  // A dry run checks what it can and changes nothing: tables it would create count as created.
  if (options.dryRun) return plans;
  if (toCreate.length) await writer.createTables(toCreate);
  if (mode === 'replace') {
    const toEmpty = incoming.map((t) => t.name).filter((name) => existing.has(name));
    if (toEmpty.length) await writer.emptyTables(toEmpty);
  }
  await deferBackEdges(writer, incoming, plans);
  return plans;
}

/**
 * Rows go in a table at a time, in the order the tables come (`incoming`: the dump's order, or the
 * copy's). A foreign key of a table that was already there and points at its own table or at one
 * still to come cannot hold while they arrive; the engine checks those at the end of the unit.
 * The keys are the target's, which may differ from the incoming ones. Tables created here need
 * nothing: the engines add their keys after the rows, or check none while loading.
 */
async function deferBackEdges(writer: Writer, incoming: Table[], plans: Map<string, TablePlan>): Promise<void> {
  const edges = backEdges(incoming.map((t) => plans.get(t.name)!.target)).filter((e) => !plans.get(e.table)!.created);
  if (edges.length && writer.deferForeignKeys) await writer.deferForeignKeys(edges);
}

/** What loading a table needs besides its rows: made once per unit of writing, for import and copy alike. */
export interface Loading {
  writer: Writer;
  mode: LoadMode;
  /** Merge mode: settles collisions and re-points references (absent in the other modes). */
  merger?: Merger;
  /** Records the rows written (imports). */
  ledger?: LedgerWriter;
  /** Count, settle and check, but write nothing. */
  dryRun: boolean;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Counts per table, added to as rows go in. */
  results: Map<string, TableResult>;
  /** The target's own bulk text (Adapter.nativeFormat): whole tables kept in it can go in as they are. */
  nativeFormat?: NativeFormat;
}

/** Rows per stream into the bulk path before the ledger records their keys: bounds the keys held. */
const SEGMENT_ROWS = 100_000;

/**
 * Loads a stream of rows into one table. Where the table held rows before (merge mode) they are
 * merged a batch at a time; otherwise they stream through the engine's bulk path, in segments
 * after each of which the ledger records the keys the segment brought in.
 */
export async function loadTable(loading: Loading, plan: TablePlan, rows: AsyncIterable<Row[]>, rowsTotal?: number): Promise<void> {
  const { table } = plan;
  const { merger, ledger, results } = loading;
  const progress = () => loading.onProgress?.({ table: table.name, rowsDone: results.get(table.name)?.rows ?? 0, rowsTotal });
  if (merger && !plan.fresh) {
    for await (const batch of rebatch(rows, MERGE_BATCH_ROWS)) {
      merger.repoint(table.name, table.columns, batch);
      const count = await merger.mergeBatch(plan.target, table.columns, batch);
      await ledger?.record(table.name, count.written);
      tally(results, plan, { rows: batch.length, ...count });
      progress();
    }
    return;
  }
  const pk = keyPositions(table);
  const keyed = pk.length > 0;
  const it = rows[Symbol.asyncIterator]();
  let done = false;
  while (!done) {
    const keys: Row[] = [];
    const singles: unknown[] = [];
    let taken = 0;
    const segment = async function* () {
      while (taken < SEGMENT_ROWS) {
        const next = await it.next();
        if (next.done) {
          done = true;
          return;
        }
        merger?.repoint(table.name, table.columns, next.value);
        if (ledger && keyed && pk.length === 1) for (const r of next.value) singles.push(r[pk[0]]);
        else if (ledger && keyed) for (const r of next.value) keys.push(pk.map((p) => r[p]));
        taken += next.value.length;
        yield next.value;
      }
    };
    let count: { rows: number; inserted: number };
    if (loading.dryRun) {
      for await (const batch of segment()) void batch;
      count = { rows: taken, inserted: taken };
    } else {
      count = await loadRows(loading.writer, table.name, table.columns, segment(), loading.mode, {
        signal: loading.signal,
        onProgress: loading.onProgress,
        rowsTotal,
        rowsBefore: results.get(table.name)?.rows,
        fresh: plan.fresh,
      });
    }
    await ledger?.record(table.name, keys, singles);
    tally(results, plan, count);
  }
}

/**
 * Whether a table's rows may come as the target's own bulk text, straight from the dump
 * (dump/bulk-text.ts), and how: where nothing needs them as values. The table is fresh, so no row
 * merges; no reference in it needs re-pointing; it is not a dry run. The ledger gets the keys.
 */
export function bulkRequest(loading: Loading, plan: TablePlan | undefined): BulkRequest | undefined {
  const { writer, nativeFormat } = loading;
  if (!plan?.fresh || loading.dryRun || !nativeFormat || !writer.writeNativeRows || loading.merger?.movesInto(plan.table.name)) return undefined;
  return { field: nativeField(nativeFormat), keys: loading.ledger ? keyPositions(plan.table) : [], createdTable: plan.created };
}

/** Positions of the primary key's columns, which the ledger records; none when the table has no usable key. */
function keyPositions(table: Table): number[] {
  const pk = table.primaryKey.map((n) => table.columns.findIndex((c) => c.name === n));
  return pk.every((p) => p >= 0) ? pk : [];
}

/**
 * Loads a table's rows that come as the target's bulk text (see bulkRequest), in segments after
 * each of which the ledger records the keys the segment brought in, as loadTable does.
 */
export async function loadBulk(loading: Loading, plan: TablePlan, pieces: AsyncIterable<BulkPiece>, rowsTotal?: number): Promise<void> {
  const { table } = plan;
  const { writer, ledger, results } = loading;
  const it = pieces[Symbol.asyncIterator]();
  let next = await it.next();
  while (!next.done) {
    const keys: Row[] = [];
    const singles: unknown[] = [];
    let taken = 0;
    const segment = async function* () {
      while (!next.done && taken < SEGMENT_ROWS) {
        const piece = next.value;
        for (const k of piece.keys) keys.push(k);
        for (const k of piece.singles) singles.push(k);
        taken += piece.rows;
        yield piece.text;
        next = await it.next();
      }
    };
    const before = results.get(table.name)?.rows ?? 0;
    const count = await writer.writeNativeRows!(table.name, table.columns, segment(), {
      signal: loading.signal,
      onRows: (rowsDone) => loading.onProgress?.({ table: table.name, rowsDone: before + rowsDone, rowsTotal }),
    });
    if (count.rows !== taken) {
      throw new DbPorterError('WRITE_FAILED', `Table "${table.name}": the database took ${count.rows} rows where ${taken} were sent. Nothing was written.`);
    }
    await ledger?.record(table.name, keys, singles);
    tally(results, plan, count);
  }
}

/**
 * Loads a whole table given at once (a backup's, see TableEvent). Rows kept in the target engine's
 * own bulk text go in as they are when nothing needs them one by one: the table is fresh, and
 * there is no merge, ledger or dry run. Otherwise they load as rows, like a dump's. Either way the
 * table must take exactly as many rows as the archive says it holds.
 */
export async function loadWholeTable(loading: Loading, plan: TablePlan, event: TableEvent): Promise<void> {
  const { table } = plan;
  const { writer, results } = loading;
  const before = results.get(table.name)?.rows ?? 0;
  const native = event.native;
  if (native && native.format === loading.nativeFormat && writer.writeNativeRows && plan.fresh && !loading.merger && !loading.ledger && !loading.dryRun) {
    const count = await writer.writeNativeRows(table.name, table.columns, native.bytes(), {
      signal: loading.signal,
      onRows: (rowsDone) => loading.onProgress?.({ table: table.name, rowsDone: before + rowsDone, rowsTotal: event.rows }),
    });
    tally(results, plan, count);
  } else {
    await loadTable(loading, plan, event.batches(loading.signal), event.rows);
  }
  const loaded = (results.get(table.name)?.rows ?? 0) - before;
  if (loaded !== event.rows) {
    throw new DbPorterError('ARCHIVE_INVALID', `Table "${table.name}" in the archive holds ${loaded} rows, but the archive says ${event.rows}: it is damaged. Nothing was written.`);
  }
}

async function loadRows(
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
export function tally(results: Map<string, TableResult>, plan: TablePlan, count: { rows: number; inserted: number; merged?: number }): void {
  const r = results.get(plan.table.name) ?? { table: plan.table.name, rows: 0, inserted: 0, merged: 0, skipped: 0, created: plan.created };
  r.rows += count.rows;
  r.inserted += count.inserted;
  r.merged += count.merged ?? 0;
  r.skipped = r.rows - r.inserted - r.merged;
  results.set(plan.table.name, r);
}

export function summarize(mode: LoadMode, results: Map<string, TableResult>, started: number): LoadResult {
  const tables = [...results.values()];
  return {
    mode,
    tables,
    rows: tables.reduce((n, t) => n + t.rows, 0),
    inserted: tables.reduce((n, t) => n + t.inserted, 0),
    merged: tables.reduce((n, t) => n + t.merged, 0),
    durationMs: Date.now() - started,
  };
}
