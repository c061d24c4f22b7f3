import type { Adapter } from './adapter';
import { parseUrl } from '../url';
import { SqliteAdapter } from './sqlite/adapter';
import { PostgresAdapter } from './postgres/adapter';
import { MysqlAdapter } from './mysql/adapter';

export type { Adapter, Reader, Writer, WriteCount, WriteOptions } from './adapter';

/** Opens the adapter the URL's scheme names. `baseDir` anchors relative sqlite: paths. */
export async function openAdapter(url: string, baseDir?: string): Promise<Adapter> {
  const location = parseUrl(url, baseDir);
  switch (location.engine) {
    case 'sqlite':
      return SqliteAdapter.open(location.file);
    case 'postgres':
      return PostgresAdapter.open(location);
    case 'mysql':
      return MysqlAdapter.open(location);
  }
}

/** Opens, runs, and always closes. */
export async function withAdapter<T>(url: string, fn: (adapter: Adapter) => Promise<T>, baseDir?: string): Promise<T> {
  const adapter = await openAdapter(url, baseDir);
  try {
    return await fn(adapter);
  } finally {
    await adapter.close();
  }
}
