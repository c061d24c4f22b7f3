import { Readable } from 'node:stream';
import mysql from 'mysql2';
import { batchOf, streamBatches } from '../../batches';
import { lineCount, tabLines } from '../tab-lines';
import { rawTsvField, tsvField, tsvRows } from './tsv';
import type { Adapter, EncodedRows, Reader, Writer, WriteCount, WriteOptions } from '../adapter';
import type { Column, ColumnDefault, DatabaseSchema, ForeignKey, Row, Table } from '../../schema/model';
import { DbPorterError, errorMessage, isDbPorterError, throwIfAborted } from '../../errors';
import { describeLocation, maskSecrets, type ServerLocation } from '../../url';
import { fromMysql, mysqlFromPortable, portableFromMysql, toMysql, type MysqlRaw } from './types';
import { whereSql, type RowFilter } from '../filter';
import { quoteMysql } from './quote';
import { parseMysqlType } from './type-names';
import { mysqlDialect } from './dialect';
import { replaceThroughShadow, sweepLeftovers, withScriptLock } from './shadow';

const BATCH_ROWS = 2000;
/** Keeps each INSERT well under max_allowed_packet (16 MB by default on both MySQL and MariaDB). */
const BATCH_BYTES = 4 * 1024 * 1024;

type Raw = Record<string, string | number | null>;

export class MysqlAdapter implements Adapter {
  readonly engine = 'mysql' as const;
  readonly dialect = mysqlDialect;
  readonly transactionalDdl = false;
  readonly nativeFormat = 'mysql-tsv' as const;
  readonly description: string;
  /** Whether leftovers of killed restores were looked for already (once per connection is enough). */
  private swept = false;
  /** Whether the server takes LOAD DATA LOCAL INFILE; cleared when it refuses once. */
  localInfile = true;

  private constructor(
    private readonly conn: mysql.Connection,
    private readonly location: ServerLocation,
  ) {
    this.description = `mysql://${describeLocation(location)}`;
  }

  static async open(location: ServerLocation): Promise<MysqlAdapter> {
    const conn = mysql.createConnection({
      host: location.host,
      port: location.port ?? 3306,
      user: location.user ?? 'root',
      password: location.password,
      database: location.database,
      charset: 'utf8mb4',
      // Migration scripts hold several statements. DB Porter's own SQL quotes every identifier and
      // escapes every value, so this opens no door to injection.
      multipleStatements: true,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      timezone: 'Z',
      // Without FOUND_ROWS, a merge's no-op update of a colliding row counts as 0 affected rows,
      // so affectedRows is exactly the number of rows inserted.
      flags: ['-FOUND_ROWS'],
      ssl: location.params.ssl === 'true' || location.params['ssl-mode'] === 'REQUIRED' ? {} : undefined,
      // JSON arrives as its text, never parsed: numbers of any size survive.
      jsonStrings: true,
    });
    const adapter = new MysqlAdapter(conn, location);
    // A connection the server ends (KILL, a restart) fails the reads in flight: a paused result
    // stream would otherwise wait for rows that never come.
    conn.on('error', (err) => adapter.lost(err));
    conn.on('end', () => adapter.lost(new Error('the server closed the connection')));
    try {
      await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
      // Strict mode turns silent truncation into errors; NO_AUTO_VALUE_ON_ZERO keeps an id of 0 as 0.
      await adapter.run(
        "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO'",
      );
    } catch (err) {
      conn.destroy();
      throw connectError(err, location);
    }
    return adapter;
  }

  quoteIdentifier(name: string): string {
    return quoteMysql(name);
  }

  private run<R = Raw[]>(sql: string, values?: unknown[]): Promise<R> {
    return new Promise((resolve, reject) => {
      this.conn.query(sql, values, (err, result) => (err ? reject(this.wrap(err)) : resolve(result as R)));
    });
  }

  private readonly streams = new Set<{ destroy(err?: Error): void }>();

  private lost(err: Error): void {
    const gone = this.connectionLost(err);
    for (const stream of this.streams) stream.destroy(gone);
    this.streams.clear();
  }

