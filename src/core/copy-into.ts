import type { ResolvedDatabase } from './config';
import { openAdapter } from './engines';
import type { Adapter } from './engines/adapter';
import { withSnapshot } from './backup';
import { copyDatabase, type CopyOptions } from './copy';
import type { LoadMode, LoadResult } from './load';
import { planLoad, type LoadPlan } from './plan';
import { schemaOfTables, selectTables } from './tables';
import { DbPorterError } from './errors';

/**
 * What `dbporter copy` does, for every front end: a snapshot of the target first (named through
 * onSnapshot and in any error), then the copy, all or nothing.
 */
export async function copyInto(
  source: Adapter,
  to: ResolvedDatabase,
  options: Omit<CopyOptions, 'replaceDatabase'> & { onSnapshot?: (file: string) => void; onOpen?: (target: Adapter) => void },
): Promise<LoadResult & { snapshot: string }> {
  return withSnapshot(to, 'snapshot-before-import', { signal: options.signal, onSnapshot: options.onSnapshot }, async () => {
    const target = await openAdapter(to.url, to.baseDir);
    try {
      options.onOpen?.(target);
      return await copyDatabase(source, target, options);
    } finally {
      await target.close();
    }
  });
}

/** The plan of `dbporter copy --plan`: both sides read, nothing written, no snapshot. */
export async function planCopy(source: Adapter, to: ResolvedDatabase, options: { tables?: string[]; mode?: LoadMode }): Promise<LoadPlan> {
  const schema = await source.introspect();
  const carried = schemaOfTables(schema, selectTables(schema, options.tables, source.description)).schema;
  const target = await openAdapter(to.url, to.baseDir);
  try {
    if (source.description === target.description) {
      throw new DbPorterError('BAD_ARGUMENT', `Source and target are the same database (${source.description}); copy needs two different ones.`);
    }
    return await planLoad(target, carried, { mode: options.mode ?? 'merge', trusted: true, fromDump: false, sourceName: source.description });
  } finally {
    await target.close();
  }
}
