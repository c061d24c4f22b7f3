import type { Adapter, Reader } from './engines/adapter';
import { loadOrder } from './schema/order';
import type { Column, DatabaseSchema, Row, Table } from './schema/model';
import { DbPorterError, throwIfAborted } from './errors';
import { integerFromString } from './values';
import { CREATION_COLUMNS, creationColumn } from './schema/conventions';
import { LEDGER_TABLE, labelledKeys } from './ledger';

/**
 * Partial exports: which rows of which tables make a slice that imports on its own. From the
 * chosen rows the slice grows down the foreign keys (every row that references an included row,
 * transitively) and then up them (every row an included row needs), never down again from a
 * parent: so a slice by artist takes the artist's albums, tracks and their invoice lines, and of
 * invoices and customers only those the lines need.
 */
export type Selector =
  /** Rows of `table` whose primary key (or `column`, a unique column) is one of `values`. */
  | { kind: 'root'; table: string; column?: string; values: string[] }
  /** Rows created after `since`, per table by its creation-time column. */
  | { kind: 'since'; since: string; creationColumns?: Record<string, string> }
  /** Rows the import ledger records under one of `labels` (and those ledger rows). */
  | { kind: 'label'; labels: string[] };

/**
 * The slice, per table, as primary-key tuples: `rows` is everything exported; `owned` the chosen
 * rows and what hangs from them, without the parents pulled in only so that references resolve.
 * Deleting exported data deletes the owned rows: the parents are shared with rows outside.
 */
export interface Slice {
  rows: Map<string, Row[]>;
  owned: Map<string, Row[]>;
}

/** Values per IN list: keeps every statement small on every engine. */
export const KEYS_PER_QUERY = 500;

function keyOf(row: Row): string {
  return JSON.stringify(row);
}

export function chunks<T>(items: T[], size = KEYS_PER_QUERY): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Everything the walk keeps of a table's rows: its key, and the columns foreign keys follow. */
interface TablePlan {
  table: Table;
  columns: Column[];
  key: number[];
}

function column(table: Table, name: string): Column {
  const c = table.columns.find((col) => col.name === name);
  if (!c) throw new DbPorterError('UNKNOWN_COLUMN', `Table "${table.name}" has no column "${name}".`);
  return c;
}

function plans(schema: DatabaseSchema): Map<string, TablePlan> {
  const needed = new Map<string, Set<string>>(schema.tables.map((t) => [t.name, new Set(t.primaryKey)]));
  for (const t of schema.tables) {
    for (const fk of t.foreignKeys) {
      fk.columns.forEach((c) => needed.get(t.name)!.add(c));
      fk.references.columns.forEach((c) => needed.get(fk.references.table)?.add(c));
    }
  }
  return new Map(
    schema.tables.map((t) => {
      const columns = t.columns.filter((c) => needed.get(t.name)!.has(c.name));
      return [t.name, { table: t, columns, key: t.primaryKey.map((k) => columns.findIndex((c) => c.name === k)) }];
    }),
  );
}

/** A value typed on the command line, as the portable value of its column. */
function typed(col: Column, text: string): unknown {
  if (['smallint', 'integer', 'bigint'].includes(col.type)) {
    if (!/^-?\d+$/.test(text)) throw new DbPorterError('BAD_ARGUMENT', `"${text}" is not a valid value for ${col.name}, which holds integers.`);
    return integerFromString(text);
  }
  return text;
}

/** The --since value in the form of a column's type. */
function sinceFor(col: Column, since: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:?\d{2})?$/.exec(since.trim());
  if (!m) throw new DbPorterError('BAD_ARGUMENT', `--since takes a date or a date and time like 2024-01-01 or 2023-01-01T00:00:00, got "${since}".`);
  const time = m[2] ? (m[2].length === 5 ? `${m[2]}:00` : m[2]) : '00:00:00';
  if (col.type === 'date') return m[1];
  if (col.type === 'timestamptz') return `${m[1]}T${time}${m[3] ?? 'Z'}`;
  return `${m[1]}T${time}`;
}

