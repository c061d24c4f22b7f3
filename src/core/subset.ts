import type { Adapter, Reader } from './engines/adapter';
import { loadOrder } from './schema/order';
import type { Column, DatabaseSchema, Row, Table } from './schema/model';
import { DbPorterError, throwIfAborted } from './errors';
import { integerFromString } from './values';
import { CREATION_COLUMNS, creationColumn } from './schema/conventions';
import { LEDGER_TABLE, labelledKeys } from './ledger';
import { columnsOf, keylessTableError, rowIdentity } from './row-identity';

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
 * The slice, per table, as key tuples: `rows` is everything exported; `owned` the chosen rows and
 * what hangs from them, without the parents pulled in only so that references resolve. Deleting
 * exported data deletes the owned rows: the parents are shared with rows outside. `keyColumns`
 * names each table's key: its primary key, or a unique key on NOT NULL columns (row-identity.ts).
 */
export interface Slice {
  rows: Map<string, Row[]>;
  owned: Map<string, Row[]>;
  keyColumns: Map<string, string[]>;
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
  /** The row identity's columns, and where they are in `columns`; absent when the table has none. */
  identity?: { names: string[]; at: number[] };
}

function column(table: Table, name: string): Column {
  const c = table.columns.find((col) => col.name === name);
  if (!c) throw new DbPorterError('UNKNOWN_COLUMN', `Table "${table.name}" has no column "${name}".`);
  return c;
}

