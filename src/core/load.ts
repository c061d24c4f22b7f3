import type { NativeFormat, Writer } from './engines/adapter';
import type { TableEvent } from './dump/format';
import type { Column, DatabaseSchema, Row, SchemaNote, Table } from './schema/model';
import type { Dialect } from './schema/dialect';
import { adaptSchema, type TargetSchema } from './schema/adapt';
import { notCarried, sortNotes } from './schema/report';
import { dialectOf } from './engines/dialects';
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
  /** What the schema the load created adapted or left behind (schema/report.ts). */
  notes: SchemaNote[];
  rows: number;
  inserted: number;
  merged: number;
  durationMs: number;
}

export interface TablePlan {
  /**
   * The incoming table as it loads: the columns rows are written to, in the incoming order (a
   * column the target computes, a generated one, is not written). Rows of the incoming table
   * with every column go through `project` first.
   */
  table: Table;
  /** From a row of every incoming column to one of `table`'s columns; absent when they are the same. */
  project?: (row: Row) => Row;
  /** The table as the target has it, keys and all; the incoming table when it is created. */
  target: Table;
  created: boolean;
  /** Created or emptied by this unit: its rows cannot collide with rows that were there. */
  fresh: boolean;
}

/** Where an incoming schema comes from, for adaptSchema: whether its SQL may run, and whether it is a dump's. */
export interface SchemaOrigin {
  /** A copy from a database, a restore of a backup, or an import told --trust-dump. */
  trusted: boolean;
  fromDump: boolean;
}

export interface PreparedTarget {
  plans: Map<string, TablePlan>;
  /** What the tables and objects created here adapted or left behind (the schema report). */
  notes: SchemaNote[];
  /** What is (or, in a dry run, would be) created: the target's engine's schema. */
  created: TargetSchema;
  /** Tables that were there and are emptied first (replace mode). */
  emptied: string[];
}

/**
 * Creates what the incoming schema holds that the target lacks (tables, and the types, sequences,
 * views and other objects of the database), made for the target's engine by adaptSchema; empties
 * the incoming tables in replace mode; checks that every incoming column exists in the tables that
 * were already there (whose definition stays as it is: only their rows change); and has the engine
 * hold back the foreign keys that cannot be checked as the rows come (deferBackEdges).
 * `incoming.tables` are in the order the tables' rows will come.
 */
export async function prepareTarget(
  writer: Writer,
  dialect: Dialect,
  incoming: DatabaseSchema,
  mode: LoadMode,
  options: SchemaOrigin & { replaceDatabase?: boolean; dryRun?: boolean },
): Promise<PreparedTarget> {
  const target = await writer.introspect();
  // A restore: the target becomes exactly the incoming schema, nothing of what was there stays.
  if (options.replaceDatabase && !options.dryRun) await writer.clear();
  const prepared = planTarget(target, dialect, incoming, mode, options);
  // A dry run checks what it can and changes nothing: tables it would create count as created.
  if (options.dryRun) return prepared;
  await writer.createSchema(prepared.created);
  if (prepared.emptied.length) await writer.emptyTables(prepared.emptied);
  await deferBackEdges(writer, incoming.tables, prepared.plans);
  return prepared;
}

/**
 * What prepareTarget does to a target that holds `target` (as introspected), decided without
 * touching it: the plans, the schema to create, the tables to empty, and the report.
 */
export function planTarget(
  target: DatabaseSchema,
  dialect: Dialect,
  incoming: DatabaseSchema,
  mode: LoadMode,
  options: SchemaOrigin & { replaceDatabase?: boolean },
): PreparedTarget {
  // A restore clears the target: of what was there only what clear() keeps (extensions) matters.
  if (options.replaceDatabase) target = { engine: target.engine, tables: [], ...(target.extensions ? { extensions: target.extensions } : {}) };
  const adaptation = adaptSchema(incoming, { dialect, sourceDialect: dialectOf(incoming.engine), trusted: options.trusted, fromDump: options.fromDump, existing: target });
  const existing = new Map(target.tables.map((t) => [t.name, t]));
  const known = new Set([...existing.keys(), ...incoming.tables.map((t) => t.name)]);
  const plans = new Map<string, TablePlan>();
  const toCreate: Table[] = [];
  const notes: SchemaNote[] = [];
  for (const table of adaptation.schema.tables) {
    const there = existing.get(table.name);
    if (there) {
      checkColumns(table, there);
      plans.set(table.name, { ...written(table, there), target: there, created: false, fresh: mode === 'replace' || Boolean(options.replaceDatabase) });
      continue;
    }
    // A foreign key to a table that exists on neither side cannot be created; the rows still can.
    const creatable = { ...table, foreignKeys: table.foreignKeys.filter((fk) => known.has(fk.references.table)) };
    for (const fk of table.foreignKeys.filter((f) => !known.has(f.references.table))) {
      notes.push(notCarried('foreign key', fk.name ?? fk.columns.join(', '), `it references table "${fk.references.table}", which is neither among the incoming tables nor in the target`, table.name));
    }
    toCreate.push(creatable);
    plans.set(table.name, { ...written(creatable, creatable), target: creatable, created: true, fresh: true });
  }
  // What the report says of a table that was there already is not so: its definition stays as it is.
  notes.push(...adaptation.notes.filter((n) => n.table === undefined || !existing.has(n.table)));
  const created = objectsMissingFrom(target, { ...adaptation.schema, tables: toCreate } as TargetSchema);
  const emptied = mode === 'replace' ? incoming.tables.map((t) => t.name).filter((name) => existing.has(name)) : [];
  return { plans, notes, created, emptied };
}

