// The database servers the benchmark runs against, and their command-line clients.
import { execFileSync, spawnSync } from 'node:child_process';

export const pgAdmin = new URL(process.env.DBPORTER_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test');
export const myAdmin = new URL(process.env.DBPORTER_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');

export const pgUrl = (db) => Object.assign(new URL(pgAdmin), { pathname: `/${db}` }).toString();
export const myUrl = (db) => Object.assign(new URL(myAdmin), { pathname: `/${db}` }).toString();

/** psql's command and arguments, stopping at the first error. */
export const psql = (url, ...args) => ['psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, ...args]];
/** The mariadb client's connection arguments (then a database name, -e …). */
export const mariadbArgs = () => ['-h', myAdmin.hostname, '-P', myAdmin.port || '3306', '-u', decodeURIComponent(myAdmin.username || 'root'), ...(myAdmin.password ? [`-p${decodeURIComponent(myAdmin.password)}`] : [])];

export const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

export function recreatePg(db) {
  execFileSync(...psql(pgAdmin.toString(), '-c', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`, '-c', `CREATE DATABASE ${db}`));
}
export function dropPg(...dbs) {
  for (const db of dbs) execFileSync(...psql(pgAdmin.toString(), '-c', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
}
export function pgCheckpoint() {
  execFileSync(...psql(pgAdmin.toString(), '-c', 'CHECKPOINT'));
}

/**
 * MariaDB's counterpart of CHECKPOINT: has InnoDB write out all its dirty pages before a run (it
 * otherwise trickles a bulk load's pages out for a minute afterwards, into the next run's time).
 */
export function myFlush() {
  const query = (sql) => execFileSync('mariadb', [...mariadbArgs(), '-N', '-e', sql]).toString().trim();
  const before = query('SELECT @@innodb_max_dirty_pages_pct');
  query('SET GLOBAL innodb_max_dirty_pages_pct = 0');
  try {
    const deadline = Date.now() + 120_000;
    while (Number(query("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'").split(/\s+/)[1]) > 0 && Date.now() < deadline) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  } finally {
    query(`SET GLOBAL innodb_max_dirty_pages_pct = ${before}`);
  }
}

export function mariadb(...args) {
  execFileSync('mariadb', [...mariadbArgs(), ...args]);
}
export function recreateMy(db) {
  mariadb('-e', `DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db} CHARACTER SET utf8mb4`);
}
export function dropMy(...dbs) {
  mariadb('-e', dbs.map((db) => `DROP DATABASE IF EXISTS ${db};`).join(' '));
}

/** Shell-quotes one word, for the native tools that run as `sh -c '… | gzip > file'`. */
export const sh = (word) => `'${String(word).replace(/'/g, `'\\''`)}'`;
