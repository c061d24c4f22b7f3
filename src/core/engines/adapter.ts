import type { Column, DatabaseSchema, Row } from '../schema/model';
import type { Dialect } from '../schema/dialect';
import type { TargetSchema } from '../schema/adapt';
import type { BackEdge } from '../schema/order';
import type { Engine } from '../url';
import type { RowFilter } from './filter';

/**
 * The one interface every engine implements (in the spirit of dbmate's Driver and Kysely's
 * Dialect). Rows cross it as arrays of portable values (see ../values.ts), so the core never
 * sees a driver's own value types, and engine quirks stay inside each adapter.
 */
export interface Adapter {
  readonly engine: Engine;
  /** What this engine's DDL can recreate, and its type grammar (engines/x/dialect.ts). */
  readonly dialect: Dialect;
  /** Where this adapter points, with no password in it: for messages and dump metadata. */
  readonly description: string;
  /**
   * The engine's own bulk text, where it has one that reads back exactly what it wrote: then
   * Reader.nativeRows gives a table's rows in it and Writer.writeNativeRows takes them back, and
   * backups store it (docs/backups.md).
   */
  readonly nativeFormat?: NativeFormat;

  /** Tables with columns, keys and indexes; system and internal tables left out. */
  introspect(): Promise<DatabaseSchema>;

  /** Runs `fn` against one consistent view of the database (a snapshot where the engine has one). */
  read<T>(fn: (reader: Reader) => Promise<T>): Promise<T>;

  /**
   * Runs `fn` as one atomic unit of writing: when it throws or the signal fires, the database is
   * left exactly as it was (tables the unit created are dropped again where DDL cannot roll back).
   */
  write<T>(fn: (writer: Writer) => Promise<T>, signal?: AbortSignal): Promise<T>;

  /**
   * Whether write() rolls back DDL too (SQLite, PostgreSQL). Where it does not (MySQL commits each
   * DDL statement on the spot), a migration script is not atomic and a restore needs replaceAll.
   */
  readonly transactionalDdl: boolean;

  /**
   * Only where DDL is not transactional: makes the database hold exactly the tables `load` writes
   * into the empty database of the same engine it is handed, in one step that a failure, a cancel
   * or a killed process leaves either not taken or wholly taken. Resolves to `refused` (with the
   * reason, load not called) where it cannot here; the caller then replaces the tables in place.
   */
  replaceAll?<T>(load: (empty: Adapter) => Promise<T>, signal?: AbortSignal): Promise<{ result: T } | { refused: string }>;

  quoteIdentifier(name: string): string;
  close(): Promise<void>;
}

export interface Reader {
  countRows(table: string): Promise<number>;
  /** Streams the rows of a table in batches, values in the order of `columns`; all rows, or those `where` picks. */
  rows(table: string, columns: Column[], signal?: AbortSignal, where?: RowFilter): AsyncIterable<Row[]>;
  /**
   * Optional fast path for exports: the same rows as rows(), already written as UTF-8 JSON objects
   * (column name to portable value, in column order), each one as prefix + object + suffix.
   */
  jsonRows?(table: string, columns: Column[], framing: RowFraming, signal?: AbortSignal): AsyncIterable<EncodedRows>;
  /**
   * Optional, with Adapter.nativeFormat, for backups: every row of a table in the engine's own bulk
   * text, the bytes as the server writes them, each piece with the number of rows it completes.
   */
  nativeRows?(table: string, columns: Column[], signal?: AbortSignal): AsyncIterable<EncodedRows>;
}

/**
 * Rows in an engine's own bulk text, as a backup keeps them; the name is also the manifest's `kind`.
 * postgres-copy: PostgreSQL's COPY text format, with the session settings the adapter reads with.
 * mysql-tsv: the text MySQL's LOAD DATA reads, as the adapter writes it (mysql/tsv.ts).
 */
export type NativeFormat = 'postgres-copy' | 'mysql-tsv';

