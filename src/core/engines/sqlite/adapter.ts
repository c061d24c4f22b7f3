import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic, type Statement } from 'sql.js';
import type { Adapter, Reader, Writer, WriteCount, WriteOptions } from '../adapter';
import type { Column, ColumnDefault, DatabaseSchema, ForeignKey, Row, Table } from '../../schema/model';
import { DbPorterError, errorMessage, throwIfAborted } from '../../errors';
import { writeFileAtomic } from '../../atomic-file';
import { declaredFromPortable, portableFromDeclared } from './types';
import { fromSqlite, toSqlite, type SqliteValue } from './values';
import { ValueProblem } from '../../values';
import { whereSql, type RowFilter } from '../filter';
import { quoteSqlite } from './quote';
import { parseSqliteType, renderSqliteType } from './type-names';
import { sqliteDialect } from './dialect';

const BATCH_ROWS = 500;

let sqlJs: Promise<SqlJsStatic> | undefined;

/** The wasm file ships next to the bundle (dist/) and is found in node_modules when running from source. */
function wasmPath(): string {
  const besideBundle = path.join(__dirname, 'sql-wasm.wasm');
  return fs.existsSync(besideBundle) ? besideBundle : require.resolve('sql.js/dist/sql-wasm.wasm');
}

function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= initSqlJs({ locateFile: () => wasmPath() });
  return sqlJs;
}

/** What the file looked like when it was read; a write refuses to go ahead if it changed since. */
interface Fingerprint {
  exists: boolean;
  size: bigint;
  mtimeNs: bigint;
  ino: bigint;
}

function fingerprint(file: string): Fingerprint {
  try {
    const st = fs.statSync(file, { bigint: true });
    return { exists: true, size: st.size, mtimeNs: st.mtimeNs, ino: st.ino };
  } catch {
    return { exists: false, size: 0n, mtimeNs: 0n, ino: 0n };
  }
}

const sameFingerprint = (a: Fingerprint, b: Fingerprint) =>
  a.exists === b.exists && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino;

/**
 * sql.js reads the database file alone. A non-empty write-ahead log or rollback journal beside it
 * means committed rows live elsewhere, or a write is under way: reading would miss them, and
 * writing would destroy them.
 */
function refuseUnfinishedWrites(file: string): void {
  for (const suffix of ['-wal', '-journal']) {
    let size = 0;
    try {
      size = fs.statSync(file + suffix).size;
    } catch {
      continue;
    }
    if (size > 0) {
      throw new DbPorterError(
        'FILE_IN_USE',
        `${file} has a ${suffix === '-wal' ? 'write-ahead log' : 'rollback journal'} (${path.basename(file + suffix)}) with changes not yet in the database file: another program has it open or stopped mid-write. Close that program (or run: sqlite3 ${file} "PRAGMA wal_checkpoint(TRUNCATE)"), then run DB Porter again.`,
      );
    }
  }
}

/**
 * The bytes of a SQLite file, read so that no other program's write lands half way through: the
 * file must look the same before and after the read.
 */
export function readSqliteFile(file: string): Buffer {
  refuseUnfinishedWrites(file);
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = fingerprint(file);
    const bytes = fs.readFileSync(file);
    const after = fingerprint(file);
    if (sameFingerprint(before, after) && BigInt(bytes.length) === after.size) return bytes;
  }
  throw new DbPorterError('FILE_CHANGED', `${file} kept changing while DB Porter read it; stop the program writing to it and try again.`);
}


/** SQLite through sql.js: the whole file is read into memory, and written back whole and atomically. */
export class SqliteAdapter implements Adapter {
  readonly engine = 'sqlite' as const;
  readonly dialect = sqliteDialect;
  readonly transactionalDdl = true;
  readonly description: string;
  private db: Database;
  private seen: Fingerprint;

  private constructor(
    private readonly file: string,
    private readonly sql: SqlJsStatic,
    bytes?: Buffer,
  ) {
    this.description = `sqlite:${file}`;
    this.seen = fingerprint(file);
    this.db = this.load(bytes);
  }

  /** Opens a file; `bytes`, when given, are its content as already read by readSqliteFile. */
  static async open(file: string, bytes?: Buffer): Promise<SqliteAdapter> {
    return new SqliteAdapter(file, await loadSqlJs(), bytes);
  }

