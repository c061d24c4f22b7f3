import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileColumnKey, type FileColumn } from './config';
import { DbPorterError } from './errors';
import { filesBelow } from './folder';
import type { Column, DatabaseSchema, Row, Table } from './schema/model';

/**
 * Related files: columns whose values are paths of files or folders below a root folder, as
 * dbporter.config.json's fileColumns declares. A path must stay below its root: one that is
 * absolute, climbs out with "..", or leaves through a symbolic link is refused, on the way out
 * (export) as on the way in (import).
 */

/** A file column of an exported table, with its root folder. */
export interface RelatedColumn {
  table: Table;
  column: Column;
  /** The root as configured, and as an absolute path. */
  root: string;
  rootDir: string;
  /** The root with symbolic links resolved, once a value has needed it. */
  realRoot?: string;
}

/** The configured file columns that belong to `tables`; a name that matches nothing in the database is refused. */
export function relatedColumns(fileColumns: FileColumn[], schema: DatabaseSchema, tables: Table[], baseDir: string, database: string): RelatedColumn[] {
  const out: RelatedColumn[] = [];
  for (const fc of fileColumns) {
    const known = schema.tables.find((t) => t.name === fc.table);
    if (!known) {
      throw new DbPorterError(
        'UNKNOWN_TABLE',
        `fileColumns names "${fileColumnKey(fc)}", but ${database} has no table "${fc.table}". Fix the name in dbporter.config.json or remove it.`,
      );
    }
    const column = known.columns.find((c) => c.name === fc.column);
    if (!column) {
      throw new DbPorterError(
        'UNKNOWN_COLUMN',
        `fileColumns names "${fileColumnKey(fc)}", but table "${fc.table}" has no column "${fc.column}". Fix the name in dbporter.config.json or remove it.`,
      );
    }
    const table = tables.find((t) => t.name === fc.table);
    if (table) out.push({ table, column, root: fc.root, rootDir: path.resolve(baseDir, fc.root) });
  }
  return out;
}

/**
 * A column value as a path below its root, "/"-separated and normalized ("" for the root itself);
 * undefined when it is absolute or climbs out with "..".
 */
export function pathBelowRoot(value: string): string | undefined {
  if (path.posix.isAbsolute(value) || path.win32.isAbsolute(value)) return undefined;
  const normalized = path.posix.normalize(value.split(path.sep).join('/')).replace(/\/+$/, '');
  if (normalized === '..' || normalized.startsWith('../')) return undefined;
  return normalized === '.' ? '' : normalized;
}

/** How a message names a row: by its primary key, or by its place in the table when it has none. */
export function describeRow(table: Table, keyValues: Row, rowNumber: number): string {
  if (!table.primaryKey.length) return `row ${rowNumber}`;
  return `the row with ${table.primaryKey.map((k, i) => `${k} ${JSON.stringify(keyValues[i])}`).join(', ')}`;
}

/** One file a row refers to: where it is on disk, and its path below the root ("/"-separated). */
export interface RelatedFile {
  file: string;
  relative: string;
}

/**
 * The files one column value refers to: the file itself, or every file below the folder it names
 * (symbolic links inside a folder are not followed, as in backups). Refuses a path that leaves
 * its root and one that does not exist, naming the table, column, row and path.
 */
export function filesOfValue(related: RelatedColumn, value: unknown, row: () => string): RelatedFile[] {
  if (value === null || value === undefined || value === '') return [];
  const where = () => `${related.table.name}.${related.column.name} of ${row()}`;
  if (typeof value !== 'string') {
    throw new DbPorterError('BAD_VALUE', `${where()} holds ${JSON.stringify(value)}, not a path. A file column (fileColumns in dbporter.config.json) holds paths relative to its root folder.`);
  }
  const relative = pathBelowRoot(value);
  if (relative === undefined) {
    throw new DbPorterError(
      'BAD_VALUE',
      `${where()} holds the path "${value}", which leads out of its root folder ${related.root}. File paths must be relative and stay below the root; fix the row. Nothing was exported.`,
    );
  }
  if (relative.includes('\\')) {
    throw new DbPorterError('BAD_VALUE', `${where()} holds the path "${value}" with a backslash, which a zip archive cannot carry portably. Rename the file; nothing was exported.`);
  }
  const file = path.join(related.rootDir, relative);
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    throw new DbPorterError(
      'FILE_NOT_FOUND',
      `${where()} names "${value}", but there is no file or folder ${file}. Put the file back or fix the row; nothing was exported.`,
    );
  }
  const realRoot = (related.realRoot ??= fs.realpathSync(related.rootDir));
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new DbPorterError(
      'BAD_VALUE',
      `${where()} names "${value}", which leads out of its root folder ${related.root} through a symbolic link. Nothing was exported.`,
    );
  }
  const stat = fs.statSync(real);
  if (stat.isFile()) return [{ file, relative }];
  if (!stat.isDirectory()) throw new DbPorterError('BAD_VALUE', `${where()} names "${value}", which is neither a file nor a folder. Nothing was exported.`);
  return filesBelow(file).map((f) => {
    const below = f.split(path.sep).join('/');
    if (below.includes('\\')) {
      throw new DbPorterError('BAD_VALUE', `${file} holds "${f}", whose name has a backslash, which a zip archive cannot carry portably. Rename it; nothing was exported.`);
    }
    return { file: path.join(file, f), relative: relative ? `${relative}/${below}` : below };
  });
}
