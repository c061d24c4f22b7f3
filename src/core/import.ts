import type { Adapter } from './engines/adapter';
import type { OperationOptions } from './progress';
import type { Row, SchemaNote } from './schema/model';
import { readDump } from './dump/reader';
import type { BulkPiece, BulkRequest } from './dump/bulk-text';
import type { DumpFormat, DumpHeader, ImportEvent } from './dump/format';
import { DbPorterError, throwIfAborted } from './errors';
import { bulkRequest, loadBulk, loadTable, loadWholeTable, prepareTarget, summarize, tally, type LoadMode, type LoadResult, type Loading, type TableResult } from './load';
import { LEDGER_TABLE, LedgerWriter, type LedgerContext } from './ledger';
import { Merger, type MergeOptions } from './merge/merger';
import { KEEP_TARGET } from './merge/strategy';

export interface ImportOptions extends OperationOptions {
  format: DumpFormat;
  mode?: LoadMode;
  /** Drop every table of the target first, so it ends up holding exactly the dump (restores). */
  replaceDatabase?: boolean;
  /** How merge mode settles collisions (default: keep the target's row). */
  merge?: Omit<MergeOptions, 'signal' | 'dryRun'>;
  /** Read, check and settle everything, report what would happen, write nothing. */
  dryRun?: boolean;
  /** Record the rows brought in under this label in the target's import ledger. */
  ledger?: LedgerContext;
  /** Also import the ledger rows the dump carries (its dbporter_imported table); left out by default. */
  keepImportMetadata?: boolean;
  /**
   * Run the SQL the dump carries (views, triggers, functions, rules, expressions) as it is: a dump
   * is input from outside, so without this its SQL is reported as not carried. Restores of backups
   * set it: a backup is DB Porter's own archive, checked against its manifest.
   */
  trustDump?: boolean;
}

export interface ImportResult extends LoadResult {
  source: DumpHeader['metadata']['source'];
  dryRun: boolean;
}

/** Thrown to roll a dry run back once it has counted everything. */
class DryRunDone extends Error {}

/**
 * Reads a dump and writes it into the database in one atomic unit: tables the target lacks are
 * created, rows are validated as they stream in, and any problem (a bad value, a truncated file,
 * a wrong checksum, a collision in append mode, cancellation) leaves the target as it was.
 */
export async function importDump(adapter: Adapter, source: AsyncIterable<Buffer | string>, options: ImportOptions): Promise<ImportResult> {
  // The reader asks, as each table's rows begin, whether they may come as bulk text; importEvents
  // answers once it knows the target.
  const bulk = new BulkChoice();
  return importEvents(adapter, readDump(source, options.format, { bulk: bulk.ask }), options, bulk);
}

/** Which tables' rows a reader may hand over as the target's bulk text (see load.ts bulkRequest). */
export class BulkChoice {
  private answer?: (table: string) => BulkRequest | undefined;

  decide(answer: (table: string) => BulkRequest | undefined): void {
    this.answer = answer;
  }

  /** For ReadOptions.bulk (bound: it is passed on as it is). */
  readonly ask = (table: string): BulkRequest | undefined => this.answer?.(table);
}

/**
 * importDump's work on what a dump or an archive holds, as events: the header first, then rows
 * (see ../archive/contents.ts for an archive's).
 */