  private load(bytes?: Buffer): Database {
    this.seen = fingerprint(this.file);
    if (!this.seen.exists) return new this.sql.Database();
    const content = bytes ?? readSqliteFile(this.file);
    this.seen = fingerprint(this.file);
    let db: Database;
    try {
      db = new this.sql.Database(content);
      db.exec('SELECT count(*) FROM sqlite_master');
    } catch (err) {
      throw new DbPorterError('CONNECTION_FAILED', `${this.file} is not a SQLite database (${errorMessage(err)}). Check the path in the sqlite: URL.`);
    }
    return db;
  }

  private requireFile(): void {
    if (!this.seen.exists) {
      throw new DbPorterError('FILE_NOT_FOUND', `No SQLite database at ${this.file}. Check the path in the sqlite: URL (relative paths start at the working directory or the config file's folder).`);
    }
  }

  quoteIdentifier(name: string): string {
    return quoteSqlite(name);
  }

  private all(sql: string): Array<Record<string, SqliteValue>> {
    const stmt = this.db.prepare(sql);
    const out: Array<Record<string, SqliteValue>> = [];
    try {
      while (stmt.step()) out.push(stmt.getAsObject() as Record<string, SqliteValue>);
    } finally {
      stmt.free();
    }
    return out;
  }

  async introspect(): Promise<DatabaseSchema> {
    this.requireFile();
    return { engine: 'sqlite', tables: this.introspectTables() };
  }

  private introspectTables(): Table[] {
    const names = this.all(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    ).map((r) => String(r.name));
    return names.map((name) => this.introspectTable(name));
  }

  private introspectTable(name: string): Table {
    const q = quoteSqlite(name);
    // table_xinfo also lists generated columns (hidden 2 and 3); they cannot be written, so they stay out.
    const info = this.all(`PRAGMA table_xinfo(${q})`).filter((c) => c.hidden === 0);
    const pkColumns = info.filter((c) => Number(c.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk));
    const primaryKey = pkColumns.map((c) => String(c.name));
    const rowidAlias = pkColumns.length === 1 && String(pkColumns[0].type).trim().toUpperCase() === 'INTEGER';

    const columns: Column[] = info.map((c) => {
      const declared = String(c.type ?? '');
      const shape = portableFromDeclared(declared);
      const column: Column = {
        name: String(c.name),
        ...shape,
        nullable: Number(c.notnull) === 0 && !(rowidAlias && primaryKey[0] === c.name),
      };
      if (declared.trim()) column.native = parseSqliteType(declared);
      if (rowidAlias && primaryKey[0] === c.name) column.autoIncrement = true;
      const dflt = sqliteDefault(c.dflt_value);
      if (dflt) column.default = dflt;
      return column;
    });

    const uniques: Table['uniques'] = [];
    const indexes: Table['indexes'] = [];
    for (const idx of this.all(`PRAGMA index_list(${q})`)) {
      if (idx.origin === 'pk' || Number(idx.partial) === 1) continue;
      const cols = this.all(`PRAGMA index_info(${quoteSqlite(String(idx.name))})`);
      // Expression indexes (cid -2) have no portable form.
      if (cols.some((c) => c.name === null)) continue;
      const columnsOf = cols.sort((a, b) => Number(a.seqno) - Number(b.seqno)).map((c) => String(c.name));
      if (idx.origin === 'u') uniques.push({ columns: columnsOf });
      else indexes.push({ name: String(idx.name), columns: columnsOf, unique: Number(idx.unique) === 1 });
    }

    const fkRows = this.all(`PRAGMA foreign_key_list(${q})`);
    const foreignKeys: Table['foreignKeys'] = [];
    for (const id of [...new Set(fkRows.map((r) => Number(r.id)))]) {
      const parts = fkRows.filter((r) => Number(r.id) === id).sort((a, b) => Number(a.seq) - Number(b.seq));
      const refTable = String(parts[0].table);
      let refColumns = parts.map((p) => (p.to === null ? null : String(p.to)));
      if (refColumns.some((c) => c === null)) {
        // "REFERENCES parent" without columns means the parent's primary key.
        refColumns = this.all(`PRAGMA table_info(${quoteSqlite(refTable)})`)
          .filter((c) => Number(c.pk) > 0)
          .sort((a, b) => Number(a.pk) - Number(b.pk))
          .map((c) => String(c.name));
      }
      foreignKeys.push({
        columns: parts.map((p) => String(p.from)),
        references: { table: refTable, columns: refColumns as string[] },
        ...referentialActions(parts[0].on_delete, parts[0].on_update),
      });
    }
    return { name, columns, primaryKey, uniques, foreignKeys, indexes };
  }

