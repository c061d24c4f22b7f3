import type { Column, Table } from './model';
import { DbPorterError } from '../errors';

/**
 * Columns that mean something by their name: when a row was created (--since selects by it, and a
 * merged row keeps the earliest) and when it last changed (a merged row keeps the latest). The
 * config names them per table; otherwise these conventions find them.
 */
export const CREATION_COLUMNS = ['created_at', 'creation_date', 'created_on', 'created', 'inserted_at', 'create_time', 'date_created', 'createdat', 'creationdate'];
export const UPDATE_COLUMNS = ['updated_at', 'modified_at', 'updated_on', 'modified_on', 'last_modified', 'update_time', 'date_modified', 'updatedat', 'modifiedat'];

const TIME_TYPES = ['timestamp', 'timestamptz', 'date', 'text'];

function named(table: Table, name: string, what: string): Column {
  const c = table.columns.find((col) => col.name === name);
  if (!c) throw new DbPorterError('CONFIG_INVALID', `The config names "${name}" as the ${what} column of table "${table.name}", which has no such column.`);
  return c;
}

export function creationColumn(table: Table, configured?: Record<string, string>): Column | undefined {
  const name = configured?.[table.name];
  if (name) return named(table, name, 'creation-time');
  return table.columns.find((c) => CREATION_COLUMNS.includes(c.name.toLowerCase()) && TIME_TYPES.includes(c.type));
}

export function updateColumn(table: Table, configured?: Record<string, string>): Column | undefined {
  const name = configured?.[table.name];
  if (name) return named(table, name, 'update-time');
  return table.columns.find((c) => UPDATE_COLUMNS.includes(c.name.toLowerCase()) && TIME_TYPES.includes(c.type));
}
