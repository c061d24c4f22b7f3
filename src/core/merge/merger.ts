import type { Writer } from '../engines/adapter';
import type { Column, ForeignKey, PortableType, Row, Table } from '../schema/model';
import { creationColumn, updateColumn } from '../schema/conventions';
import { DbPorterError, throwIfAborted } from '../errors';
import { batchOf } from '../batches';
import { chunks } from '../subset';
import { canonicalValue, compareValues } from '../values';
import { choose, strategyFor, type Strategies } from './strategy';
import { resolvedRow, rowObject, type ConflictResolver } from './resolver';

/** Incoming rows per round of collision lookups: each round costs a few queries per key, never one per row. */
export const MERGE_BATCH_ROWS = 5000;

export interface MergeOptions {
  strategies: Strategies;
  /** Decides every collision instead of the strategies (--conflict-resolver, the VS Code diff editor). */
  resolver?: ConflictResolver;
  creationColumns?: Record<string, string>;
  updateColumns?: Record<string, string>;
  /** Look up and settle collisions, count, but write nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface MergeCount {
  /** Incoming rows inserted as new rows. */
  inserted: number;
  /** Incoming rows that collided and changed the target's row. */
  merged: number;
  /** Incoming rows that collided and left the target's row as it was. */
  skipped: number;
  /** Primary keys (in the target) of the rows written: what the import ledger records. */
  written: Row[];
}

/** One key (primary or unique) of a target table, as positions in the incoming columns. */
interface Key {
  columns: Column[];
  positions: number[];
  types: PortableType[];
}

/** A tuple of values as a string that is equal for equal values, whatever engine printed them; undefined when a value is NULL. */
function tupleKey(types: PortableType[], values: unknown[]): string | undefined {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null || values[i] === undefined) return undefined;
    out += (i ? '\u0001' : '') + canonicalValue(types[i], values[i]);
  }
  return out;
}

const pick = (key: Key, row: Row) => key.positions.map((p) => row[p]);

/**
 * Merges incoming rows into tables that already hold rows. A collision is an incoming row whose
 * primary key or any unique key matches a target row; per batch each key costs a few IN-list
 * lookups. A collision is settled by the resolver or the table's strategy; the merged row keeps
 * the target's primary key, the earliest creation time and the latest update time. When a row is
 * merged into a target row with another key, incoming rows that reference it are re-pointed
 * before they are written (repoint), so no reference dangles.
 */
export class Merger {
  /** Per parent table, per referenced column list: incoming key → the key of the target row it was merged into. */
  private readonly moved = new Map<string, Map<string, Map<string, Row>>>();
  /** Per table, the column lists that incoming foreign keys reference. */
  private readonly referenced = new Map<string, string[][]>();

  constructor(
    private readonly writer: Writer,
    private readonly incoming: Table[],
    private readonly options: MergeOptions,
  ) {
    for (const t of incoming) {
      for (const fk of t.foreignKeys) {
        const lists = this.referenced.get(fk.references.table) ?? [];
        if (!lists.some((l) => l.join('\0') === fk.references.columns.join('\0'))) lists.push(fk.references.columns);
        this.referenced.set(fk.references.table, lists);
      }
    }
  }

  /** Whether repoint may change rows of `table`: some incoming row it references was merged into a target row with another key. */
  movesInto(table: string): boolean {
    const def = this.incoming.find((t) => t.name === table);
    return (def?.foreignKeys ?? []).some((fk) => Boolean(this.movedKeys(fk)?.size));
  }

  /** For the rows a foreign key references: incoming key → the key of the target row it was merged into. */
  private movedKeys(fk: ForeignKey): Map<string, Row> | undefined {
    return this.moved.get(fk.references.table)?.get(fk.references.columns.join('\0'));
  }