function plans(schema: DatabaseSchema): Map<string, TablePlan> {
  const identities = new Map(schema.tables.map((t) => [t.name, rowIdentity(t)]));
  const needed = new Map<string, Set<string>>(schema.tables.map((t) => [t.name, new Set(identities.get(t.name))]));
  for (const t of schema.tables) {
    for (const fk of t.foreignKeys) {
      fk.columns.forEach((c) => needed.get(t.name)!.add(c));
      fk.references.columns.forEach((c) => needed.get(fk.references.table)?.add(c));
    }
  }
  return new Map(
    schema.tables.map((t): [string, TablePlan] => {
      const kept = t.columns.filter((c) => needed.get(t.name)!.has(c.name));
      // A keyless table without foreign keys is read only to see whether rows match; a SELECT needs a column.
      const columns = kept.length ? kept : t.columns.slice(0, 1);
      const names = identities.get(t.name);
      return [t.name, { table: t, columns, ...(names ? { identity: { names, at: names.map((k) => columns.findIndex((c) => c.name === k)) } } : {}) }];
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

type Where = Parameters<Reader['rows']>[3];

/** The walk along the foreign keys, and the rows it has taken, per table by row identity. */
class Walk {
  private readonly plans: Map<string, TablePlan>;
  private readonly included: Map<string, Map<string, Row>>;

  constructor(
    private readonly reader: Reader,
    private readonly schema: DatabaseSchema,
    private readonly signal?: AbortSignal,
  ) {
    this.plans = plans(schema);
    this.included = new Map(schema.tables.map((t) => [t.name, new Map()]));
  }

  planOf(name: string): TablePlan {
    const plan = this.plans.get(name);
    if (!plan) throw new DbPorterError('UNKNOWN_TABLE', `There is no table "${name}". Tables: ${this.schema.tables.map((t) => t.name).join(', ')}.`);
    return plan;
  }

  /**
   * Reads the rows of a table that `where` picks and returns those not taken before. Only a table
   * that gives rows needs a row identity; `via` says how the walk got to it, for the error if not.
   */
  async take(name: string, where: Where, via: string): Promise<Row[]> {
    const plan = this.planOf(name);
    const seen = this.included.get(name)!;
    const fresh: Row[] = [];
    let keylessRows = false;
    // Read to the end either way: stopping a read early cancels it on PostgreSQL, and the snapshot with it.
    for await (const batch of this.reader.rows(name, plan.columns, this.signal, where)) {
      if (!plan.identity) {
        keylessRows ||= batch.length > 0;
        continue;
      }
      for (const row of batch) {
        const key = keyOf(plan.identity.at.map((i) => row[i]));
        if (!seen.has(key)) {
          seen.set(key, row);
          fresh.push(row);
        }
      }
    }
    throwIfAborted(this.signal);
    if (keylessRows) throw await keylessTableError(this.reader, plan.table, via, this.signal);
    return fresh;
  }

  /** Takes the rows whose `columns` hold one of `tuples`, a few hundred tuples a query. */
  async takeAll(name: string, columns: Column[], tuples: Row[], via: string): Promise<Row[]> {
    const out: Row[] = [];
    for (const values of chunks(tuples)) out.push(...(await this.take(name, { kind: 'in', columns, values }, via)));
    return out;
  }

  /** Follows the foreign keys from `frontier` in one direction until no new rows turn up. */
  async follow(frontier: Map<string, Row[]>, direction: 'down' | 'up', into?: (table: Table) => boolean): Promise<void> {
    while (frontier.size) {
      const next = new Map<string, Row[]>();
      const add = (name: string, rows: Row[]) => rows.length && next.set(name, [...(next.get(name) ?? []), ...rows]);
      for (const [name, rows] of frontier) {
        const plan = this.planOf(name);
        if (direction === 'down') {
          for (const child of this.schema.tables) {
            if (into && !into(child)) continue;
            for (const fk of child.foreignKeys.filter((f) => f.references.table === name)) {
              const cols = fk.columns.map((c) => column(child, c));
              add(child.name, await this.takeAll(child.name, cols, tuples(plan, rows, fk.references.columns), `reached from "${name}" through ${columnsOf(child.name, fk.columns)}`));
            }
          }
        } else {
          for (const fk of plan.table.foreignKeys) {
            const parent = this.planOf(fk.references.table).table;
            const cols = fk.references.columns.map((c) => column(parent, c));
            add(parent.name, await this.takeAll(parent.name, cols, tuples(plan, rows, fk.columns), `reached from "${name}" through ${columnsOf(name, fk.columns)}`));
          }
        }
      }
      frontier = next;
    }
  }

  /** Per table with rows in the slice: the rows taken, or their key tuples. */
  taken(): Map<string, Row[]> {
    const out = new Map<string, Row[]>();
    for (const [name, rows] of this.included) if (rows.size) out.set(name, [...rows.values()]);
    return out;
  }

  keys(): Map<string, Row[]> {
    const out = new Map<string, Row[]>();
    for (const [name, rows] of this.taken()) out.set(name, rows.map((row) => this.plans.get(name)!.identity!.at.map((i) => row[i])));
    return out;
  }

  keyColumns(): Map<string, string[]> {
    return new Map([...this.taken().keys()].map((name) => [name, this.plans.get(name)!.identity!.names]));
  }
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

/** The chosen rows of --root, and then what hangs from them. */
async function fromRoot(walk: Walk, selector: Extract<Selector, { kind: 'root' }>): Promise<void> {
  const table = walk.planOf(selector.table).table;
  if (!selector.column && !table.primaryKey.length) {
    throw new DbPorterError('BAD_ARGUMENT', `Table "${table.name}" has no primary key to select its rows by; choose them by another column with --root-by COLUMN --value V...`);
  }
  const cols = selector.column ? [column(table, selector.column)] : table.primaryKey.map((k) => column(table, k));
  if (cols.length !== 1) {
    throw new DbPorterError('BAD_ARGUMENT', `Table "${selector.table}" has a composite primary key (${table.primaryKey.join(', ')}); select its rows with --root-by COLUMN.`);
  }
  const values = [...new Set(selector.values)].map((v) => [typed(cols[0], v)]);
  const rows = await walk.takeAll(selector.table, cols, values, 'where the slice starts');
  if (!rows.length) {
    throw new DbPorterError('BAD_ARGUMENT', `No row of "${selector.table}" has ${cols[0].name} ${selector.values.join(', ')}; nothing to export.`);
  }
  await walk.follow(new Map([[selector.table, rows]]), 'down');
}

/** The rows imported under the labels, and their ledger entries. */
async function fromLabels(walk: Walk, reader: Reader, schema: DatabaseSchema, labels: string[]): Promise<void> {
  const labelled = await labelledKeys(reader, schema.tables, labels);
  if (!labelled.size) {
    throw new DbPorterError('BAD_ARGUMENT', `No rows were imported under the label${labels.length > 1 ? 's' : ''} ${labels.join(', ')}; nothing to export. Imports name their label with --label-name (default: the dump file's name).`);
  }
  const via = `imported under ${labels.join(', ')}`;
  for (const [name, keys] of labelled) {
    const table = walk.planOf(name).table;
    await walk.takeAll(name, table.primaryKey.map((k) => column(table, k)), keys, via);
  }
  const ledger = walk.planOf(LEDGER_TABLE).table;
  await walk.takeAll(LEDGER_TABLE, [column(ledger, 'label')], labels.map((l) => [l]), via);
}

/** The rows created after a date, and the rows without a creation time that hang from them. */
async function fromSince(walk: Walk, schema: DatabaseSchema, selector: Extract<Selector, { kind: 'since' }>): Promise<void> {
  const start = new Map<string, Row[]>();
  const dated = new Set<string>();
  for (const table of schema.tables) {
    const col = creationColumn(table, selector.creationColumns);
    if (!col) continue;
    dated.add(table.name);
    start.set(table.name, await walk.take(table.name, { kind: 'after', column: col, value: sinceFor(col, selector.since) }, `rows created after ${selector.since}`));
  }
  if (!dated.size) {
    throw new DbPorterError(
      'BAD_ARGUMENT',
      `No table has a creation-time column (${CREATION_COLUMNS.slice(0, 3).join(', ')}, ...); name them in dbporter.config.json under "creationColumns".`,
    );
  }
  // Rows of tables without a creation time belong to the dated rows that own them.
  await walk.follow(start, 'down', (t) => !dated.has(t.name));
}

export async function selectSlice(reader: Reader, schema: DatabaseSchema, selector: Selector, signal?: AbortSignal): Promise<Slice> {
  const walk = new Walk(reader, schema, signal);
  if (selector.kind === 'root') await fromRoot(walk, selector);
  else if (selector.kind === 'label') await fromLabels(walk, reader, schema, selector.labels);
  else await fromSince(walk, schema, selector);
  const owned = walk.keys();
  await walk.follow(walk.taken(), 'up');
  return { rows: walk.keys(), owned, keyColumns: walk.keyColumns() };
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
      const keyColumns = slice.keyColumns.get(table.name)!.map((k) => column(table, k));
      deleted[table.name] = 0;
      for (const keys of chunks(slice.owned.get(table.name)!)) {
        throwIfAborted(signal);
        deleted[table.name] += await w.deleteRows(table.name, keyColumns, keys);
      }
    }
    return deleted;
  }, signal);
}