  private connectionLost(err: unknown): DbPorterError {
    return new DbPorterError('CONNECTION_FAILED', `MySQL at ${describeLocation(this.location)} ended the connection (${maskSecrets(errorMessage(err), [this.location.password])}). Nothing was written; run it again once the server is back.`, { cause: err });
  }

  private wrap(err: unknown): Error {
    if (err instanceof DbPorterError) return err;
    // A write into a connection the server closed fails with the socket's error, not mysql2's.
    const { code, fatal } = err as { code?: string; fatal?: boolean };
    if (fatal || code === 'EPIPE' || code === 'ECONNRESET') return this.connectionLost(err);
    const message = maskSecrets(errorMessage(err), [this.location.password]);
    return new DbPorterError('WRITE_FAILED', `MySQL at ${describeLocation(this.location)}: ${message}`, { cause: err });
  }

  async introspect(): Promise<DatabaseSchema> {
    return { engine: 'mysql', tables: await this.introspectTables() };
  }

  private async introspectTables(): Promise<Table[]> {
    const tables = await this.run(
      "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    );
    if (!tables.length) return [];
    const columns = await this.run(
      `SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable,
              COLUMN_DEFAULT AS dflt, EXTRA AS extra
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    );
    const jsonChecks = await this.run(
      `SELECT TABLE_NAME AS tbl, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
       WHERE CONSTRAINT_SCHEMA = DATABASE() AND CHECK_CLAUSE LIKE 'json_valid(%'`,
    ).catch(() => [] as Raw[]);
    const keys = await this.run(
      `SELECT k.TABLE_NAME AS tbl, k.CONSTRAINT_NAME AS name, c.CONSTRAINT_TYPE AS type, k.COLUMN_NAME AS col,
              k.REFERENCED_TABLE_NAME AS reftable, k.REFERENCED_COLUMN_NAME AS refcol, r.DELETE_RULE AS onDelete, r.UPDATE_RULE AS onUpdate
       FROM information_schema.KEY_COLUMN_USAGE k
       JOIN information_schema.TABLE_CONSTRAINTS c
         ON c.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME
       LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r
         ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
       WHERE k.TABLE_SCHEMA = DATABASE() AND c.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')
       ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    );
    const stats = await this.run(
      `SELECT TABLE_NAME AS tbl, INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS col, SUB_PART AS subPart
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    );

    return tables.map(({ name }) => {
      const tbl = String(name);
      const isJson = (col: string) => jsonChecks.some((c) => c.tbl === tbl && String(c.clause).replace(/[`"]/g, '') === `json_valid(${col})`);
      const cols: Column[] = columns
        .filter((c) => c.tbl === tbl && !/GENERATED/i.test(String(c.extra)))
        .map((c) => {
          const colName = String(c.name);
          const shape = portableFromMysql(String(c.dataType), String(c.columnType), isJson(colName));
          const column: Column = {
            name: colName,
            ...shape,
            nullable: c.nullable === 'YES',
            native: parseMysqlType(String(c.columnType)),
          };
          if (/auto_increment/i.test(String(c.extra))) column.autoIncrement = true;
          else {
            const dflt = mysqlDefault(c.dflt, String(c.dataType));
            if (dflt) column.default = dflt;
          }
          return column;
        });
      const own = keys.filter((k) => k.tbl === tbl);
      const byName = (type: string) => {
        const groups = new Map<string, Raw[]>();
        for (const k of own.filter((k) => k.type === type)) groups.set(String(k.name), [...(groups.get(String(k.name)) ?? []), k]);
        return groups;
      };
      const uniqueNames = new Set([...byName('UNIQUE').keys(), 'PRIMARY']);
      const indexGroups = new Map<string, Raw[]>();
      for (const s of stats.filter((s) => s.tbl === tbl && !uniqueNames.has(String(s.name)))) {
        indexGroups.set(String(s.name), [...(indexGroups.get(String(s.name)) ?? []), s]);
      }
      return {
        name: tbl,
        columns: cols,
        primaryKey: own.filter((k) => k.type === 'PRIMARY KEY').map((k) => String(k.col)),
        uniques: [...byName('UNIQUE')].map(([n, parts]) => ({ name: n, columns: parts.map((p) => String(p.col)) })),
        foreignKeys: [...byName('FOREIGN KEY')].map(([n, parts]) => {
          const fk: ForeignKey = {
            name: n,
            columns: parts.map((p) => String(p.col)),
            references: { table: String(parts[0].reftable), columns: parts.map((p) => String(p.refcol)) },
          };
          const action = (v: unknown) => (v && v !== 'NO ACTION' ? (String(v) as ForeignKey['onDelete']) : undefined);
          if (action(parts[0].onDelete)) fk.onDelete = action(parts[0].onDelete);
          if (action(parts[0].onUpdate)) fk.onUpdate = action(parts[0].onUpdate);
          return fk;
        }),
        // Prefix indexes (SUB_PART) have no portable form.
        indexes: [...indexGroups]
          .filter(([, parts]) => parts.every((p) => p.subPart === null && p.col !== null))
          .map(([n, parts]) => ({ name: n, columns: parts.map((p) => String(p.col)), unique: Number(parts[0].nonUnique) === 0 })),
      };
    });
  }

