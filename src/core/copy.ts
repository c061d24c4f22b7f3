import type { Adapter } from './engines/adapter';
import type { OperationOptions } from './progress';
import { DbPorterError } from './errors';
import { loadTable, prepareTarget, summarize, tally, type LoadMode, type LoadResult, type TableResult } from './load';
import { Merger } from './merge/merger';
import { KEEP_TARGET } from './merge/strategy';
import { rowCountsOf, schemaOfTables, selectTables } from './tables';
import type { SchemaNote } from './schema/model';

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
  const carried = schemaOfTables(schema, tables).schema;
  const results = new Map<string, TableResult>();
  let notes: SchemaNote[] = [];
  await source.read(async (reader) => {
    const totals = await rowCountsOf(reader, tables);
    await target.write(async (writer) => {
      // A database's own SQL (views, triggers, expressions) is trusted: it is what the source runs.
      const prepared = await prepareTarget(writer, target.dialect, carried, mode, { replaceDatabase: options.replaceDatabase, trusted: true, fromDump: false });
      const plans = prepared.plans;
      notes = prepared.notes;
      // Collisions in merge mode are settled as in an import: the target's row stays, references follow it.
      const merger = mode === 'merge' ? new Merger(writer, tables, { strategies: KEEP_TARGET, signal: options.signal }) : undefined;
      const loading = { writer, mode, merger, dryRun: false, signal: options.signal, onProgress: options.onProgress, results };
      for (const table of tables) {
        const plan = plans.get(table.name)!;
        tally(results, plan, { rows: 0, inserted: 0 });
        options.onProgress?.({ table: table.name, rowsDone: 0, rowsTotal: totals[table.name] });
        // Only the columns the load writes are read (not those the target computes).
        const names = new Set(plan.table.columns.map((c) => c.name));
        const columns = table.columns.filter((c) => names.has(c.name));
        await loadTable(loading, { ...plan, project: undefined }, reader.rows(table.name, columns, options.signal), totals[table.name]);
      }
    }, options.signal);
  });
  return summarize(mode, results, started, notes);
}
