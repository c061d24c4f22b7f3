import type { Adapter } from './engines/adapter';
import type { OperationOptions } from './progress';
import { DbPorterError } from './errors';
import { loadRows, prepareTarget, summarize, tally, type LoadMode, type LoadResult, type TableResult } from './load';
import { rowCountsOf, selectTables } from './tables';

export interface CopyOptions extends OperationOptions {
  tables?: string[];
  mode?: LoadMode;
  /** Drop every table of the target first, so it ends up holding exactly the source (restores). */
  replaceDatabase?: boolean;
}

/**
 * Streams tables from one database into another with no file in between: rows leave the source
 * in batches and enter the target through its bulk path, tables are created with mapped types,
 * and the target changes atomically or not at all.
 */
export async function copyDatabase(source: Adapter, target: Adapter, options: CopyOptions = {}): Promise<LoadResult> {
  const started = Date.now();
  if (source.description === target.description) {
    throw new DbPorterError('BAD_ARGUMENT', `Source and target are the same database (${source.description}); copy needs two different ones.`);
  }
  const mode = options.mode ?? 'merge';
  const schema = await source.introspect();
  const tables = selectTables(schema, options.tables, source.description);
  const results = new Map<string, TableResult>();
  await source.read(async (reader) => {
    const totals = await rowCountsOf(reader, tables);
    await target.write(async (writer) => {
      const plans = await prepareTarget(writer, tables, mode, { replaceDatabase: options.replaceDatabase });
      for (const table of tables) {
        const plan = plans.get(table.name)!;
        options.onProgress?.({ table: table.name, rowsDone: 0, rowsTotal: totals[table.name] });
        const count = await loadRows(writer, table.name, table.columns, reader.rows(table.name, table.columns, options.signal), mode, {
          signal: options.signal,
          onProgress: options.onProgress,
          rowsTotal: totals[table.name],
          fresh: plan.created || mode === 'replace',
        });
        tally(results, plan, count);
      }
    }, options.signal);
  });
  return summarize(mode, results, started);
}