  async read<T>(fn: (reader: Reader) => Promise<T>): Promise<T> {
    await this.run('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    try {
      const result = await fn({
        countRows: async (table) => Number((await this.run(`SELECT COUNT(*) AS n FROM ${quoteMysql(table)}`))[0].n),
        rows: (table, columns, signal, where) => this.rows(table, columns, signal, where),
        nativeRows: (table, columns, signal) => this.nativeRows(table, columns, signal),
      });
      await this.run('COMMIT');
      return result;
    } catch (err) {
      await this.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /**
   * A table's rows as LOAD DATA text (tsv.ts), a batch a piece: what MySQL backups keep. Written
   * from the values as mysql2 gives them, without the round trip through portable values.
   */
  private async *nativeRows(table: string, columns: Column[], signal?: AbortSignal): AsyncIterable<EncodedRows> {
    const count = { rows: 0 };
    let before = 0;
    for await (const text of tabLines(this.rawRows(table, columns, signal), columns.map(rawTsvField), count, { signal })) {
      yield { bytes: Buffer.from(text, 'utf8'), rows: count.rows - before };
      before = count.rows;
    }
  }

  async *rows(table: string, columns: Column[], signal?: AbortSignal, where?: RowFilter): AsyncIterable<Row[]> {
    const converters = columns.map(fromMysql);
    for await (const batch of this.rawRows(table, columns, signal, where)) {
      for (const raw of batch) {
        for (let i = 0; i < raw.length; i++) {
          const v = raw[i];
          if (v !== null) (raw as unknown[])[i] = converters[i](v);
        }
      }
      yield batch;
    }
  }

  /** Rows as mysql2 gives them (dateStrings, bigNumberStrings, jsonStrings), in batches. */
  private async *rawRows(table: string, columns: Column[], signal?: AbortSignal, where?: RowFilter): AsyncIterable<MysqlRaw[][]> {
    const filter = whereSql(where, quoteMysql, (column, v) => this.conn.escape(v === null ? null : toMysql(column)(v)));
    // A DOUBLE comes as the server's text: mysql2 parses one of 16 or more digits by hand and is off
    // in the last place (sidorares/node-mysql2#2928), where Number() of the text is exact.
    const select = columns.map((c) => (c.type === 'double' ? `CAST(${quoteMysql(c.name)} AS CHAR)` : quoteMysql(c.name)));
    const sql = `SELECT ${select.join(', ')} FROM ${quoteMysql(table)}${filter}`;
    const stream = this.conn.query({ sql, rowsAsArray: true }).stream({ highWaterMark: BATCH_ROWS });
    this.streams.add(stream);
    try {
      for await (const batch of streamBatches<MysqlRaw[]>(stream, BATCH_ROWS)) {
        yield batch;
        throwIfAborted(signal);
      }
    } catch (err) {
      stream.destroy();
      throw this.wrap(err);
    } finally {
      this.streams.delete(stream);
    }
  }

  async write<T>(fn: (writer: Writer) => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.sweepOnce();
    const unit = new MysqlWriteUnit(this);
    try {
      const result = await fn(unit.writer());
      throwIfAborted(signal);
      await unit.commit();
      return result;
    } catch (err) {
      await unit.rollback();
      throw err;
    }
  }

  /** A restore through a shadow database and one RENAME TABLE (see shadow.ts). */
  async replaceAll<T>(load: (empty: Adapter) => Promise<T>, signal?: AbortSignal): Promise<{ result: T } | { refused: string }> {
    this.swept = true;
    return replaceThroughShadow(this, load, signal);
  }

  get database(): string {
    return this.location.database;
  }

  /** An adapter on another database of this server, as the same user; it sweeps nothing (this one does). */
  async openDatabase(name: string): Promise<MysqlAdapter> {
    const other = await MysqlAdapter.open({ ...this.location, database: name });
    other.swept = true;
    return other;
  }

  /** The first write through this connection drops what killed restores left (see shadow.ts). */
  private async sweepOnce(): Promise<void> {
    if (this.swept) return;
    this.swept = true;
    // Housekeeping: a failure here must not stop the write.
    await sweepLeftovers(this).catch(() => undefined);
  }

  /** Used by the write unit and the shadow restore (shadow.ts), which hold no connection of their own. */
  execute<R = Raw[]>(sql: string, values?: unknown[]): Promise<R> {
    return this.run<R>(sql, values);
  }

  /** Runs a LOAD DATA LOCAL INFILE statement whose file is `rows` (the server asks the client for it). */
  loadData(sql: string, rows: Readable): Promise<{ affectedRows: number; warningStatus: number }> {
    return new Promise((resolve, reject) => {
      this.conn.query({ sql, infileStreamFactory: () => rows }, (err, result) => (err ? reject(this.wrap(err)) : resolve(result as unknown as { affectedRows: number; warningStatus: number })));
    });
  }

  format(sql: string, values: unknown[]): string {
    return this.conn.format(sql, values);
  }

  introspectForWrite(): Promise<Table[]> {
    return this.introspectTables();
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.conn.end(() => resolve()));
  }
}

/**
 * MySQL commits DDL on the spot, so one unit of writing is: CREATE TABLEs first (remembered),
 * then one transaction with the rows. Rolling back means ROLLBACK plus dropping what was created.
 */
class MysqlWriteUnit {
  private readonly created: string[] = [];
  private readonly written = new Set<string>();
  private inTransaction = false;

