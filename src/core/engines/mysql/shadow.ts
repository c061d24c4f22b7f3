import { createHash, randomBytes } from 'node:crypto';
import type { Adapter } from '../adapter';
import { DbPorterError, errorMessage, throwIfAborted } from '../../errors';
import { quoteMysql } from './quote';

/**
 * A MySQL restore that a kill cannot leave half done. MySQL commits DDL on the spot, so dropping
 * the target's tables and creating the archive's cannot be one transaction. Instead the archive is
 * loaded into a fresh database beside the target (the shadow), and one RENAME TABLE statement moves
 * the target's tables into a second fresh database (the aside) and the shadow's into the target.
 * A multi-table RENAME is all or nothing (and crash safe since MariaDB 10.6 and MySQL 8.0); the
 * server runs it to the end even when the client dies half way. InnoDB carries foreign keys along,
 * so they point at the right tables afterwards. Then both helper databases are dropped.
 *
 * The pair is named dbporter_tmp_<16 hex>_new and _old, and the connection that makes them holds
 * the named lock dbporter_tmp_<16 hex> until it ends. A pair whose lock is free belongs to a run
 * that is gone, and the next write through the adapter drops it. A process id would not tell that:
 * clients on other machines share the server. Dropping a leftover aside loses nothing: the RENAME
 * put either all of the target's tables there, after the target already held the new ones, or none.
 *
 * The server also runs a migration script sent as one packet to its end after the client died. A
 * script therefore holds a lock named after its database while it runs (withScriptLock), and the
 * swap waits for that lock: putting back the snapshot of a killed migration never races the rest
 * of its script.
 */

/** What the shadow restore needs of the adapter: its connection and a second one to another database. */
export interface ShadowHost {
  execute<R = Array<Record<string, unknown>>>(sql: string, values?: unknown[]): Promise<R>;
  /** An adapter on another database of the same server, as the same user. */
  openDatabase(name: string): Promise<Adapter>;
}

const LOCK_PREFIX = 'dbporter_tmp_';
const LEFTOVER = /^(dbporter_tmp_[0-9a-f]{16})_(new|old)$/;

/** The server errors that mean "this user may not create databases". */
const DENIED = new Set(['ER_DBACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_ERROR', 'ER_SPECIFIC_ACCESS_DENIED_ERROR']);

export async function replaceThroughShadow<T>(
  host: ShadowHost,
  load: (empty: Adapter) => Promise<T>,
  signal?: AbortSignal,
): Promise<{ result: T } | { refused: string }> {
  await sweepLeftovers(host).catch(() => undefined);
  // A table's triggers cannot move to another database (ER_TRG_IN_WRONG_SCHEMA).
  const [triggers] = await host.execute<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE()');
  if (Number(triggers.n) > 0) return { refused: 'the database has triggers, which MySQL cannot move to another database' };
  const [target] = await host.execute<Array<{ db: string; charset: string; collation: string }>>(
    `SELECT SCHEMA_NAME AS db, DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation
     FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()`,
  );

  const lock = `${LOCK_PREFIX}${randomBytes(8).toString('hex')}`;
  const shadow = `${lock}_new`;
  const aside = `${lock}_old`;
  const [taken] = await host.execute<Array<{ ok: number }>>('SELECT GET_LOCK(?, 0) AS ok', [lock]);
  if (Number(taken.ok) !== 1) throw new Error(`could not take the lock ${lock}`);
  try {
    // The target's character set and collation, so that anything relying on the database's defaults behaves the same.
    const options = /^\w+$/.test(target.charset) && /^\w+$/.test(target.collation) ? ` CHARACTER SET ${target.charset} COLLATE ${target.collation}` : '';
    try {
      await host.execute(`CREATE DATABASE ${quoteMysql(shadow)}${options}`);
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code && DENIED.has(code)) return { refused: `the MySQL user may not create databases (${errorMessage(err)})` };
      throw err;
    }
    await host.execute(`CREATE DATABASE ${quoteMysql(aside)}${options}`);
    const fresh = await host.openDatabase(shadow);
    let result: T;
    try {
      result = await load(fresh);
    } finally {
      await fresh.close();
    }
    throwIfAborted(signal);
    const old = await baseTables(host, target.db);
    const incoming = await baseTables(host, shadow);
    // The target's tables leave first: their foreign key names are then free for the incoming ones.
    const moves = [
      ...old.map((t) => `${quoteMysql(target.db)}.${quoteMysql(t)} TO ${quoteMysql(aside)}.${quoteMysql(t)}`),
      ...incoming.map((t) => `${quoteMysql(shadow)}.${quoteMysql(t)} TO ${quoteMysql(target.db)}.${quoteMysql(t)}`),
    ];
    if (moves.length) await withScriptLock(host, target.db, () => host.execute(`RENAME TABLE ${moves.join(', ')}`));
    return { result };
  } finally {
    await dropDatabases(host, [shadow, aside]);
    await host.execute('SELECT RELEASE_LOCK(?)', [lock]).catch(() => undefined);
  }
}