  /** Rewrites, in place, foreign keys of `rows` that point at incoming rows merged into target rows with other keys. */
  repoint(table: string, columns: Column[], rows: Row[]): void {
    const def = this.incoming.find((t) => t.name === table);
    for (const fk of def?.foreignKeys ?? []) {
      const map = this.movedKeys(fk);
      if (!map?.size) continue;
      const positions = fk.columns.map((c) => columns.findIndex((x) => x.name === c));
      if (positions.some((p) => p < 0)) continue;
      const types = positions.map((p) => columns[p].type);
      for (const row of rows) {
        const from = tupleKey(types, positions.map((p) => row[p]));
        const to = from === undefined ? undefined : map.get(from);
        if (to) positions.forEach((p, j) => (row[p] = to[j]));
      }
    }
  }

  /** Merges one batch of incoming rows (foreign keys already re-pointed) into `target`, which holds rows. */
  async mergeBatch(target: Table, columns: Column[], rows: Row[]): Promise<MergeCount> {
    const keys = this.keysOf(target, columns);
    const found = await this.lookUp(target.name, columns, keys, rows);
    // The merged row keeps the target's primary key; without one, the target's first unique key.
    const identity = keys[0];
    const strategy = strategyFor(this.options.strategies, { ...target, columns });
    const created = creationColumn(target, this.options.creationColumns);
    const updated = updateColumn(target, this.options.updateColumns);
    const createdAt = created ? columns.findIndex((c) => c.name === created.name) : -1;
    const updatedAt = updated ? columns.findIndex((c) => c.name === updated.name) : -1;

    const inserts: Row[] = [];
    const updates: Row[] = [];
    /** Keys of the rows this batch inserts: a second incoming row with one of them is a duplicate within the dump. */
    const pending = keys.map(() => new Map<string, Row>());
    let skipped = 0;

    for (const row of rows) {
      throwIfAborted(this.options.signal);
      const tuples = keys.map((k) => tupleKey(k.types, pick(k, row)));
      let match: Row | undefined;
      let fromDump = false;
      keys.forEach((_, k) => {
        const t = tuples[k];
        if (t === undefined || match) return;
        match = found[k].get(t);
        if (!match && pending[k].has(t)) {
          match = pending[k].get(t);
          fromDump = true;
        }
      });
      if (!match) {
        inserts.push(row);
        keys.forEach((_, k) => tuples[k] !== undefined && pending[k].set(tuples[k]!, row));
        continue;
      }
      if (fromDump) {
        // The dump holds this row twice (by some key): the first one stands.
        skipped++;
        this.remember(target.name, columns, row, match);
        continue;
      }
      const target_ = match;
      if (columns.every((c, i) => canonicalValue(c.type, row[i]) === canonicalValue(c.type, target_[i]))) {
        // The same row again: nothing to settle, nobody to ask.
        skipped++;
        continue;
      }
      const chosen = this.options.resolver
        ? resolvedRow(target.name, columns, target_, row, await this.options.resolver.resolve(target.name, rowObject(columns, target_), rowObject(columns, row), { columns }))
        : choose(strategy, columns, target_, row) === 'incoming'
          ? row
          : target_;
      const merged = [...chosen];
      for (const p of identity.positions) merged[p] = target_[p];
      if (createdAt >= 0) merged[createdAt] = extreme(columns[createdAt].type, target_[createdAt], row[createdAt], 'first');
      if (updatedAt >= 0) merged[updatedAt] = extreme(columns[updatedAt].type, target_[updatedAt], row[updatedAt], 'last');
      this.refuseSecondCollision(target.name, keys, found, target_, merged);
      this.remember(target.name, columns, row, merged);
      if (columns.some((c, i) => canonicalValue(c.type, merged[i]) !== canonicalValue(c.type, target_[i]))) updates.push(merged);
      else skipped++;
    }

    // Rows of this batch may reference rows that the batch itself merged (a table referencing itself).
    this.repoint(target.name, columns, inserts);
    this.repoint(target.name, columns, updates);

    let inserted = inserts.length;
    if (!this.options.dryRun) {
      if (updates.length) await this.writer.updateRows(target.name, columns, identity.columns.map((c) => c.name), updates);
      if (inserts.length) {
        const count = await this.writer.writeRows(target.name, columns, batchOf(inserts), { onConflict: 'skip', signal: this.options.signal });
        // Rows the lookups could not see collide (a case-insensitive collation, say) and stay out.
        skipped += inserts.length - count.inserted;
        inserted = count.inserted;
      }
    }
    const pk = target.primaryKey.map((n) => columns.findIndex((c) => c.name === n));
    const written = this.options.dryRun || !pk.length || pk.some((p) => p < 0) ? [] : [...inserts, ...updates].map((r) => pk.map((p) => r[p]));
    return { inserted, merged: updates.length, skipped, written };
  }

