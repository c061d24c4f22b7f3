import type { ResolvedDatabase } from './config';
import { openAdapter } from './engines';
import type { Adapter } from './engines/adapter';
import { withSnapshot } from './backup';
import { copyDatabase, type CopyOptions } from './copy';
import type { LoadResult } from './load';

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
