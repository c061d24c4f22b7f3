import type { Adapter, NativeFormat } from './adapter';
import type { Column, Row } from '../schema/model';
import { parseUrl } from '../url';
import { SqliteAdapter } from './sqlite/adapter';
import { PostgresAdapter } from './postgres/adapter';
import { MysqlAdapter } from './mysql/adapter';
import { copyTextRows } from './postgres/copy-rows';
import { toCopyText } from './postgres/types';
import { tsvField, tsvRows } from './mysql/tsv';

export type { Adapter, NativeFormat, Reader, Writer, WriteCount, WriteOptions } from './adapter';

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

/**
 * Rows in an engine's own bulk text (as Reader.nativeRows gave them, in the order of `columns`) as
 * batches of portable values, for any engine to write: how a server backup goes into another
 * engine, or shows its rows. Text that does not parse is a plain error, for the caller to place.
 */
export function rowsFromNative(format: NativeFormat, columns: Column[], bytes: AsyncIterable<Buffer>, signal?: AbortSignal): AsyncIterable<Row[]> {
  switch (format) {
    case 'postgres-copy':
      return copyTextRows(bytes, columns, signal);
    case 'mysql-tsv':
      return tsvRows(bytes, columns, signal);
  }
}

/**
 * How an engine's bulk text writes one non-NULL portable value of a column (escaped, without the
 * tab or newline around it): the same function its writeRows formats rows with.
 */
export function nativeField(format: NativeFormat): (column: Column) => (v: unknown) => string {
  switch (format) {
    case 'postgres-copy':
      return toCopyText;
    case 'mysql-tsv':
      return tsvField;
  }
}