/** The incoming table with only the columns rows are written to: not those the target computes. */
function written(incoming: Table, target: Table): Pick<TablePlan, 'table' | 'project'> {
  const computed = new Set(target.columns.filter((c) => c.generated).map((c) => c.name));
  if (!computed.size) return { table: incoming };
  const table = { ...incoming, columns: incoming.columns.filter((c) => !computed.has(c.name)) };
  return { table, project: projector(incoming.columns, table.columns) };
}

/** Rows of columns `from` as rows of columns `to` (a subset, by name); undefined when nothing changes. */
export function projector(from: Column[], to: Column[]): ((row: Row) => Row) | undefined {
  const positions = to.map((c) => from.findIndex((f) => f.name === c.name));
  if (positions.some((p) => p < 0)) throw new Error(`projector: ${to.map((c) => c.name).join(', ')} is not a subset of ${from.map((c) => c.name).join(', ')}`);
  if (positions.length === from.length && positions.every((p, i) => p === i)) return undefined;
  return (row) => positions.map((p) => row[p]);
}

/** Batches of rows through a projection (see projector). */
export async function* projected(batches: AsyncIterable<Row[]>, project: ((row: Row) => Row) | undefined): AsyncIterable<Row[]> {
  if (!project) return yield* batches;
  for await (const batch of batches) yield batch.map(project);
}

function checkColumns(table: Table, there: Table): void {
  const columns = new Set(there.columns.map((c) => c.name));
  const missing = table.columns.find((c) => !columns.has(c.name));
  if (missing) {
    throw new DbPorterError(
      'UNKNOWN_COLUMN',
      `Table "${table.name}" in the target has no column "${missing.name}", which the incoming data has. Add the column to the target table, or import into a database without that table; nothing was written.`,
    );
  }
}

/** The database-level objects of `schema` that the target does not have yet (by name), with its tables. */
function objectsMissingFrom(target: DatabaseSchema, schema: TargetSchema): TargetSchema {
  const absent = <T extends { name: string }>(items: T[] | undefined, there: T[] | undefined): T[] | undefined => {
    const names = new Set((there ?? []).map((i) => i.name));
    const left = items?.filter((i) => !names.has(i.name));
    return left?.length ? left : undefined;
  };
  const out: DatabaseSchema = { engine: schema.engine, tables: schema.tables };
  const types = absent(schema.types, target.types);
  if (types) out.types = types;
  const collations = absent(schema.collations, target.collations);
  if (collations) out.collations = collations;
  const sequences = absent(schema.sequences, target.sequences);
  if (sequences) out.sequences = sequences;
  const views = absent(schema.views, target.views);
  if (views) out.views = views;
  const routines = absent(schema.routines, target.routines);
  if (routines) out.routines = routines;
  const triggers = absent(schema.triggers, target.triggers);
  if (triggers) out.triggers = triggers;
  const rules = absent(schema.rules, target.rules);
  if (rules) out.rules = rules;
  const extensions = absent(schema.extensions, target.extensions);
  if (extensions) out.extensions = extensions;
  return out as TargetSchema;
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
export async function loadTable(loading: Loading, plan: TablePlan, incoming: AsyncIterable<Row[]>, rowsTotal?: number): Promise<void> {
  const { table } = plan;
  const rows = projected(incoming, plan.project);
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
  if (!plan?.fresh || plan.project || loading.dryRun || !nativeFormat || !writer.writeNativeRows || loading.merger?.movesInto(plan.table.name)) return undefined;
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
  // The archive's text holds the columns the backup read; it goes in as it is only where the load writes exactly those.
  const project = projector(event.columns, table.columns);
  if (native && !project && native.format === loading.nativeFormat && writer.writeNativeRows && plan.fresh && !loading.merger && !loading.ledger && !loading.dryRun) {
    const count = await writer.writeNativeRows(table.name, table.columns, native.bytes(), {
      signal: loading.signal,
      onRows: (rowsDone) => loading.onProgress?.({ table: table.name, rowsDone: before + rowsDone, rowsTotal: event.rows }),
    });
    tally(results, plan, count);
  } else {
    await loadTable(loading, { ...plan, project }, event.batches(loading.signal), event.rows);
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

export function summarize(mode: LoadMode, results: Map<string, TableResult>, started: number, notes: SchemaNote[]): LoadResult {
  const tables = [...results.values()];
  return {
    mode,
    tables,
    notes: sortNotes(notes),
    rows: tables.reduce((n, t) => n + t.rows, 0),
    inserted: tables.reduce((n, t) => n + t.inserted, 0),
    merged: tables.reduce((n, t) => n + t.merged, 0),
    durationMs: Date.now() - started,
  };
}
