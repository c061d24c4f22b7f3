import type { Row, Table } from '../schema/model';
import { DbPorterError } from '../errors';
import { portableValue, ValueProblem } from '../values';

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
    for (let i = 0; i < columns.length; i++) row[i] = obj[columns[i].name];
    return this.check(row, rowNumber);
  }

  /** Checks (and normalises, in place) a row array whose values follow the table's columns. */
  check(row: Row, rowNumber: number): Row {
    const { table } = this;
    const columns = table.columns;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i];
      try {
        row[i] = portableValue(column, row[i]);
      } catch (err) {
        if (!(err instanceof ValueProblem)) throw err;
        throw new DbPorterError('DUMP_INVALID', `Table "${table.name}", row ${rowNumber}, column "${column.name}" (${column.type}): ${err.message}.`);
      }
    }
    return row;
  }
}

/**
 * Makes a row array into an object keyed by column name, in column order. The builder is compiled
 * per table (an object literal of constant shape), so that JSON.stringify can take whole batches
 * at once, several times faster than one call per value.
 */
export function rowObjectBuilder(table: Table): (row: Row) => Record<string, unknown> {
  const names = table.columns.map((c) => c.name);
  if (names.includes('__proto__')) {
    // In a literal, "__proto__" would set the prototype rather than a property.
    return (row) => {
      const obj: Record<string, unknown> = Object.create(null);
      names.forEach((n, i) => (obj[n] = row[i]));
      return obj;
    };
  }
  return new Function('r', `return {${names.map((n, i) => `${JSON.stringify(n)}: r[${i}]`).join(', ')}};`) as (row: Row) => Record<string, unknown>;
}

/**
 * JSON texts of many objects, one per line. One JSON.stringify over the array, then its element
 * boundaries become newlines: "},{" followed by the first key's quoted name can only be a boundary,
 * because a quote inside a string value is always escaped.
 */
export function jsonLines(objects: object[], firstKey: string, separator: string): string {
  const text = JSON.stringify(objects);
  const boundary = `},{${JSON.stringify(firstKey)}:`;
  return text.slice(1, -1).replaceAll(boundary, `}${separator}{${JSON.stringify(firstKey)}:`);
}