  constructor(private readonly db: MysqlAdapter) {}

  private async begin(): Promise<void> {
    if (this.inTransaction) return;
    // Rows load in dump order, which cycles and self-references defeat; keys are checked at commit instead.
    await this.db.execute('SET FOREIGN_KEY_CHECKS = 0');
    await this.db.execute('START TRANSACTION');
    this.inTransaction = true;
  }

  writer(): Writer {
    const writer: Writer = {
      introspect: async () => ({ engine: 'mysql', tables: await this.db.introspectForWrite() }),
      createSchema: async (schema) => {
        if (this.inTransaction) throw new Error('createSchema must come before any rows: MySQL would commit the open transaction');
        await this.db.execute('SET FOREIGN_KEY_CHECKS = 0');
        for (const table of schema.tables) {
          await this.db.execute(createTableSql(table));
          this.created.push(table.name);
        }
      },
      deleteRows: async (table, keyColumns, keys) => {
        await this.begin();
        this.written.add(table);
        const where = whereSql({ kind: 'in', columns: keyColumns, values: keys }, quoteMysql, (column, v) => this.db.format('?', [v === null ? null : toMysql(column)(v)]));
        const result = await this.db.execute<{ affectedRows: number }>(`DELETE FROM ${quoteMysql(table)}${where}`);
        return result.affectedRows;
      },
      execute: async (sql) => {
        // A plain transaction: a migration runs with foreign keys checked, unlike a bulk load.
        if (!this.inTransaction) {
          await this.db.execute('START TRANSACTION');
          this.inTransaction = true;
        }
        try {
          // The server runs the script to its end even if this process dies: a restore waits for it.
          await withScriptLock(this.db, this.db.database, () => this.db.execute(sql));
        } catch (err) {
          if (isDbPorterError(err, 'BUSY')) throw err;
          throw new DbPorterError('WRITE_FAILED', `MySQL refused the script: ${errorMessage(err)}. Statements before the failing one that changed the schema are committed: MySQL cannot roll back DDL.`);
        }
      },
      dropTables: async (tables) => {
        if (this.inTransaction) throw new Error('dropTables must come before any rows: MySQL would commit the open transaction');
        await this.db.execute('SET FOREIGN_KEY_CHECKS = 0');
        for (const table of tables) {
          await this.db.execute(`DROP TABLE IF EXISTS ${quoteMysql(table)}`);
          this.written.delete(table);
        }
      },
      // Tables only, so far: the other objects of the database arrive with the engine's full DDL.
      clear: async () => {
        const schema = { engine: 'mysql' as const, tables: await this.db.introspectForWrite() };
        await writer.dropTables(schema.tables.map((t) => t.name));
      },
      emptyTables: async (tables) => {
        await this.begin();
        for (const table of tables) {
          // DELETE, not TRUNCATE: TRUNCATE is DDL and would commit.
          await this.db.execute(`DELETE FROM ${quoteMysql(table)}`);
          this.written.add(table);
        }
      },
      writeRows: async (table, columns, batches, options) => {
        await this.begin();
        this.written.add(table);
        return this.writeRows(table, columns, batches, options);
      },
      writeNativeRows: async (table, columns, bytes, options) => {
        await this.begin();
        this.written.add(table);
        if (this.db.localInfile) return this.loadNative(table, columns, bytes, options);
        return this.insertRows(table, columns, tsvRows(bytes, columns, options.signal), { ...options, onConflict: 'error' });
      },
      rows: (table, columns, where, signal) => this.db.rows(table, columns, signal, where),
      updateRows: async (table, columns, key, rows) => {
        const set = columns.filter((c) => !key.includes(c.name)).map((c) => `t.${quoteMysql(c.name)} = s.${quoteMysql(c.name)}`);
        if (!rows.length || !set.length) return 0;
        await this.begin();
        this.written.add(table);
        // A TEMPORARY table does not commit the transaction the way other DDL does.
        const stage = quoteMysql(`dbporter_update_${table}`.slice(0, 64));
        await this.db.execute(`CREATE TEMPORARY TABLE ${stage} SELECT ${columns.map((c) => quoteMysql(c.name)).join(', ')} FROM ${quoteMysql(table)} LIMIT 0`);
        try {
          await this.writeRows(`dbporter_update_${table}`.slice(0, 64), columns, batchOf(rows), { onConflict: 'error' });
          const match = key.map((k) => `t.${quoteMysql(k)} = s.${quoteMysql(k)}`).join(' AND ');
          const result = await this.db.execute<{ affectedRows: number }>(`UPDATE ${quoteMysql(table)} t JOIN ${stage} s ON ${match} SET ${set.join(', ')}`);
          return result.affectedRows;
        } catch (err) {
          throw err instanceof DbPorterError ? err : rowsError(table, err);
        } finally {
          await this.db.execute(`DROP TEMPORARY TABLE IF EXISTS ${stage}`).catch(() => undefined);
        }
      },
    };
    return writer;
  }