  /** The primary key, then every unique key, whose columns all came in. */
  private keysOf(target: Table, columns: Column[]): Key[] {
    const lists = [target.primaryKey, ...target.uniques.map((u) => u.columns), ...target.indexes.filter((i) => i.unique).map((i) => i.columns)];
    const keys: Key[] = [];
    const seen = new Set<string>();
    for (const list of lists) {
      if (!list.length || seen.has(list.join('\0'))) continue;
      const positions = list.map((n) => columns.findIndex((c) => c.name === n));
      if (positions.some((p) => p < 0)) continue;
      seen.add(list.join('\0'));
      keys.push({ positions, columns: positions.map((p) => columns[p]), types: positions.map((p) => columns[p].type) });
    }
    return keys;
  }

  /** The target rows that hold one of the batch's keys, per key: IN-list queries of a few hundred values. */
  private async lookUp(table: string, columns: Column[], keys: Key[], rows: Row[]): Promise<Array<Map<string, Row>>> {
    const found: Array<Map<string, Row>> = [];
    for (const key of keys) {
      const wanted = new Map<string, Row>();
      for (const row of rows) {
        const values = pick(key, row);
        const t = tupleKey(key.types, values);
        if (t !== undefined) wanted.set(t, values);
      }
      const hits = new Map<string, Row>();
      for (const values of chunks([...wanted.values()])) {
        for await (const batch of this.writer.rows(table, columns, { kind: 'in', columns: key.columns, values }, this.options.signal)) {
          for (const r of batch) hits.set(tupleKey(key.types, pick(key, r))!, r);
        }
      }
      found.push(hits);
    }
    return found;
  }

  /** A merged row that would take a unique key another target row holds cannot be written: say so plainly. */
  private refuseSecondCollision(table: string, keys: Key[], found: Array<Map<string, Row>>, match: Row, merged: Row): void {
    keys.forEach((key, k) => {
      const t = tupleKey(key.types, pick(key, merged));
      const other = t === undefined ? undefined : found[k].get(t);
      if (other && other !== match && tupleKey(keys[0].types, pick(keys[0], other)) !== tupleKey(keys[0].types, pick(keys[0], match))) {
        throw new DbPorterError(
          'CONFLICT',
          `Table "${table}": the incoming row with (${key.columns.map((c) => c.name).join(', ')}) = (${pick(key, merged).join(', ')}) collides with two different rows of the target, and merging it into one would break the other's unique key. Settle it with a strategy that keeps the target row (--on-conflict ${table}=keep) or fix the data; nothing was written.`,
        );
      }
    });
  }

  /** Records where an incoming row went, for every column list that foreign keys reference. */
  private remember(table: string, columns: Column[], incoming: Row, merged: Row): void {
    for (const list of this.referenced.get(table) ?? []) {
      const positions = list.map((n) => columns.findIndex((c) => c.name === n));
      if (positions.some((p) => p < 0)) continue;
      const types = positions.map((p) => columns[p].type);
      const from = tupleKey(types, positions.map((p) => incoming[p]));
      const to = positions.map((p) => merged[p]);
      if (from === undefined || from === tupleKey(types, to)) continue;
      const byTable = this.moved.get(table) ?? new Map<string, Map<string, Row>>();
      const map = byTable.get(list.join('\0')) ?? new Map<string, Row>();
      map.set(from, to);
      byTable.set(list.join('\0'), map);
      this.moved.set(table, byTable);
    }
  }
}

/** The earlier (first) or later (last) of two values, NULLs aside. */
function extreme(type: PortableType, a: unknown, b: unknown, which: 'first' | 'last'): unknown {
  if (a === null || a === undefined) return b ?? null;
  if (b === null || b === undefined) return a;
  const order = compareValues(type, b, a);
  return (which === 'first' ? order < 0 : order > 0) ? b : a;
}
