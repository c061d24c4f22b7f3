import type { Column, Row } from '../schema/model';

/**
 * Which rows a read takes, in a form every adapter renders into its own SQL: partial exports
 * follow foreign keys with `in`, and --since selects by a creation time with `after`.
 */
export type RowFilter =
  /** Rows whose `columns` hold one of the tuples in `values` (callers keep the list to a few hundred). */
  | { kind: 'in'; columns: Column[]; values: Row[] }
  /** Rows whose `column` is later than `value` (a portable date or timestamp). */
  | { kind: 'after'; column: Column; value: string };

/**
 * The WHERE clause of a filter. `value` renders one value of a column: a placeholder it binds, or a
 * literal it escapes, whichever the engine's read path takes.
 */
export function whereSql(filter: RowFilter | undefined, quote: (name: string) => string, value: (column: Column, v: unknown) => string): string {
  if (!filter) return '';
  if (filter.kind === 'after') return ` WHERE ${quote(filter.column.name)} > ${value(filter.column, filter.value)}`;
  if (!filter.values.length) return ' WHERE 1 = 0';
  const { columns } = filter;
  if (columns.length === 1) {
    return ` WHERE ${quote(columns[0].name)} IN (${filter.values.map((t) => value(columns[0], t[0])).join(', ')})`;
  }
  const tuples = filter.values.map((t) => `(${columns.map((c, i) => `${quote(c.name)} = ${value(c, t[i])}`).join(' AND ')})`);
  return ` WHERE ${tuples.join(' OR ')}`;
}