  async read<T>(fn: (reader: Reader) => Promise<T>): Promise<T> {
    this.requireFile();
    // The database lives in memory, read once from the file: it is its own consistent snapshot.
    return fn({
      countRows: async (table) => Number(this.db.exec(`SELECT count(*) FROM ${quoteSqlite(table)}`)[0].values[0][0]),
      rows: (table, columns, signal, where) => this.rows(table, columns, signal, where),
    });
  }

  private async *rows(table: string, columns: Column[], signal?: AbortSignal, where?: RowFilter): AsyncIterable<Row[]> {
    const params: SqliteValue[] = [];
    const filter = whereSql(where, quoteSqlite, (column, v) => {
      params.push(v === null ? null : toSqlite(column.type)(v));
      return '?';
    });
    const select = columns
      .map((c) => {
        const q = quoteSqlite(c.name);
        // sql.js hands integers to JavaScript as doubles; beyond 2^53 they travel as text instead.
        return c.type === 'bigint' || c.type === 'integer' || c.type === 'smallint' || c.type === 'decimal'
          ? `CASE WHEN typeof(${q}) = 'integer' AND (${q} > 9007199254740991 OR ${q} < -9007199254740991) THEN CAST(${q} AS TEXT) ELSE ${q} END`
          : q;
      })
      .join(', ');
    const converters = columns.map((c) => fromSqlite(c.type));
    let stmt: Statement;
    try {
      stmt = this.db.prepare(`SELECT ${select} FROM ${quoteSqlite(table)}${filter}`);
      if (params.length) stmt.bind(params as never);
    } catch (err) {
      throw new DbPorterError('UNKNOWN_TABLE', `Cannot read table "${table}" from ${this.file}: ${errorMessage(err)}`);
    }
    try {
      let batch: Row[] = [];
      let rowNumber = 0;
      while (stmt.step()) {
        rowNumber++;
        // get() makes a fresh array per row: it becomes the row itself, converted in place.
        const row = stmt.get() as unknown[];
        for (let i = 0; i < row.length; i++) {
          const v = row[i] as SqliteValue;
          if (v === null) continue;
          try {
            row[i] = converters[i](v);
          } catch (err) {
            if (!(err instanceof ValueProblem)) throw err;
            throw new DbPorterError(
              'BAD_VALUE',
              `Table "${table}", row ${rowNumber}, column "${columns[i].name}" (${columns[i].native ? renderSqliteType(columns[i].native!) : columns[i].type}) ${err.message}. SQLite accepted it, but it cannot be moved losslessly; fix the value or declare the column with a matching type.`,
            );
          }
        }
        batch.push(row);
        if (batch.length === BATCH_ROWS) {
          yield batch;
          batch = [];
          throwIfAborted(signal);
        }
      }
      if (batch.length) yield batch;
    } finally {
      stmt.free();
    }
  }

  async write<T>(fn: (writer: Writer) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const written = new Set<string>();
    this.db.run('BEGIN');
    let result: T;
    try {
      result = await fn(this.writer(written));
      throwIfAborted(signal);
      this.checkForeignKeys(written);
      this.db.run('COMMIT');
    } catch (err) {
      try {
        this.db.run('ROLLBACK');
      } catch {
        // SQLite already rolled back on its own (some errors do that).
      }
      throw err;
    }
    try {
      this.persist();
    } catch (err) {
      // The memory copy now differs from the file; read the file again so it stays the truth.
      this.db.close();
      this.db = this.load();
      throw err;
    }
    return result;
  }

  private persist(): void {
    const now = fingerprint(this.file);
    if (now.exists) refuseUnfinishedWrites(this.file);
    if (!sameFingerprint(now, this.seen)) {
      throw new DbPorterError(
        'FILE_CHANGED',
        `${this.file} was changed by another program after DB Porter read it; nothing was written, to keep that program's changes. Run the command again.`,
      );
    }
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    try {
      writeFileAtomic(this.file, this.db.export());
    } catch (err) {
      throw new DbPorterError('WRITE_FAILED', `Could not write ${this.file}: ${errorMessage(err)}. The file is unchanged.`);
    }
    this.seen = fingerprint(this.file);
  }

  private checkForeignKeys(written: Set<string>): void {
    // Rows written, and rows elsewhere whose parents were deleted or replaced.
    const tables = new Set(written);
    for (const t of this.introspectTables()) if (t.foreignKeys.some((fk) => written.has(fk.references.table))) tables.add(t.name);
    for (const table of tables) {
      const bad = this.all(`PRAGMA foreign_key_check(${quoteSqlite(table)})`);
      if (bad.length) {
        const first = bad[0];
        // SQLite keeps no name for a foreign key: its columns say which one it is.
        const columns = this.all(`PRAGMA foreign_key_list(${quoteSqlite(table)})`)
          .filter((k) => Number(k.id) === Number(first.fkid))
          .sort((a, b) => Number(a.seq) - Number(b.seq))
          .map((k) => String(k.from));
        throw new DbPorterError(
          'WRITE_FAILED',
          `Table "${table}" has ${bad.length} row(s) whose foreign key (${columns.join(', ')}) points at a missing row of "${first.parent}" (first: rowid ${first.rowid}). Include the referenced rows, or import into a database that has them; nothing was written.`,
        );
      }
    }
  }

