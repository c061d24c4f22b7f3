import type { Row, Table } from '../schema/model';
import { DbPorterError } from '../errors';
import { checkValue } from '../values';

/**
 * Turns a dump's row object into a row array, checking each value against its column. zod checks
 * the header; rows are checked by these compiled per-column checks, which are many times faster
 * than a zod parse per row and give the same kind of message: table, row, column, what is wrong.
 */
export class RowDecoder {
  private readonly index = new Map<string, number>();

  constructor(readonly table: Table) {
    table.columns.forEach((c, i) => this.index.set(c.name, i));
  }

  decode(value: unknown, rowNumber: number): Row {
    const { table } = this;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new DbPorterError('DUMP_INVALID', `Table "${table.name}", row ${rowNumber}: expected an object of column values, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}.`);
    }
    const obj = value as Record<string, unknown>;
    for (const key in obj) {
      if (!this.index.has(key)) {
        throw new DbPorterError(
          'UNKNOWN_COLUMN',
          `Table "${table.name}", row ${rowNumber}: column "${key}" is not in the dump's schema for this table. Remove it from the row or add it to the schema.`,
        );
      }
    }
    const columns = table.columns;
    const row = new Array(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i];
      const v = obj[column.name];
      const checked = checkValue(column, v === undefined ? null : v);
      if (!checked.ok) {
        throw new DbPorterError('DUMP_INVALID', `Table "${table.name}", row ${rowNumber}, column "${column.name}" (${column.type}): ${checked.problem}.`);
      }
      row[i] = checked.value;
    }
    return row;
  }
}

/** Writes a row array as a JSON object text, keys in column order (faster than building objects). */
export function rowEncoder(table: Table): (row: Row) => string {
  const keys = table.columns.map((c) => JSON.stringify(c.name) + ':');
  return (row) => {
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      const v = row[i];
      out += (i ? ',' : '') + keys[i] + (v === null ? 'null' : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));
    }
    return out + '}';
  };
}
