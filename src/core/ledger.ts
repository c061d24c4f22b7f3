import type { Reader, Writer } from './engines/adapter';
import type { Column, Row, Table } from './schema/model';
import { DbPorterError } from './errors';
import { integerFromString } from './values';
import { batchOf } from './batches';
import { portableSchema } from './schema/adapt';
import type { Engine } from './url';

/**
 * The import ledger: a table in the target that records, for every import, which rows it brought
 * in (label, table, primary key, source file, time). Exports by --label read it back. Rows are
 * named by their primary key in the target, after merging; tables without one are not recorded.
 * A run of consecutive integer keys takes one ledger row (row_key its first key, last_key its
 * last), so that the ledger of a million-row import is a few rows, not a second million.
 */
export const LEDGER_TABLE = 'dbporter_imported';

const text = (name: string, length: number): Column => ({ name, type: 'text', length, nullable: false });

/** Lengths keep the three key columns inside MySQL's 3,072-byte index limit in utf8mb4. */
export const ledgerTable: Table = {
  name: LEDGER_TABLE,
  columns: [
    text('label', 200),
    text('table_name', 128),
    text('row_key', 400),
    { name: 'last_key', type: 'text', length: 400, nullable: true },
    { name: 'source_file', type: 'text', length: 1000, nullable: true },
    { name: 'imported_at', type: 'timestamptz', nullable: false },
  ],
  primaryKey: ['label', 'table_name', 'row_key'],
  uniques: [],
  foreignKeys: [],
  indexes: [],
};

/** A primary key as the ledger writes it: the JSON array of its portable values. */
export function rowKey(key: Row): string {
  return JSON.stringify(key);
}

/** A ledger row_key back as the portable values of the key columns. */
export function parseRowKey(text: string, columns: Column[]): Row {
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || values.length !== columns.length) {
    throw new DbPorterError('DUMP_INVALID', `The ${LEDGER_TABLE} table holds a row key "${text}" that does not name a row of ${columns.length} key column(s).`);
  }
  // Integers beyond 2^53 travel as strings in portable form; small ones as numbers.
  return values.map((v, i) => (typeof v === 'string' && ['smallint', 'integer', 'bigint'].includes(columns[i].type) ? integerFromString(v) : v));
}

export interface LedgerContext {
  label: string;
  sourceFile?: string;
}

/**
 * Collects the keys an import wrote and records them in the ledger table, batch by batch, inside
 * the import's own unit of writing (so a failed import leaves no ledger rows either).
 */
export class LedgerWriter {
  private readonly importedAt = new Date().toISOString();
  private ready = false;

  constructor(
    private readonly writer: Writer,
    private readonly engine: Engine,
    private readonly context: LedgerContext,
  ) {
    if (!context.label.trim()) throw new DbPorterError('BAD_ARGUMENT', 'An import label cannot be empty; give --label-name NAME.');
    if (context.label.length > 200) throw new DbPorterError('BAD_ARGUMENT', `An import label has at most 200 characters; "${context.label.slice(0, 40)}..." has ${context.label.length}.`);
  }

  /** Creates the ledger table when the target has none; call before the first row is written (MySQL DDL commits). */
  async prepare(existing: Table[]): Promise<void> {
    if (!existing.some((t) => t.name === LEDGER_TABLE)) await this.writer.createSchema(portableSchema(this.engine, [ledgerTable]));
    this.ready = true;
  }

  /** Records the keys of rows written: `keys` as tuples, and one-column keys as bare values in `singles` (no array per row). */
  async record(table: string, keys: Row[], singles: unknown[] = []): Promise<void> {
    if (!keys.length && !singles.length) return;
    if (!this.ready) throw new Error('LedgerWriter.prepare() must run before record()');
    const rows = runsOf(keys, singles).map(([first, last]) => [this.context.label, table, rowKey(first), last ? rowKey(last) : null, this.context.sourceFile ?? null, this.importedAt]);
    // A row imported again under the same label keeps its first entry.
    await this.writer.writeRows(LEDGER_TABLE, ledgerTable.columns, batchOf(rows), { onConflict: 'skip' });
  }
}

/** Keys as ledger entries: runs of consecutive integers as [first, last], any other key alone. */
function runsOf(keys: Row[], singles: unknown[]): Array<[Row, Row | undefined]> {
  const integers: number[] = [];
  const out: Array<[Row, Row | undefined]> = [];
  for (const k of keys) {
    if (k.length === 1 && Number.isSafeInteger(k[0])) integers.push(k[0] as number);
    else out.push([k, undefined]);
  }
  for (const v of singles) {
    if (Number.isSafeInteger(v)) integers.push(v as number);
    else out.push([[v], undefined]);
  }
  integers.sort((a, b) => a - b);
  for (let i = 0; i < integers.length; ) {
    let j = i;
    while (j + 1 < integers.length && integers[j + 1] <= integers[j] + 1) j++;
    out.push([[integers[i]], j > i ? [integers[j]] : undefined]);
    i = j + 1;
  }
  return out;
}

/** Per table, the primary keys of the rows imported under any of `labels`. */
export async function labelledKeys(reader: Reader, tables: Table[], labels: string[]): Promise<Map<string, Row[]>> {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const ledger = byName.get(LEDGER_TABLE);
  if (!ledger) {
    throw new DbPorterError('BAD_ARGUMENT', `This database has no ${LEDGER_TABLE} table, so no rows were imported into it under a label; --label has nothing to select.`);
  }
  const columns = ['label', 'table_name', 'row_key', 'last_key'].map((n) => ledger.columns.find((c) => c.name === n)!);
  if (columns.some((c) => !c)) throw new DbPorterError('UNSUPPORTED', `The ${LEDGER_TABLE} table of this database lacks columns DB Porter writes (label, table_name, row_key, last_key); it was not made by this version.`);
  const out = new Map<string, Row[]>();
  for await (const batch of reader.rows(LEDGER_TABLE, columns, undefined, { kind: 'in', columns: [columns[0]], values: labels.map((l) => [l]) })) {
    for (const [, tableName, key, last] of batch as [string, string, string, string | null][]) {
      const table = byName.get(tableName);
      if (!table || !table.primaryKey.length) continue;
      const keyColumns = table.primaryKey.map((k) => table.columns.find((c) => c.name === k)!);
      const list = out.get(tableName) ?? [];
      const first = parseRowKey(key, keyColumns);
      if (last === null) list.push(first);
      else for (let k = Number(first[0]), end = Number(parseRowKey(last, keyColumns)[0]); k <= end; k++) list.push([k]);
      out.set(tableName, list);
    }
  }
  return out;
}