  private writer(written: Set<string>): Writer {
    const writer: Writer = {
      introspect: async () => ({ engine: 'sqlite', tables: this.introspectTables() }),
      createSchema: async (schema) => {
        for (const table of schema.tables) {
          this.db.run(createTableSql(table));
          for (const index of table.indexes) {
            this.db.run(
              `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteSqlite(index.name)} ON ${quoteSqlite(table.name)} (${index.columns.map(quoteSqlite).join(', ')})`,
            );
          }
        }
      },
      // Tables only, so far: the other objects of the database arrive with the engine's full DDL.
      clear: async () => {
        const schema = { tables: this.introspectTables() };
        await writer.dropTables(schema.tables.map((t) => t.name));
      },
      emptyTables: async (tables) => {
        for (const table of tables) {
          this.db.run(`DELETE FROM ${quoteSqlite(table)}`);
          written.add(table);
        }
      },
      dropTables: async (tables) => {
        for (const table of tables) {
          this.db.run(`DROP TABLE IF EXISTS ${quoteSqlite(table)}`);
          written.delete(table);
        }
      },
      deleteRows: async (table, keyColumns, keys) => {
        written.add(table);
        const params: SqliteValue[] = [];
        const where = whereSql({ kind: 'in', columns: keyColumns, values: keys }, quoteSqlite, (column, v) => {
          params.push(v === null ? null : toSqlite(column.type)(v));
          return '?';
        });
        this.db.run(`DELETE FROM ${quoteSqlite(table)}${where}`, params as never);
        return this.db.getRowsModified();
      },
      execute: async (sql) => {
        try {
          this.db.exec(sql);
        } catch (err) {
          throw new DbPorterError('WRITE_FAILED', `SQLite refused the script: ${errorMessage(err)}. Nothing was written.`);
        }
      },
      writeRows: (table, columns, batches, options) => {
        written.add(table);
        return this.writeRows(table, columns, batches, options);
      },
      rows: (table, columns, where, signal) => this.rows(table, columns, signal, where),
      updateRows: async (table, columns, key, rows) => {
        const set = columns.filter((c) => !key.includes(c.name));
        if (!rows.length || !set.length) return 0;
        written.add(table);
        // In-process: a prepared statement per row costs what one set-based statement would.
        const order = [...set, ...key.map((k) => columns.find((c) => c.name === k)!)];
        const positions = order.map((c) => columns.indexOf(c));
        const converters = order.map((c) => toSqlite(c.type));
        const stmt = this.db.prepare(
          `UPDATE ${quoteSqlite(table)} SET ${set.map((c) => `${quoteSqlite(c.name)} = ?`).join(', ')} WHERE ${key.map((k) => `${quoteSqlite(k)} = ?`).join(' AND ')}`,
        );
        let changed = 0;
        try {
          rows.forEach((row, n) => {
            const values = positions.map((p, i) => (row[p] === null ? null : converters[i](row[p])));
            try {
              stmt.run(values as never);
            } catch (err) {
              throw rowError(table, n + 1, columns, row, err);
            }
            changed += this.db.getRowsModified();
          });
        } finally {
          stmt.free();
        }
        return changed;
      },
    };
    return writer;
  }