/** How long a restore waits for a script still running on its database, and a script for a restore. */
const SCRIPT_LOCK_SECONDS = 120;

/** The lock a database's scripts and restores take in turn (lock names are limited to 64 characters). */
function scriptLock(database: string): string {
  return `dbporter_script_${createHash('sha256').update(database).digest('hex').slice(0, 32)}`;
}

/**
 * Runs `fn` holding the database's script lock on the host's connection. A killed client's
 * session keeps it until the server has finished what that client sent.
 */
export async function withScriptLock<T>(host: ShadowHost, database: string, fn: () => Promise<T>): Promise<T> {
  const lock = scriptLock(database);
  const [taken] = await host.execute<Array<{ ok: number | null }>>('SELECT GET_LOCK(?, ?) AS ok', [lock, SCRIPT_LOCK_SECONDS]);
  if (Number(taken.ok) !== 1) {
    throw new DbPorterError(
      'BUSY',
      `MySQL database "${database}" is busy: a migration script or a restore has been running on it for over ${SCRIPT_LOCK_SECONDS} s (possibly the rest of a script whose client was killed; the server runs it to its end). Nothing was changed; try again once it ends (SHOW PROCESSLIST shows it).`,
    );
  }
  try {
    return await fn();
  } finally {
    await host.execute('SELECT RELEASE_LOCK(?)', [lock]).catch(() => undefined);
  }
}

async function baseTables(host: ShadowHost, database: string): Promise<string[]> {
  const rows = await host.execute<Array<{ name: string }>>(
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [database],
  );
  return rows.map((r) => String(r.name));
}

/**
 * Drops the shadow and aside databases of restores that are gone: the connection that made them,
 * and with it their lock, has ended. Those of a restore still running are left alone, whoever runs it.
 * A database this user may not drop stays; nothing else depends on it.
 */
export async function sweepLeftovers(host: ShadowHost): Promise<string[]> {
  const rows = await host.execute<Array<{ name: string }>>("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'dbporter\\_tmp\\_%'");
  const stale: string[] = [];
  for (const { name } of rows) {
    const m = LEFTOVER.exec(String(name));
    if (!m) continue;
    const [free] = await host.execute<Array<{ free: number | null }>>('SELECT IS_FREE_LOCK(?) AS free', [m[1]]);
    if (Number(free.free) === 1) stale.push(String(name));
  }
  await dropDatabases(host, stale);
  return stale;
}

async function dropDatabases(host: ShadowHost, names: string[]): Promise<void> {
  if (!names.length) return;
  // A leftover aside may hold tables that others (in it) reference.
  await host.execute('SET FOREIGN_KEY_CHECKS = 0').catch(() => undefined);
  for (const name of names) await host.execute(`DROP DATABASE IF EXISTS ${quoteMysql(name)}`).catch(() => undefined);
  await host.execute('SET FOREIGN_KEY_CHECKS = 1').catch(() => undefined);
}
