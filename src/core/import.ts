import type { Adapter } from './engines/adapter';
import type { OperationOptions } from './progress';
import type { Row } from './schema/model';
import { readDump } from './dump/reader';
import type { DumpEvent, DumpFormat, DumpHeader } from './dump/format';
import { DbPorterError, throwIfAborted } from './errors';
import { loadRows, prepareTarget, summarize, tally, type LoadMode, type LoadResult, type TableResult } from './load';

export interface ImportOptions extends OperationOptions {
  format: DumpFormat;
  mode?: LoadMode;
  /** Drop every table of the target first, so it ends up holding exactly the dump (restores). */
  replaceDatabase?: boolean;
}

export interface ImportResult extends LoadResult {
  source: DumpHeader['metadata']['source'];
}

/**
 * Reads a dump and writes it into the database in one atomic unit: tables the target lacks are
 * created, rows are validated as they stream in, and any problem (a bad value, a truncated file,
 * a wrong checksum, a collision in append mode, cancellation) leaves the target as it was.
 */
export async function importDump(adapter: Adapter, source: AsyncIterable<Buffer | string>, options: ImportOptions): Promise<ImportResult> {
  const started = Date.now();
  const mode = options.mode ?? 'merge';
  const events = new Lookahead(readDump(source, options.format)[Symbol.asyncIterator]());
  const first = await events.next();
  if (!first || first.kind !== 'header') throw new DbPorterError('DUMP_INVALID', 'The dump has no header.');
  const { header } = first;
  const results = new Map<string, TableResult>();

  await adapter.write(async (writer) => {
    const plans = await prepareTarget(writer, header.schema.tables, mode, { replaceDatabase: options.replaceDatabase });
    for (const plan of plans.values()) tally(results, plan, { rows: 0, inserted: 0 });
    for (;;) {
      throwIfAborted(options.signal);
      const event = await events.peek();
      if (!event) break;
      if (event.kind !== 'rows') throw new DbPorterError('DUMP_INVALID', 'The dump has a second header.');
      const plan = plans.get(event.table)!;
      const count = await loadRows(writer, event.table, plan.table.columns, events.rowsOf(event.table), mode, {
        signal: options.signal,
        onProgress: options.onProgress,
        rowsTotal: header.metadata.rowCounts[event.table],
        fresh: plan.created || mode === 'replace' || Boolean(options.replaceDatabase),
        rowsBefore: results.get(event.table)?.rows,
      });
      tally(results, plan, count);
    }
  }, options.signal);

  return { ...summarize(mode, results, started), source: header.metadata.source };
}

/** One event of look-ahead, so that a run of rows for one table can be handed on as one stream. */
class Lookahead {
  private pending: DumpEvent | undefined;
  private ended = false;

  constructor(private readonly it: AsyncIterator<DumpEvent>) {}

  async peek(): Promise<DumpEvent | undefined> {
    if (!this.pending && !this.ended) {
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else this.pending = r.value;
    }
    return this.pending;
  }

  async next(): Promise<DumpEvent | undefined> {
    const e = await this.peek();
    this.pending = undefined;
    return e;
  }

  /** Batches while the events stay on `table`; stops before the first event of another table. */
  async *rowsOf(table: string): AsyncIterable<Row[]> {
    for (;;) {
      const e = await this.peek();
      if (!e || e.kind !== 'rows' || e.table !== table) return;
      this.pending = undefined;
      yield e.rows;
    }
  }
}