export async function importEvents(adapter: Adapter, source: AsyncIterable<ImportEvent>, options: Omit<ImportOptions, 'format'>, bulk?: BulkChoice): Promise<ImportResult> {
  const started = Date.now();
  const mode = options.mode ?? 'merge';
  const events = new Lookahead(source[Symbol.asyncIterator]());
  const first = await events.next();
  if (!first || first.kind !== 'header') throw new DbPorterError('DUMP_INVALID', 'The dump has no header.');
  const { header } = first;
  const results = new Map<string, TableResult>();
  const dryRun = Boolean(options.dryRun);
  // The dump's own ledger describes imports into its source, not into this target.
  const incoming = { ...header.schema, tables: header.schema.tables.filter((t) => options.keepImportMetadata || t.name !== LEDGER_TABLE) };
  let notes: SchemaNote[] = [];

  try {
    await adapter.write(async (writer) => {
      const ledger = options.ledger && !dryRun ? new LedgerWriter(writer, adapter.engine, options.ledger) : undefined;
      // First: on MySQL creating a table commits, so it cannot follow the first row.
      await ledger?.prepare((await writer.introspect()).tables);
      const prepared = await prepareTarget(writer, adapter.dialect, incoming, mode, {
        replaceDatabase: options.replaceDatabase,
        dryRun,
        trusted: Boolean(options.trustDump),
        fromDump: true,
      });
      const plans = prepared.plans;
      notes = prepared.notes;
      const merger = mode === 'merge' ? new Merger(writer, incoming.tables, { ...(options.merge ?? { strategies: KEEP_TARGET }), dryRun, signal: options.signal }) : undefined;
      const loading: Loading = { writer, mode, merger, ledger, dryRun, signal: options.signal, onProgress: options.onProgress, results, nativeFormat: adapter.nativeFormat };
      for (const plan of plans.values()) tally(results, plan, { rows: 0, inserted: 0 });
      bulk?.decide((table) => bulkRequest(loading, plans.get(table)));
      for (;;) {
        throwIfAborted(options.signal);
        const event = await events.peek();
        if (!event) break;
        if (event.kind === 'header') throw new DbPorterError('DUMP_INVALID', 'The dump has a second header.');
        const plan = plans.get(event.table);
        if (event.kind === 'table') {
          await events.next();
          if (plan) await loadWholeTable(loading, plan, event); // without a plan: the dump's ledger, left out unread
          continue;
        }
        if (event.kind === 'bulk') {
          if (!plan) throw new Error(`Bulk text came for table "${event.table}", which has no plan: bulkRequest asks only for planned tables.`);
          await loadBulk(loading, plan, events.piecesOf(event.table), header.metadata.rowCounts[event.table]);
          continue;
        }
        if (!plan) {
          for await (const batch of events.rowsOf(event.table)) void batch; // the dump's ledger, left out
          continue;
        }
        await loadTable(loading, plan, events.rowsOf(event.table), header.metadata.rowCounts[event.table]);
      }
      if (dryRun) throw new DryRunDone();
    }, options.signal);
  } catch (err) {
    if (!(err instanceof DryRunDone)) throw err;
  }

  return { ...summarize(mode, results, started, notes), source: header.metadata.source, dryRun };
}

/** One event of look-ahead, so that a run of rows for one table can be handed on as one stream. */
class Lookahead {
  private pending: ImportEvent | undefined;
  private ended = false;

  constructor(private readonly it: AsyncIterator<ImportEvent>) {}

  async peek(): Promise<ImportEvent | undefined> {
    if (!this.pending && !this.ended) {
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else this.pending = r.value;
    }
    return this.pending;
  }

  async next(): Promise<ImportEvent | undefined> {
    const e = await this.peek();
    this.pending = undefined;
    return e;
  }

  /** Bulk text while the events stay on `table`; stops before the first event of another table or kind. */
  async *piecesOf(table: string): AsyncIterable<BulkPiece> {
    for (;;) {
      const e = await this.peek();
      if (!e || e.kind !== 'bulk' || e.table !== table) return;
      this.pending = undefined;
      yield e.piece;
    }
  }

  /** Batches while the events stay on `table`; stops before the first event of another table or kind. */
  async *rowsOf(table: string): AsyncIterable<Row[]> {
    for (;;) {
      const e = await this.peek();
      if (!e || e.kind !== 'rows' || e.table !== table) return;
      this.pending = undefined;
      yield e.rows;
    }
  }
}