export async function selectSlice(reader: Reader, schema: DatabaseSchema, selector: Selector, signal?: AbortSignal): Promise<Slice> {
  const byName = plans(schema);
  const included = new Map<string, Map<string, Row>>(schema.tables.map((t) => [t.name, new Map()]));

  const planOf = (name: string) => {
    const plan = byName.get(name);
    if (!plan) throw new DbPorterError('UNKNOWN_TABLE', `There is no table "${name}". Tables: ${schema.tables.map((t) => t.name).join(', ')}.`);
    if (!plan.table.primaryKey.length) {
      throw new DbPorterError('UNSUPPORTED', `Table "${name}" has no primary key; a partial export follows rows by their primary keys.`);
    }
    return plan;
  };

  /** Reads matching rows of a table and returns those not seen before. */
  async function take(name: string, where: Parameters<Reader['rows']>[3]): Promise<Row[]> {
    const plan = planOf(name);
    const seen = included.get(name)!;
    const fresh: Row[] = [];
    for await (const batch of reader.rows(name, plan.columns, signal, where)) {
      for (const row of batch) {
        const key = keyOf(plan.key.map((i) => row[i]));
        if (!seen.has(key)) {
          seen.set(key, row);
          fresh.push(row);
        }
      }
    }
    throwIfAborted(signal);
    return fresh;
  }

  /** Distinct non-NULL tuples of the given columns across rows. */
  function tuples(plan: TablePlan, rows: Row[], names: string[]): Row[] {
    const idx = names.map((n) => plan.columns.findIndex((c) => c.name === n));
    const out = new Map<string, Row>();
    for (const row of rows) {
      const t = idx.map((i) => row[i]);
      if (t.some((v) => v === null)) continue;
      out.set(keyOf(t), t);
    }
    return [...out.values()];
  }

  async function follow(frontier: Map<string, Row[]>, direction: 'down' | 'up', into?: (table: Table) => boolean): Promise<void> {
    while (frontier.size) {
      const next = new Map<string, Row[]>();
      const add = (name: string, rows: Row[]) => rows.length && next.set(name, [...(next.get(name) ?? []), ...rows]);
      for (const [name, rows] of frontier) {
        const plan = planOf(name);
        if (direction === 'down') {
          for (const child of schema.tables) {
            if (into && !into(child)) continue;
            for (const fk of child.foreignKeys.filter((f) => f.references.table === name)) {
              const childPlan = planOf(child.name);
              const cols = fk.columns.map((c) => column(childPlan.table, c));
              for (const values of chunks(tuples(plan, rows, fk.references.columns))) add(child.name, await take(child.name, { kind: 'in', columns: cols, values }));
            }
          }
        } else {
          for (const fk of plan.table.foreignKeys) {
            const parent = planOf(fk.references.table);
            const cols = fk.references.columns.map((c) => column(parent.table, c));
            for (const values of chunks(tuples(plan, rows, fk.columns))) add(parent.table.name, await take(parent.table.name, { kind: 'in', columns: cols, values }));
          }
        }
      }
      frontier = next;
    }
  }

  const start = new Map<string, Row[]>();
  if (selector.kind === 'root') {
    const plan = planOf(selector.table);
    const cols = selector.column ? [column(plan.table, selector.column)] : plan.table.primaryKey.map((k) => column(plan.table, k));
    if (cols.length !== 1) {
      throw new DbPorterError('BAD_ARGUMENT', `Table "${selector.table}" has a composite primary key (${plan.table.primaryKey.join(', ')}); select its rows with --root-by COLUMN.`);
    }
    const values = [...new Set(selector.values)].map((v) => [typed(cols[0], v)]);
    for (const chunk of chunks(values)) start.set(selector.table, [...(start.get(selector.table) ?? []), ...(await take(selector.table, { kind: 'in', columns: cols, values: chunk }))]);
    const found = included.get(selector.table)!.size;
    if (found === 0) {
      throw new DbPorterError('BAD_ARGUMENT', `No row of "${selector.table}" has ${cols[0].name} ${selector.values.join(', ')}; nothing to export.`);
    }
    await follow(start, 'down');
  } else if (selector.kind === 'label') {
    const labelled = await labelledKeys(reader, schema.tables, selector.labels);
    if (!labelled.size) {
      throw new DbPorterError('BAD_ARGUMENT', `No rows were imported under the label${selector.labels.length > 1 ? 's' : ''} ${selector.labels.join(', ')}; nothing to export. Imports name their label with --label-name (default: the dump file's name).`);
    }
    for (const [name, keys] of labelled) {
      const plan = planOf(name);
      const cols = plan.table.primaryKey.map((k) => column(plan.table, k));
      for (const values of chunks(keys)) start.set(name, [...(start.get(name) ?? []), ...(await take(name, { kind: 'in', columns: cols, values }))]);
    }
    const ledger = planOf(LEDGER_TABLE);
    start.set(LEDGER_TABLE, await take(LEDGER_TABLE, { kind: 'in', columns: [column(ledger.table, 'label')], values: selector.labels.map((l) => [l]) }));
  } else {
    const dated = new Set<string>();
    for (const table of schema.tables) {
      const col = creationColumn(table, selector.creationColumns);
      if (!col) continue;
      dated.add(table.name);
      start.set(table.name, await take(table.name, { kind: 'after', column: col, value: sinceFor(col, selector.since) }));
    }
    if (!dated.size) {
      throw new DbPorterError(
        'BAD_ARGUMENT',
        `No table has a creation-time column (${CREATION_COLUMNS.slice(0, 3).join(', ')}, ...); name them in dbporter.config.json under "creationColumns".`,
      );
    }
    // Rows of tables without a creation time belong to the dated rows that own them.
    await follow(start, 'down', (t) => !dated.has(t.name));
  }
  const keys = () => {
    const out = new Map<string, Row[]>();
    for (const [name, rows] of included) {
      if (!rows.size) continue;
      const plan = byName.get(name)!;
      out.set(name, [...rows.values()].map((row) => plan.key.map((i) => row[i])));
    }
    return out;
  };
  const owned = keys();
  const all = new Map<string, Row[]>();
  for (const [name, rows] of included) if (rows.size) all.set(name, [...rows.values()]);
  await follow(all, 'up');
  return { rows: keys(), owned };
}

/**
 * Deletes a slice's owned rows from the database it came from, children before parents, in one
 * unit of writing: all go, or (if a row outside the slice still needs one) none.
 */
export async function deleteOwnedRows(adapter: Adapter, slice: Slice, signal?: AbortSignal): Promise<Record<string, number>> {
  const schema = await adapter.introspect();
  const tables = loadOrder(schema.tables.filter((t) => slice.owned.has(t.name))).reverse();
  return adapter.write(async (w) => {
    const deleted: Record<string, number> = {};
    for (const table of tables) {
      const keyColumns = table.primaryKey.map((k) => column(table, k));
      deleted[table.name] = 0;
      for (const keys of chunks(slice.owned.get(table.name)!)) {
        throwIfAborted(signal);
        deleted[table.name] += await w.deleteRows(table.name, keyColumns, keys);
      }
    }
    return deleted;
  }, signal);
}