  private async writeRows(table: string, columns: Column[], batches: AsyncIterable<Row[]>, options: WriteOptions): Promise<WriteCount> {
    const sql = `INSERT INTO ${quoteSqlite(table)} (${columns.map((c) => quoteSqlite(c.name)).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})${
      options.onConflict === 'skip' ? ' ON CONFLICT DO NOTHING' : ''
    }`;
    const converters = columns.map((c) => toSqlite(c.type));
    const stmt = this.db.prepare(sql);
    let rows = 0;
    let inserted = 0;
    try {
      for await (const batch of batches) {
        throwIfAborted(options.signal);
        for (const row of batch) {
          const values = row.map((v, i) => (v === null ? null : converters[i](v)));
          rows++;
          try {
            stmt.run(values as never);
          } catch (err) {
            throw rowError(table, rows, columns, row, err);
          }
          inserted += this.db.getRowsModified();
        }
        options.onRows?.(rows);
      }
    } finally {
      stmt.free();
    }
    return { rows, inserted };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function rowError(table: string, rowNumber: number, columns: Column[], row: Row, err: unknown): DbPorterError {
  const message = errorMessage(err);
  if (/UNIQUE constraint failed|PRIMARY KEY/i.test(message)) {
    return new DbPorterError(
      'CONFLICT',
      `Row ${rowNumber} of table "${table}" collides with an existing row (${message}). Use --mode merge to keep the existing rows, or --mode replace to empty the table first; nothing was written.`,
    );
  }
  const key = columns.length ? ` (${columns[0].name} = ${JSON.stringify(row[0])})` : '';
  return new DbPorterError('WRITE_FAILED', `Could not write row ${rowNumber} of table "${table}"${key}: ${message}. Nothing was written.`);
}

function referentialActions(onDelete: SqliteValue, onUpdate: SqliteValue): Pick<ForeignKey, 'onDelete' | 'onUpdate'> {
  const action = (v: SqliteValue) => (v && v !== 'NO ACTION' ? (String(v) as ForeignKey['onDelete']) : undefined);
  const out: Pick<ForeignKey, 'onDelete' | 'onUpdate'> = {};
  if (action(onDelete)) out.onDelete = action(onDelete);
  if (action(onUpdate)) out.onUpdate = action(onUpdate);
  return out;
}

function sqliteDefault(value: SqliteValue): ColumnDefault | undefined {
  if (value === null || value === undefined) return undefined;
  const text = String(value).trim();
  if (/^null$/i.test(text)) return undefined;
  if (/^(current_timestamp|current_date|current_time)$/i.test(text) || /^\(?datetime\('now'\)\)?$/i.test(text)) return { kind: 'now' };
  if (/^-?\d+(\.\d+)?$/.test(text)) return { kind: 'literal', value: Number(text) };
  if (/^'.*'$/s.test(text)) return { kind: 'literal', value: text.slice(1, -1).replace(/''/g, "'") };
  if (/^(true|false)$/i.test(text)) return { kind: 'literal', value: text.toLowerCase() === 'true' };
  return { kind: 'expression', engine: 'sqlite', sql: text };
}

function defaultSql(dflt: ColumnDefault | undefined): string {
  if (!dflt) return '';
  switch (dflt.kind) {
    case 'now':
      return ' DEFAULT CURRENT_TIMESTAMP';
    case 'literal':
      if (typeof dflt.value === 'string') return ` DEFAULT '${dflt.value.replace(/'/g, "''")}'`;
      if (typeof dflt.value === 'boolean') return ` DEFAULT ${dflt.value ? 1 : 0}`;
      return ` DEFAULT ${dflt.value}`;
    case 'expression':
      return dflt.engine === 'sqlite' ? ` DEFAULT (${dflt.sql})` : '';
    case 'uuid':
    case 'sequence':
      return '';
  }
}

function createTableSql(table: Table): string {
  const single = table.primaryKey.length === 1 ? table.columns.find((c) => c.name === table.primaryKey[0]) : undefined;
  // Only INTEGER PRIMARY KEY makes a column the rowid, which is how SQLite numbers new rows.
  const rowidPk = single && single.autoIncrement && ['smallint', 'integer', 'bigint'].includes(single.type);
  const lines = table.columns.map((c) => {
    if (rowidPk && c === single) return `${quoteSqlite(c.name)} INTEGER PRIMARY KEY`;
    return `${quoteSqlite(c.name)} ${declaredFromPortable(c)}${c.nullable ? '' : ' NOT NULL'}${defaultSql(c.default)}`;
  });
  if (table.primaryKey.length && !rowidPk) lines.push(`PRIMARY KEY (${table.primaryKey.map(quoteSqlite).join(', ')})`);
  for (const u of table.uniques) lines.push(`UNIQUE (${u.columns.map(quoteSqlite).join(', ')})`);
  for (const fk of table.foreignKeys) {
    lines.push(
      `FOREIGN KEY (${fk.columns.map(quoteSqlite).join(', ')}) REFERENCES ${quoteSqlite(fk.references.table)} (${fk.references.columns
        .map(quoteSqlite)
        .join(', ')})${fk.onDelete ? ` ON DELETE ${fk.onDelete}` : ''}${fk.onUpdate ? ` ON UPDATE ${fk.onUpdate}` : ''}`,
    );
  }
  return `CREATE TABLE ${quoteSqlite(table.name)} (\n  ${lines.join(',\n  ')}\n)`;
}