export interface RowFraming {
  prefix: string;
  suffix: string;
}

export interface EncodedRows {
  bytes: Buffer;
  rows: number;
}

export interface Writer {
  /** Current schema of the target, as seen inside this unit of writing. */
  introspect(): Promise<DatabaseSchema>;
  /**
   * Creates what `schema` holds (none of which exists yet): a schema adaptSchema made for this
   * engine, so every part of it is this engine's and safe to write. The adapter decides when each
   * part is made, so that rows can load in any order and nothing fires on them (keys, foreign
   * keys, indexes, triggers and views may wait for the commit); all are in place at commit.
   */
  createSchema(schema: TargetSchema): Promise<void>;
  /**
   * Drops everything of the database that introspect() reads and createSchema makes (tables, and
   * its views, triggers, routines, types, sequences, ...), so that it ends up holding exactly what
   * the next createSchema makes: a restore. Transactional where the engine's DDL is.
   */
  clear(): Promise<void>;
  /** Deletes every row of these tables. */
  emptyTables(tables: string[]): Promise<void>;
  /**
   * For engines that check foreign keys as rows arrive: these keys of tables that were already
   * there cannot hold until the unit's last row is in (they point at their own table, or at one
   * loaded later: a cycle's, see schema/order.ts backEdges). The engine leaves them unchecked until
   * the end of the unit, then checks every row and fails the unit, naming the key, where one points
   * nowhere. Called before any row is written. Engines that check no key while rows load leave it out.
   */
  deferForeignKeys?(keys: BackEdge[]): Promise<void>;
  /**
   * Drops these tables, foreign keys between them and from elsewhere included. Transactional where
   * the engine's DDL is (SQLite, PostgreSQL); on MySQL it cannot be rolled back.
   */
  dropTables(tables: string[]): Promise<void>;
  /** Deletes the rows whose `keyColumns` hold one of `keys` (a few hundred at most); returns how many went. */
  deleteRows(table: string, keyColumns: Column[], keys: Row[]): Promise<number>;
  /**
   * Runs a SQL script of one or more statements, written for this engine (migrations). Inside the
   * unit's transaction on SQLite and PostgreSQL; on MySQL each DDL statement commits as it runs.
   */
  execute(sql: string): Promise<void>;
  /** Reads the rows `where` picks, as this unit sees them (its own writes included): merging looks up collisions with it. */
  rows(table: string, columns: Column[], where: RowFilter, signal?: AbortSignal): AsyncIterable<Row[]>;
  /**
   * Sets the values of existing rows, found by their `key` columns: each row holds values for
   * `columns` (key columns among them), and every other column of `columns` is overwritten. One
   * set-based statement per call where the engine allows it. Returns how many rows changed.
   */
  updateRows(table: string, columns: Column[], key: string[], rows: Row[]): Promise<number>;
  /**
   * Writes rows whose values follow `columns`. On a primary or unique key collision `skip`
   * keeps the existing row; `error` fails the whole unit.
   */
  writeRows(table: string, columns: Column[], batches: AsyncIterable<Row[]>, options: WriteOptions): Promise<WriteCount>;
  /**
   * Optional, with Adapter.nativeFormat, for restores: writes rows given in the engine's own bulk
   * text (as Reader.nativeRows gave them, columns alike) as they are. Like writeRows with
   * onConflict 'error': for tables that cannot hold colliding rows (created or emptied).
   */
  writeNativeRows?(table: string, columns: Column[], bytes: AsyncIterable<Buffer>, options: Omit<WriteOptions, 'onConflict'>): Promise<WriteCount>;
}

export interface WriteOptions {
  onConflict: 'skip' | 'error';
  signal?: AbortSignal;
  /** Called after each batch with the rows handled so far in this call. */
  onRows?: (rowsDone: number) => void;
}

export interface WriteCount {
  /** Rows that were in the input. */
  rows: number;
  /** Rows that were actually inserted (rows minus the skipped collisions). */
  inserted: number;
}