  private async writeRows(table: string, columns: Column[], batches: AsyncIterable<Row[]>, options: WriteOptions): Promise<WriteCount> {
    if (options.onConflict === 'error' && this.db.localInfile) return this.loadData(table, columns, batches, options);
    return this.insertRows(table, columns, batches, options);
  }

  /**
   * The bulk path: rows stream to the server as the file of a LOAD DATA LOCAL INFILE, about three
   * times faster than batched INSERTs. LOCAL makes the server skip duplicates and turn bad values
   * into warnings (it cannot stop the client mid-file), so both are checked afterwards and fail
   * the unit, as an INSERT would have. A server that refuses LOCAL gets INSERTs from then on.
   */
  private async loadData(table: string, columns: Column[], batches: AsyncIterable<Row[]>, options: WriteOptions): Promise<WriteCount> {
    const count = { rows: 0 };
    // Each piece of the file travels as one packet, far under max_allowed_packet.
    const lines = tabLines(batches, columns.map(tsvField), count, options);
    return this.loadText(table, columns, lines, count, () => this.insertRows(table, columns, batches, options));
  }

  /** The text of a MySQL backup (tsv.ts), as it is; INSERTs of its rows where LOCAL is refused. */
  private async loadNative(table: string, columns: Column[], bytes: AsyncIterable<Buffer>, options: Omit<WriteOptions, 'onConflict'>): Promise<WriteCount> {
    const count = { rows: 0 };
    const pieces = async function* () {
      for await (const chunk of bytes) {
        throwIfAborted(options.signal);
        count.rows += lineCount(chunk);
        options.onRows?.(count.rows);
        yield chunk;
      }
    };
    return this.loadText(table, columns, pieces(), count, () => this.insertRows(table, columns, tsvRows(bytes, columns, options.signal), { ...options, onConflict: 'error' }));
  }

