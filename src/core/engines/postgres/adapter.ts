import * as net from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { batchOf } from '../../batches';
import { lineCount, tabLines } from '../tab-lines';
import type { Adapter, EncodedRows, Reader, RowFraming, Writer, WriteCount, WriteOptions } from '../adapter';
import type { Column, ColumnDefault, DatabaseSchema, ForeignKey, Row, Table } from '../../schema/model';
import type { BackEdge } from '../../schema/order';
import { DbPorterError, errorMessage, throwIfAborted } from '../../errors';
import { describeLocation, maskSecrets, type ServerLocation } from '../../url';
import { copyTextRows } from './copy-rows';
import { CopyJsonTranscoder } from './copy-json';
import { whereSql, type RowFilter } from '../filter';
import { base64ToBytes } from '../../values';
import { portableFromPostgres, postgresFromPortable, toCopyText } from './types';
import { quotePostgres } from './quote';
import { parsePostgresType } from './type-names';
import { postgresDialect } from './dialect';


/** Every value arrives as the server's text; the adapter converts by column, not pg's parsers. */
const rawText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

const ACTIONS: Record<string, ForeignKey['onDelete']> = { r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

export class PostgresAdapter implements Adapter {
  readonly engine = 'postgres' as const;
  readonly dialect = postgresDialect;
  readonly transactionalDdl = true;
  readonly nativeFormat = 'postgres-copy' as const;
  readonly description: string;

  private constructor(
    private readonly client: pg.Client,
    private readonly location: ServerLocation,
  ) {
    this.description = `postgresql://${describeLocation(location)}`;
  }

  static async open(location: ServerLocation): Promise<PostgresAdapter> {
    const ssl = location.params.sslmode;
    const client = new pg.Client({
      host: location.host,
      port: location.port ?? 5432,
      user: location.user ?? process.env.PGUSER ?? 'postgres',
      password: location.password,
      database: location.database,
      application_name: 'dbporter',
      types: rawText,
      ssl: ssl && ssl !== 'disable' && ssl !== 'prefer' ? { rejectUnauthorized: ssl === 'verify-full' || ssl === 'verify-ca' } : undefined,
    });
    // An idle client that loses its server emits 'error'; without a listener that would crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(
        "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; SET bytea_output = 'hex'; SET client_encoding = 'UTF8'",
      );
    } catch (err) {
      await client.end().catch(() => undefined);
      throw connectError(err, location);
    }
    return new PostgresAdapter(client, location);
  }

  quoteIdentifier(name: string): string {
    return quotePostgres(name);
  }

  private async query<R extends pg.QueryResultRow = Record<string, string | null>>(sql: string, params?: unknown[]): Promise<R[]> {
    try {
      return (await this.client.query<R>(sql, params)).rows;
    } catch (err) {
      throw this.wrap(err);
    }
  }

  private wrap(err: unknown): Error {
    if (err instanceof DbPorterError) return err;
    const message = maskSecrets(errorMessage(err), [this.location.password]);
    return new DbPorterError('WRITE_FAILED', `PostgreSQL at ${describeLocation(this.location)}: ${message}`, { cause: err });
  }

  async introspect(): Promise<DatabaseSchema> {
    return { engine: 'postgres', tables: await this.introspectTables() };
  }

  private async introspectTables(): Promise<Table[]> {
    const tables = await this.query<{ oid: string; name: string }>(
      `SELECT c.oid, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname`,
    );
    if (!tables.length) return [];
    const oids = tables.map((t) => t.oid);
    const columns = await this.query<{
      relid: string;
      name: string;
      typname: string;
      formatted: string;
      notnull: string;
      dflt: string | null;
      identity: string;
    }>(
      `SELECT a.attrelid AS relid, a.attname AS name, t.typname, format_type(a.atttypid, a.atttypmod) AS formatted,
              a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity AS identity
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
       ORDER BY a.attrelid, a.attnum`,
      [oids],
    );
    const constraints = await this.query<{
      relid: string;
      name: string;
      type: string;
      cols: string[] | string;
      reftable: string | null;
      refcols: string[] | string | null;
      deltype: string;
      updtype: string;
    }>(
      `SELECT c.conrelid AS relid, c.conname AS name, c.contype AS type,
              array_to_json(ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i)) AS cols,
              r.relname AS reftable,
              array_to_json(ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)) AS refcols,
              c.confdeltype AS deltype, c.confupdtype AS updtype
       FROM pg_constraint c LEFT JOIN pg_class r ON r.oid = c.confrelid
       WHERE c.conrelid = ANY($1::oid[]) AND c.contype IN ('p', 'u', 'f') ORDER BY c.conname`,
      [oids],
    );
    const indexes = await this.query<{ relid: string; name: string; unique: string; cols: string }>(
      `SELECT i.indrelid AS relid, ic.relname AS name, i.indisunique AS unique,
              array_to_json(ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(n, o)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)) AS cols
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
       WHERE i.indrelid = ANY($1::oid[]) AND i.indpred IS NULL AND NOT (0 = ANY(i.indkey::int2[]))
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
       ORDER BY ic.relname`,
      [oids],
    );
    const list = (v: string[] | string | null): string[] => (v === null ? [] : Array.isArray(v) ? v : JSON.parse(v));

    return tables.map((t) => {
      const cols: Column[] = columns
        .filter((c) => c.relid === t.oid)
        .map((c) => {
          const shape = portableFromPostgres(c.typname, c.formatted);
          const column: Column = { name: c.name, ...shape, nullable: c.notnull !== 't', native: parsePostgresType(c.formatted) };
          const serial = c.dflt !== null && /^nextval\(/i.test(c.dflt);
          if (c.identity === 'a' || c.identity === 'd' || serial) column.autoIncrement = true;
          else if (c.dflt !== null) column.default = postgresDefault(c.dflt);
          return column;
        });
      const own = constraints.filter((c) => c.relid === t.oid);
      return {
        name: t.name,
        columns: cols,
        primaryKey: list(own.find((c) => c.type === 'p')?.cols ?? null),
        uniques: own.filter((c) => c.type === 'u').map((c) => ({ name: c.name, columns: list(c.cols) })),
        foreignKeys: own
          .filter((c) => c.type === 'f')
          .map((c) => {
            const fk: ForeignKey = { name: c.name, columns: list(c.cols), references: { table: c.reftable ?? '', columns: list(c.refcols) } };
            if (ACTIONS[c.deltype]) fk.onDelete = ACTIONS[c.deltype];
            if (ACTIONS[c.updtype]) fk.onUpdate = ACTIONS[c.updtype];
            return fk;
          }),
        indexes: indexes.filter((i) => i.relid === t.oid).map((i) => ({ name: i.name, columns: list(i.cols), unique: i.unique === 't' })),
      };
    });
  }

  async read<T>(fn: (reader: Reader) => Promise<T>): Promise<T> {
    // One snapshot for the whole read, so rows of related tables agree with each other.
    await this.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const result = await fn({
        countRows: async (table) => Number((await this.query<{ n: string }>(`SELECT count(*) AS n FROM ${quotePostgres(table)}`))[0].n),
        rows: (table, columns, signal, where) => this.rows(table, columns, signal, where),
        jsonRows: (table, columns, framing, signal) => this.jsonRows(table, columns, framing, signal),
        nativeRows: (table, columns, signal) => this.nativeRows(table, columns, signal),
      });
      await this.query('COMMIT');
      return result;
    } catch (err) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  private copyOut(table: string, columns: Column[], where?: RowFilter): AsyncIterable<Buffer> {
    // COPY takes no parameters: filter values go in as escaped literals.
    const filter = whereSql(where, quotePostgres, (column, v) => this.literal(column, v));
    return this.copyOutChunks(`COPY (SELECT ${columns.map((c) => quotePostgres(c.name)).join(', ')} FROM ${quotePostgres(table)}${filter}) TO STDOUT`);
  }

  /**
   * What a COPY TO writes, chunk by chunk. A reader that stops before the end (an error such as a
   * full disk, cancellation, enough rows) must not leave the connection inside the COPY, where the
   * next statement (the ROLLBACK) would wait forever: the server is asked to cancel the COPY, and
   * what it still sends is read and dropped until it ends.
   */
  private async *copyOutChunks(sql: string): AsyncIterable<Buffer> {
    const stream = this.client.query(copyTo(sql));
    let ended = false;
    try {
      for await (const chunk of stream.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
      ended = true;
    } finally {
      if (!ended && !stream.destroyed) {
        stream.on('error', () => undefined);
        stream.resume();
        this.cancel();
      }
    }
  }

  /**
   * Asks the server to cancel the statement running on this connection: the protocol's
   * CancelRequest (16 bytes: length, code 80877102, the backend's process id and secret key) on a
   * connection of its own. Best effort: should it not get through, the COPY just runs to its end.
   */
  private cancel(): void {
    const { processID, secretKey } = this.client as unknown as { processID: number; secretKey: number };
    const request = Buffer.alloc(16);
    request.writeInt32BE(16, 0);
    request.writeInt32BE(80877102, 4);
    request.writeInt32BE(processID, 8);
    request.writeInt32BE(secretKey, 12);
    const host = this.location.host;
    const port = this.location.port ?? 5432;
    const socket = host.startsWith('/') ? net.connect(`${host}/.s.PGSQL.${port}`) : net.connect(port, host);
    socket.on('error', () => undefined);
    socket.end(request);
  }

  /** A portable value as a SQL literal the server coerces to the column's type. */
  private literal(column: Column, v: unknown): string {
    if (v === null) return 'NULL';
    if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (column.type === 'bytes') return `decode(${this.client.escapeLiteral(base64ToBytes(String(v)).toString('hex'))}, 'hex')`;
    return this.client.escapeLiteral(String(v));
  }

  private async *jsonRows(table: string, columns: Column[], framing: RowFraming, signal?: AbortSignal): AsyncIterable<EncodedRows> {
    const transcoder = new CopyJsonTranscoder(columns, framing);
    try {
      for await (const chunk of this.copyOut(table, columns)) {
        const encoded = transcoder.push(chunk);
        if (encoded.rows) yield encoded;
        throwIfAborted(signal);
      }
      transcoder.finish();
    } catch (err) {
      throw this.wrap(err);
    }
  }

  private async *rows(table: string, columns: Column[], signal?: AbortSignal, where?: RowFilter): AsyncIterable<Row[]> {
    try {
      yield* copyTextRows(this.copyOut(table, columns, where), columns, signal);
    } catch (err) {
      throw this.wrap(err);
    }
  }

  /** A whole table as COPY text, straight from the server (no SELECT: COPY reads the table itself). */
  private async *nativeRows(table: string, columns: Column[], signal?: AbortSignal): AsyncIterable<EncodedRows> {
    const sql = `COPY ${quotePostgres(table)} (${columns.map((c) => quotePostgres(c.name)).join(', ')}) TO STDOUT`;
    try {
      for await (const chunk of this.copyOutChunks(sql)) {
        yield { bytes: chunk, rows: lineCount(chunk) };
        throwIfAborted(signal);
      }
    } catch (err) {
      throw this.wrap(err);
    }
  }

  async write<T>(fn: (writer: Writer) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const created: Table[] = [];
    const written = new Set<string>();
    const lifted: LiftedKey[] = [];
    await this.query('BEGIN');
    try {
      const result = await fn(this.writer(created, written, lifted));
      throwIfAborted(signal);
      await this.finishCreatedTables(created);
      await this.restoreForeignKeys(lifted);
      await this.advanceSequences([...written]);
      await this.query('COMMIT');
      return result;
    } catch (err) {
      // DDL is transactional in PostgreSQL: the rollback also removes the tables this unit created.
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  private writer(created: Table[], written: Set<string>, lifted: LiftedKey[]): Writer {
    const writer: Writer = {
      introspect: () => this.introspect(),
      createSchema: async (schema) => {
        for (const table of schema.tables) {
          await this.query(createTableSql(table));
          created.push(table);
        }
      },
      // Tables only, so far: the other objects of the database arrive with the engine's full DDL.
      clear: async () => {
        const schema = await this.introspect();
        await writer.dropTables(schema.tables.map((t) => t.name));
      },
      emptyTables: async (tables) => {
        if (!tables.length) return;
        tables.forEach((t) => written.add(t));
        // TRUNCATE refuses tables that other tables' foreign keys point at. Those keys are lifted
        // for the load and put back at commit, which checks every row against them again.
        for (const key of await this.foreignKeysWhere('pn.nspname = current_schema() AND p.relname = ANY($1::text[])', [tables])) {
          await this.dropKey(key, tables.includes(key.tbl) ? 'loaded' : 'emptied', lifted);
        }
        await this.query(`TRUNCATE ${tables.map(quotePostgres).join(', ')}`);
      },
      deferForeignKeys: (keys) => this.deferForeignKeys(keys, lifted),
      deleteRows: async (table, keyColumns, keys) => {
        written.add(table);
        const params: unknown[] = [];
        const where = whereSql({ kind: 'in', columns: keyColumns, values: keys }, quotePostgres, (column, v) => {
          params.push(v === null ? null : column.type === 'bytes' ? base64ToBytes(String(v)) : v);
          return `$${params.length}`;
        });
        try {
          return (await this.client.query(`DELETE FROM ${quotePostgres(table)}${where}`, params)).rowCount ?? 0;
        } catch (err) {
          throw this.rowsError(table, err);
        }
      },
      execute: async (sql) => {
        try {
          await this.client.query(sql);
        } catch (err) {
          const e = err as { position?: string };
          throw new DbPorterError('WRITE_FAILED', `PostgreSQL refused the script${e.position ? ` at character ${e.position}` : ''}: ${maskSecrets(errorMessage(err), [this.location.password])}. Nothing was written.`);
        }
      },
      dropTables: async (tables) => {
        if (!tables.length) return;
        tables.forEach((t) => written.delete(t));
        await this.query(`DROP TABLE IF EXISTS ${tables.map(quotePostgres).join(', ')} CASCADE`);
      },
      writeRows: (table, columns, batches, options) => {
        written.add(table);
        return this.writeRows(table, columns, batches, options);
      },
      writeNativeRows: (table, columns, bytes, options) => {
        written.add(table);
        return this.writeCopyText(table, columns, bytes, options);
      },
      rows: (table, columns, where, signal) => this.rows(table, columns, signal, where),
      updateRows: async (table, columns, key, rows) => {
        const set = columns.filter((c) => !key.includes(c.name)).map((c) => `${quotePostgres(c.name)} = s.${quotePostgres(c.name)}`);
        if (!rows.length || !set.length) return 0;
        written.add(table);
        // The new values load by COPY into a bare copy of the columns, then one UPDATE ... FROM joins them in.
        const stage = `dbporter_update_${table}`.slice(0, 63);
        await this.query(
          `CREATE TEMP TABLE ${quotePostgres(stage)} ON COMMIT DROP AS SELECT ${columns.map((c) => quotePostgres(c.name)).join(', ')} FROM ${quotePostgres(table)} WITH NO DATA`,
        );
        await this.writeRows(stage, columns, batchOf(rows), { onConflict: 'error' });
        const match = key.map((k) => `t.${quotePostgres(k)} = s.${quotePostgres(k)}`).join(' AND ');
        try {
          const result = await this.client.query(`UPDATE ${quotePostgres(table)} t SET ${set.join(', ')} FROM ${quotePostgres(stage)} s WHERE ${match}`);
          return result.rowCount ?? 0;
        } catch (err) {
          throw this.rowsError(table, err);
        } finally {
          await this.client.query(`DROP TABLE IF EXISTS ${quotePostgres(stage)}`).catch(() => undefined);
        }
      },
    };
    return writer;
  }

  private async writeRows(table: string, columns: Column[], batches: AsyncIterable<Row[]>, options: WriteOptions): Promise<WriteCount> {
    const columnList = columns.map((c) => quotePostgres(c.name)).join(', ');
    // Merging loads into a staging table first, then lets ON CONFLICT skip the collisions set-wise.
    let into = quotePostgres(table);
    if (options.onConflict === 'skip') {
      into = quotePostgres(`dbporter_stage_${table}`.slice(0, 63));
      await this.query(`CREATE TEMP TABLE ${into} (LIKE ${quotePostgres(table)} INCLUDING DEFAULTS) ON COMMIT DROP`);
    }
    const count = { rows: 0 };
    try {
      await pipeline(Readable.from(tabLines(batches, columns.map(toCopyText), count, options), { objectMode: false }), this.client.query(copyFrom(`COPY ${into} (${columnList}) FROM STDIN`)));
    } catch (err) {
      throw this.rowsError(table, err);
    }
    const { rows } = count;
    if (options.onConflict !== 'skip') return { rows, inserted: rows };
    const result = await this.client
      .query(`INSERT INTO ${quotePostgres(table)} (${columnList}) OVERRIDING SYSTEM VALUE SELECT ${columnList} FROM ${into} ON CONFLICT DO NOTHING`)
      .catch((err) => {
        throw this.rowsError(table, err);
      });
    await this.query(`DROP TABLE ${into}`);
    return { rows, inserted: result.rowCount ?? 0 };
  }

  /** COPY text as nativeRows wrote it, piped into COPY FROM as it is: the server parses it, nothing here does. */
  private async writeCopyText(table: string, columns: Column[], bytes: AsyncIterable<Buffer>, options: Omit<WriteOptions, 'onConflict'>): Promise<WriteCount> {
    const copy = this.client.query(copyFrom(`COPY ${quotePostgres(table)} (${columns.map((c) => quotePostgres(c.name)).join(', ')}) FROM STDIN`));
    let lines = 0;
    const counted = async function* () {
      for await (const chunk of bytes) {
        throwIfAborted(options.signal);
        lines += lineCount(chunk);
        yield chunk;
        options.onRows?.(lines);
      }
    };
    try {
      await pipeline(Readable.from(counted()), copy);
    } catch (err) {
      throw this.rowsError(table, err);
    }
    return { rows: copy.rowCount, inserted: copy.rowCount };
  }

  private rowsError(table: string, err: unknown): Error {
    if (err instanceof DbPorterError) return err;
    const e = err as { code?: string; detail?: string; where?: string };
    const detail = maskSecrets([errorMessage(err), e.detail, e.where].filter(Boolean).join('; '), [this.location.password]);
    if (e.code === '23505') {
      return new DbPorterError(
        'CONFLICT',
        `Table "${table}": an incoming row collides with an existing one (${detail}). Use --mode merge to keep existing rows, or --mode replace to empty the table first; nothing was written.`,
      );
    }
    return new DbPorterError('WRITE_FAILED', `Could not write table "${table}" to PostgreSQL: ${detail}. Nothing was written.`, { cause: err });
  }

  /** The foreign keys that `where` picks (c: the key; t, n: its table and schema; p, pn: the referenced ones). */
  private async foreignKeysWhere(where: string, params: unknown[]): Promise<ForeignKeyRow[]> {
    return this.query<ForeignKeyRow>(
      `SELECT c.conrelid::regclass::text AS owner, t.relname AS tbl, p.relname AS reftable, n.nspname AS schema, c.conname AS name,
              pg_get_constraintdef(c.oid) AS definition, c.condeferrable AS deferrable,
              (SELECT count(*) FROM pg_constraint o WHERE o.connamespace = c.connamespace AND o.conname = c.conname) AS namesakes
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         JOIN pg_class p ON p.oid = c.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
       WHERE c.contype = 'f' AND ${where}`,
      params,
    );
  }

  private async dropKey(key: ForeignKeyRow, why: LiftedKey['why'], lifted: LiftedKey[]): Promise<void> {
    if (lifted.some((k) => k.owner === key.owner && k.name === key.name)) return;
    await this.query(`ALTER TABLE ${key.owner} DROP CONSTRAINT ${quotePostgres(key.name)}`);
    lifted.push({ owner: key.owner, table: key.tbl, references: key.reftable, schema: key.schema, name: key.name, definition: key.definition, how: 'dropped', why });
  }

  /**
   * A cycle's keys (see Writer.deferForeignKeys), before any row: deferred where the key is
   * DEFERRABLE and SET CONSTRAINTS can name it alone, otherwise lifted like emptyTables' keys.
   */
  private async deferForeignKeys(edges: BackEdge[], lifted: LiftedKey[]): Promise<void> {
    const wanted = new Set(edges.map((e) => `${e.table}\0${e.foreignKey.name ?? ''}`));
    const tables = [...new Set(edges.map((e) => e.table))];
    const keys = (await this.foreignKeysWhere('n.nspname = current_schema() AND t.relname = ANY($1::text[])', [tables])).filter((k) => wanted.has(`${k.tbl}\0${k.name}`));
    for (const key of keys) {
      if (lifted.some((k) => k.owner === key.owner && k.name === key.name)) continue;
      // SET CONSTRAINTS takes a name, and acts on every constraint of the schema that has it.
      if (key.deferrable !== 't' || Number(key.namesakes) !== 1) {
        await this.dropKey(key, 'loaded', lifted);
        continue;
      }
      await this.query(`SET CONSTRAINTS ${quotePostgres(key.schema)}.${quotePostgres(key.name)} DEFERRED`);
      lifted.push({ owner: key.owner, table: key.tbl, references: key.reftable, schema: key.schema, name: key.name, definition: key.definition, how: 'deferred', why: 'loaded' });
    }
  }

  /**
   * Puts back the keys emptyTables and deferForeignKeys lifted, which checks every row against
   * them; a row that now points nowhere fails the unit.
   */
  private async restoreForeignKeys(lifted: LiftedKey[]): Promise<void> {
    for (const key of lifted.filter((k) => k.how === 'deferred')) {
      await this.checkKey(key, `SET CONSTRAINTS ${quotePostgres(key.schema)}.${quotePostgres(key.name)} IMMEDIATE`);
    }
    if (!lifted.some((k) => k.how === 'dropped')) return;
    // ALTER TABLE refuses a table with checks still queued, such as an INITIALLY DEFERRED key's: run them now.
    await this.checkKey(undefined, 'SET CONSTRAINTS ALL IMMEDIATE');
    for (const key of lifted.filter((k) => k.how === 'dropped')) {
      await this.checkKey(key, `ALTER TABLE ${key.owner} ADD CONSTRAINT ${quotePostgres(key.name)} ${key.definition}`);
    }
  }

  /** Runs a statement that checks rows against foreign keys; a row pointing nowhere becomes an error naming the key. */
  private async checkKey(key: LiftedKey | undefined, sql: string): Promise<void> {
    try {
      await this.client.query(sql);
    } catch (err) {
      const e = err as { code?: string; detail?: string; table?: string; constraint?: string };
      const cause = maskSecrets([errorMessage(err), e.detail].filter(Boolean).join('; '), [this.location.password]);
      if (e.code !== '23503') throw new DbPorterError('WRITE_FAILED', `PostgreSQL could not check foreign keys: ${cause}. Nothing was written.`, { cause: err });
      const table = key?.table ?? e.table ?? '?';
      const references = key?.references ?? /table "((?:[^"]|"")*)"/.exec(e.detail ?? '')?.[1] ?? '?';
      const advice =
        key?.why === 'emptied'
          ? `Replace mode emptied "${references}" first: include the rows it points at in the data, or import in merge mode`
          : `Include the rows it points at in the data, or load them into "${references}" first`;
      throw new DbPorterError(
        'WRITE_FAILED',
        `Table "${table}" has rows whose foreign key ${key?.name ?? e.constraint} points at missing rows of "${references}" (${cause}). ${advice}; nothing was written.`,
        { cause: err },
      );
    }
  }

  /** Foreign keys and indexes go on after the rows: loads in any order, and faster. */
  private async finishCreatedTables(created: Table[]): Promise<void> {
    for (const table of created) {
      for (const index of table.indexes) {
        await this.query(
          `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quotePostgres(index.name)} ON ${quotePostgres(table.name)} (${index.columns.map(quotePostgres).join(', ')})`,
        );
      }
    }
    for (const table of created) {
      for (const fk of table.foreignKeys) {
        await this.query(
          `ALTER TABLE ${quotePostgres(table.name)} ADD ${fk.name ? `CONSTRAINT ${quotePostgres(fk.name)} ` : ''}FOREIGN KEY (${fk.columns
            .map(quotePostgres)
            .join(', ')}) REFERENCES ${quotePostgres(fk.references.table)} (${fk.references.columns.map(quotePostgres).join(', ')})${
            fk.onDelete ? ` ON DELETE ${fk.onDelete}` : ''
          }${fk.onUpdate ? ` ON UPDATE ${fk.onUpdate}` : ''}`,
        ).catch((err) => {
          throw new DbPorterError(
            'WRITE_FAILED',
            `Table "${table.name}" has rows whose foreign key (${fk.columns.join(', ')}) points at a missing row of "${fk.references.table}": ${errorMessage(err)}. Nothing was written.`,
          );
        });
      }
    }
  }

  /** Moves each sequence behind a written table past the highest id, never backwards. */
  private async advanceSequences(tables: string[]): Promise<void> {
    if (!tables.length) return;
    const sequences = await this.query<{ tbl: string; col: string; seq: string }>(
      `SELECT c.relname AS tbl, a.attname AS col, pg_get_serial_sequence(quote_ident(c.relname), a.attname) AS seq
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
       WHERE n.nspname = current_schema() AND c.relname = ANY($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped
         AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL`,
      [tables],
    );
    for (const s of sequences) {
      await this.query(
        `SELECT setval($1::regclass, m) FROM (SELECT max(${quotePostgres(s.col)}) AS m FROM ${quotePostgres(s.tbl)}) t
         WHERE m IS NOT NULL AND m >= COALESCE(pg_sequence_last_value($1::regclass), 0)`,
        [s.seq],
      );
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/** A foreign key not checked for the length of a unit of writing, put back (so checked, every row) at its end. */
interface LiftedKey {
  /** The table holding the key, as regclass prints it (quoted where needed), for SQL. */
  owner: string;
  /** The table holding the key and the table it references, plain, for messages. */
  table: string;
  references: string;
  /** The key's schema and name: SET CONSTRAINTS names it by both. */
  schema: string;
  name: string;
  /** As PostgreSQL defines it (pg_get_constraintdef), to add it back. */
  definition: string;
  /** Dropped, and added back; or (a DEFERRABLE key) deferred, and checked with SET CONSTRAINTS. */
  how: 'dropped' | 'deferred';
  /**
   * emptied: its referenced table was emptied (replace mode) under rows of its own table that stay.
   * loaded: the rows it might find pointing nowhere are ones this unit brings in.
   */
  why: 'emptied' | 'loaded';
}

/** A foreign key as foreignKeysWhere reads it from pg_constraint. */
interface ForeignKeyRow {
  owner: string;
  tbl: string;
  reftable: string;
  schema: string;
  name: string;
  definition: string;
  deferrable: string;
  namesakes: string;
}

function connectError(err: unknown, location: ServerLocation): DbPorterError {
  const e = err as { code?: string };
  const where = describeLocation(location);
  const message = maskSecrets(errorMessage(err), [location.password]);
  if (e.code === '28P01' || e.code === '28000') {
    return new DbPorterError('AUTH_FAILED', `PostgreSQL at ${where} refused user "${location.user ?? 'postgres'}": ${message}. Check the user and password in the URL.`);
  }
  if (e.code === '3D000') {
    return new DbPorterError('DATABASE_NOT_FOUND', `PostgreSQL at ${location.host} has no database "${location.database}". Create it first (createdb ${location.database}) or fix the URL.`);
  }
  return new DbPorterError('CONNECTION_FAILED', `Cannot connect to PostgreSQL at ${where}: ${message}. Is the server running and the URL right?`, { cause: err });
}

function postgresDefault(expr: string): ColumnDefault {
  if (/^(now\(\)|CURRENT_TIMESTAMP|statement_timestamp\(\)|transaction_timestamp\(\)|LOCALTIMESTAMP)$/i.test(expr)) return { kind: 'now' };
  const literal = /^'((?:[^']|'')*)'(?:::[\w\s"]+)?$/.exec(expr);
  if (literal) return { kind: 'literal', value: literal[1].replace(/''/g, "'") };
  if (/^\(?-?\d+(\.\d+)?\)?(::[\w\s]+)?$/.test(expr)) return { kind: 'literal', value: Number(expr.replace(/[()]|::.*$/g, '')) };
  if (expr === 'true' || expr === 'false') return { kind: 'literal', value: expr === 'true' };
  return { kind: 'expression', engine: 'postgres', sql: expr };
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function defaultSql(dflt: ColumnDefault | undefined): string {
  if (!dflt) return '';
  switch (dflt.kind) {
    case 'now':
      return ' DEFAULT CURRENT_TIMESTAMP';
    case 'literal':
      return typeof dflt.value === 'string' ? ` DEFAULT '${dflt.value.replace(/'/g, "''")}'` : ` DEFAULT ${dflt.value}`;
    case 'expression':
      return dflt.engine === 'postgres' ? ` DEFAULT ${dflt.sql}` : '';
    case 'uuid':
      return ' DEFAULT gen_random_uuid()';
    case 'sequence':
      return ` DEFAULT nextval(${quoteLiteral(quotePostgres(dflt.sequence))}::regclass)`;
  }
}

function createTableSql(table: Table): string {
  const lines = table.columns.map((c) => {
    const identity = c.autoIncrement && ['smallint', 'integer', 'bigint'].includes(c.type);
    const type = identity ? postgresFromPortable({ ...c, native: undefined }) : postgresFromPortable(c);
    return `${quotePostgres(c.name)} ${type}${identity ? ' GENERATED BY DEFAULT AS IDENTITY' : defaultSql(c.default)}${c.nullable ? '' : ' NOT NULL'}`;
  });
  if (table.primaryKey.length) lines.push(`PRIMARY KEY (${table.primaryKey.map(quotePostgres).join(', ')})`);
  for (const u of table.uniques) lines.push(`UNIQUE (${u.columns.map(quotePostgres).join(', ')})`);
  return `CREATE TABLE ${quotePostgres(table.name)} (\n  ${lines.join(',\n  ')}\n)`;
}
