import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import mysql from 'mysql2/promise';
import type { Engine } from '../../src/core/url';

/** The servers the engine tests use; each test database is created here and dropped afterwards. */
export const PG_ADMIN_URL = process.env.DBPORTER_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const MYSQL_ADMIN_URL = process.env.DBPORTER_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

export interface TestDatabase {
  engine: Engine;
  url: string;
  drop(): Promise<void>;
}

function withDatabase(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

const reachable = new Map<Engine, Promise<string | undefined>>();

/** undefined when the server answers, otherwise why not. */
export function serverProblem(engine: Engine): Promise<string | undefined> {
  if (engine === 'sqlite') return Promise.resolve(undefined);
  let p = reachable.get(engine);
  if (!p) {
    p = (async () => {
      try {
        if (engine === 'postgres') {
          const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
          await c.connect();
          await c.end();
        } else {
          const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL, connectTimeout: 3000 });
          await c.end();
        }
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    })();
    reachable.set(engine, p);
  }
  return p;
}

/**
 * Skips the calling test when the server is down, except in CI, where a skipped engine test
 * would hide a broken promise: there it fails.
 */
export async function requireServer(ctx: Mocha.Context, engine: Engine): Promise<void> {
  const problem = await serverProblem(engine);
  if (!problem) return;
  if (process.env.CI) throw new Error(`${engine} server is required in CI but unreachable: ${problem}`);
  ctx.skip();
}

export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  const name = `dbporter_test_${randomBytes(5).toString('hex')}`;
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbporter-test-'));
    return { engine, url: `sqlite:${path.join(dir, `${name}.db`)}`, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  if (engine === 'postgres') {
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    return {
      engine,
      url: withDatabase(PG_ADMIN_URL, name),
      drop: async () => {
        const c = new pg.Client({ connectionString: PG_ADMIN_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
  await admin.end();
  return {
    engine,
    url: withDatabase(MYSQL_ADMIN_URL, name),
    drop: async () => {
      const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}

/** Runs raw SQL (several statements) against a test database, outside DB Porter. */
export async function execSql(db: TestDatabase, sql: string): Promise<void> {
  if (db.engine === 'postgres') {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  } else if (db.engine === 'mysql') {
    const c = await mysql.createConnection({ uri: db.url, multipleStatements: true });
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  } else {
    const initSqlJs = (await import('sql.js')).default;
    const SQL = await initSqlJs();
    const file = db.url.slice('sqlite:'.length);
    const sdb = fs.existsSync(file) ? new SQL.Database(fs.readFileSync(file)) : new SQL.Database();
    sdb.exec(sql);
    fs.writeFileSync(file, sdb.export());
    sdb.close();
  }
}

/** Runs a query and returns its rows, outside DB Porter. */
export async function querySql(db: TestDatabase, sql: string): Promise<Array<Record<string, unknown>>> {
  if (db.engine === 'postgres') {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query(sql)).rows;
    } finally {
      await c.end();
    }
  }
  if (db.engine === 'mysql') {
    const c = await mysql.createConnection({ uri: db.url });
    try {
      return (await c.query(sql))[0] as Array<Record<string, unknown>>;
    } finally {
      await c.end();
    }
  }
  const initSqlJs = (await import('sql.js')).default;
  const SQL = await initSqlJs();
  const sdb = new SQL.Database(fs.readFileSync(db.url.slice('sqlite:'.length)));
  const res = sdb.exec(sql);
  sdb.close();
  if (!res.length) return [];
  return res[0].values.map((v) => Object.fromEntries(res[0].columns.map((c, i) => [c, v[i]])));
}

/**
 * The shadow and aside databases of MySQL restores (dbporter_tmp_<hex>_new/_old) on the test server,
 * each with whether a running restore still holds it (its named lock is taken).
 */
export async function shadowDatabases(): Promise<Array<{ name: string; live: boolean }>> {
  const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  try {
    const [rows] = await c.query("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'dbporter\\_tmp\\_%'");
    const out: Array<{ name: string; live: boolean }> = [];
    for (const { name } of rows as Array<{ name: string }>) {
      const [[free]] = (await c.query('SELECT IS_FREE_LOCK(?) AS free', [name.replace(/_(new|old)$/, '')])) as unknown as [Array<{ free: number }>];
      out.push({ name, live: Number(free.free) !== 1 });
    }
    return out;
  } finally {
    await c.end();
  }
}