  /**
   * LOAD DATA LOCAL INFILE of `text`, tsv.ts's format, whose rows `count` counts as they go; a
   * server that refuses LOCAL before the first byte gets `fallback` (INSERTs), and from then on.
   */
  private async loadText(table: string, columns: Column[], text: AsyncIterable<string | Buffer>, count: { rows: number }, fallback: () => Promise<WriteCount>): Promise<WriteCount> {
    const targets = columns.map((c, i) => (c.type === 'bytes' ? `@v${i}` : quoteMysql(c.name)));
    const sets = columns.flatMap((c, i) => (c.type === 'bytes' ? [`${quoteMysql(c.name)} = UNHEX(@v${i})`] : []));
    const sql =
      `LOAD DATA LOCAL INFILE 'dbporter-rows.tsv' INTO TABLE ${quoteMysql(table)} CHARACTER SET utf8mb4 ` +
      `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${targets.join(', ')})${sets.length ? ` SET ${sets.join(', ')}` : ''}`;
    let started = false;
    const source = Readable.from(
      (async function* () {
        started = true;
        yield* text;
      })(),
      { objectMode: false },
    );
    let result: { affectedRows: number; warningStatus: number };
    try {
      result = await this.db.loadData(sql, source);
    } catch (err) {
      const code = (err as { code?: string }).code ?? ((err as { cause?: { code?: string } }).cause?.code);
      if (!started && (code === 'ER_NOT_ALLOWED_COMMAND' || code === 'ER_CLIENT_LOCAL_FILES_DISABLED' || code === 'ER_LOAD_INFILE_CAPABILITY_DISABLED')) {
        this.db.localInfile = false;
        return fallback();
      }
      throw err instanceof DbPorterError ? err : rowsError(table, err);
    }
    const { rows } = count;
    if (result.affectedRows !== rows || result.warningStatus > 0) {
      // Out-of-range values are clamped, and then may collide: the first warning that is not a
      // duplicate names the cause; only duplicates mean a collision.
      const warnings = await this.db.execute<Raw[]>('SHOW WARNINGS LIMIT 20');
      const cause = warnings.find((w) => Number(w.Code) !== 1062);
      if (cause) throw new DbPorterError('WRITE_FAILED', `Could not write table "${table}" to MySQL: ${String(cause.Message)}. Nothing was written.`);
      throw new DbPorterError(
        'CONFLICT',
        `Table "${table}": ${rows - result.affectedRows} incoming row(s) collide with existing ones. Use --mode merge to merge them, or --mode replace to empty the table first; nothing was written.`,
      );
    }
    return { rows, inserted: rows };
  }

  private async insertRows(table: string, columns: Column[], batches: AsyncIterable<Row[]>, options: WriteOptions): Promise<WriteCount> {
    const head = `INSERT INTO ${quoteMysql(table)} (${columns.map((c) => quoteMysql(c.name)).join(', ')}) VALUES `;
    // A no-op update on collision keeps the existing row, and (without FOUND_ROWS) counts as 0 rows.
    const tail = options.onConflict === 'skip' ? ` ON DUPLICATE KEY UPDATE ${quoteMysql(columns[0].name)} = ${quoteMysql(columns[0].name)}` : '';
    const converters = columns.map(toMysql);
    const placeholders = `(${columns.map(() => '?').join(', ')})`;
    let rows = 0;
    let inserted = 0;
    let pending: string[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (!pending.length) return;
      const sql = head + pending.join(', ') + tail;
      pending = [];
      pendingBytes = 0;
      try {
        const result = await this.db.execute<{ affectedRows: number }>(sql);
        inserted += result.affectedRows;
      } catch (err) {
        throw rowsError(table, err);
      }
    };
    for await (const batch of batches) {
      throwIfAborted(options.signal);
      for (const row of batch) {
        const tuple = this.db.format(placeholders, row.map((v, i) => (v === null ? null : converters[i](v))));
        pending.push(tuple);
        pendingBytes += tuple.length;
        if (pendingBytes >= BATCH_BYTES) await flush();
      }
      rows += batch.length;
      await flush();
      options.onRows?.(rows);
    }
    await flush();
    return { rows, inserted };
  }

  async commit(): Promise<void> {
    await this.begin();
    await this.checkForeignKeys();
    await this.db.execute('COMMIT');
    this.inTransaction = false;
    await this.db.execute('SET FOREIGN_KEY_CHECKS = 1');
  }

  async rollback(): Promise<void> {
    await this.db.execute('ROLLBACK').catch(() => undefined);
    this.inTransaction = false;
    await this.db.execute('SET FOREIGN_KEY_CHECKS = 0').catch(() => undefined);
    for (const table of [...this.created].reverse()) {
      await this.db.execute(`DROP TABLE IF EXISTS ${quoteMysql(table)}`).catch(() => undefined);
    }
    await this.db.execute('SET FOREIGN_KEY_CHECKS = 1').catch(() => undefined);
  }

  /** Foreign keys were not checked while loading; every key touching a written table is checked now. */
  private async checkForeignKeys(): Promise<void> {
    if (!this.written.size) return;
    const tables = await this.db.introspectForWrite();
    for (const table of tables) {
      for (const fk of table.foreignKeys) {
        if (!this.written.has(table.name) && !this.written.has(fk.references.table)) continue;
        const join = fk.columns.map((c, i) => `p.${quoteMysql(fk.references.columns[i])} = c.${quoteMysql(c)}`).join(' AND ');
        const present = fk.columns.map((c) => `c.${quoteMysql(c)} IS NOT NULL`).join(' AND ');
        const orphans = await this.db.execute<Raw[]>(
          `SELECT COUNT(*) AS n FROM ${quoteMysql(table.name)} c LEFT JOIN ${quoteMysql(fk.references.table)} p ON ${join}
           WHERE ${present} AND p.${quoteMysql(fk.references.columns[0])} IS NULL`,
        );
        const n = Number(orphans[0].n);
        if (n > 0) {
          throw new DbPorterError(
            'WRITE_FAILED',
            `Table "${table.name}" would have ${n} row(s) whose foreign key ${fk.name ? `${fk.name} ` : ''}(${fk.columns.join(', ')}) points at a missing row of "${fk.references.table}". Include the referenced rows; nothing was written.`,
          );
        }
      }
    }
  }
}

function rowsError(table: string, err: unknown): DbPorterError {
  const cause = (err as { cause?: { code?: string } }).cause ?? err;
  const code = (cause as { code?: string }).code;
  const message = errorMessage(err);
  if (code === 'ER_DUP_ENTRY') {
    return new DbPorterError(
      'CONFLICT',
      `Table "${table}": an incoming row collides with an existing one (${message}). Use --mode merge to keep existing rows, or --mode replace to empty the table first; nothing was written.`,
    );
  }
  return new DbPorterError('WRITE_FAILED', `Could not write table "${table}" to MySQL: ${message}. Nothing was written.`, { cause: err });
}

function connectError(err: unknown, location: ServerLocation): DbPorterError {
  const e = err as { code?: string };
  const where = describeLocation(location);
  const message = maskSecrets(errorMessage(err), [location.password]);
  if (e.code === 'ER_ACCESS_DENIED_ERROR' || e.code === 'ER_DBACCESS_DENIED_ERROR') {
    return new DbPorterError('AUTH_FAILED', `MySQL at ${where} refused user "${location.user ?? 'root'}": ${message}. Check the user and password in the URL.`);
  }
  if (e.code === 'ER_BAD_DB_ERROR') {
    return new DbPorterError('DATABASE_NOT_FOUND', `MySQL at ${location.host} has no database "${location.database}". Create it first (CREATE DATABASE) or fix the URL.`);
  }
  return new DbPorterError('CONNECTION_FAILED', `Cannot connect to MySQL at ${where}: ${message}. Is the server running and the URL right?`, { cause: err });
}

function mysqlDefault(value: string | number | null, dataType: string): ColumnDefault | undefined {
  if (value === null) return undefined;
  const text = String(value);
  if (/^NULL$/i.test(text)) return undefined;
  if (/^(current_timestamp|now)(\(\d*\))?$/i.test(text)) return { kind: 'now' };
  // MariaDB quotes string defaults ('abc'); MySQL does not.
  const quoted = /^'((?:[^']|'')*)'$/s.exec(text);
  if (quoted) return { kind: 'literal', value: quoted[1].replace(/''/g, "'") };
  if (/^-?\d+(\.\d+)?$/.test(text)) return /int|decimal|numeric|float|double|real|bit|year/i.test(dataType) ? { kind: 'literal', value: Number(text) } : { kind: 'literal', value: text };
  if (/char|text|enum|set/i.test(dataType)) return { kind: 'literal', value: text };
  return { kind: 'expression', engine: 'mysql', sql: text };
}

function defaultSql(dflt: ColumnDefault | undefined, column: Column): string {
  if (!dflt) return '';
  // MySQL allows no literal default on TEXT, BLOB and JSON columns.
  const unbounded = ['text', 'bytes', 'json'].includes(column.type) && column.length === undefined && column.native?.engine !== 'mysql';
  switch (dflt.kind) {
    case 'now':
      return column.type === 'timestamp' || column.type === 'timestamptz' ? ' DEFAULT CURRENT_TIMESTAMP(6)' : '';
    case 'literal':
      if (unbounded) return '';
      if (typeof dflt.value === 'string') return ` DEFAULT '${dflt.value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
      return ` DEFAULT ${typeof dflt.value === 'boolean' ? Number(dflt.value) : dflt.value}`;
    case 'expression':
      return dflt.engine === 'mysql' ? ` DEFAULT ${dflt.sql}` : '';
    case 'uuid':
      return ' DEFAULT (uuid())';
    case 'sequence':
      return '';
  }
}

function createTableSql(table: Table): string {
  const keyed = new Set([...table.primaryKey, ...table.uniques.flatMap((u) => u.columns), ...table.indexes.flatMap((i) => i.columns), ...table.foreignKeys.flatMap((f) => f.columns)]);
  const lines = table.columns.map((c) => {
    const auto = c.autoIncrement && ['smallint', 'integer', 'bigint'].includes(c.type);
    return `${quoteMysql(c.name)} ${mysqlFromPortable(c, keyed.has(c.name))}${c.nullable ? ' NULL' : ' NOT NULL'}${auto ? ' AUTO_INCREMENT' : defaultSql(c.default, c)}`;
  });
  if (table.primaryKey.length) lines.push(`PRIMARY KEY (${table.primaryKey.map(quoteMysql).join(', ')})`);
  for (const u of table.uniques) lines.push(`UNIQUE KEY ${u.name ? quoteMysql(u.name) + ' ' : ''}(${u.columns.map(quoteMysql).join(', ')})`);
  for (const i of table.indexes) lines.push(`${i.unique ? 'UNIQUE ' : ''}KEY ${quoteMysql(i.name)} (${i.columns.map(quoteMysql).join(', ')})`);
  for (const fk of table.foreignKeys) {
    lines.push(
      `${fk.name ? `CONSTRAINT ${quoteMysql(fk.name)} ` : ''}FOREIGN KEY (${fk.columns.map(quoteMysql).join(', ')}) REFERENCES ${quoteMysql(fk.references.table)} (${fk.references.columns
        .map(quoteMysql)
        .join(', ')})${fk.onDelete ? ` ON DELETE ${fk.onDelete}` : ''}${fk.onUpdate ? ` ON UPDATE ${fk.onUpdate}` : ''}`,
    );
  }
  return `CREATE TABLE ${quoteMysql(table.name)} (\n  ${lines.join(',\n  ')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;
}
