import * as path from 'node:path';
import { DbPorterError } from './errors';

export type Engine = 'sqlite' | 'postgres' | 'mysql';

export const ENGINE_LABELS: Record<Engine, string> = {
  sqlite: 'SQLite',
  postgres: 'PostgreSQL',
  mysql: 'MySQL/MariaDB',
};

export interface SqliteLocation {
  engine: 'sqlite';
  /** Absolute path of the database file. */
  file: string;
}

export interface ServerLocation {
  engine: 'postgres' | 'mysql';
  host: string;
  port: number | undefined;
  user: string | undefined;
  password: string | undefined;
  database: string;
  /** Query parameters, passed on to the driver (sslmode and friends). */
  params: Record<string, string>;
}

export type Location = SqliteLocation | ServerLocation;

const SCHEMES: Record<string, Engine> = {
  sqlite: 'sqlite',
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
};

/**
 * Reads a connection URL. `sqlite:` paths are resolved against `baseDir`
 * (the folder of dbporter.config.json, or the working directory).
 */
export function parseUrl(url: string, baseDir = process.cwd()): Location {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (!match) {
    throw new DbPorterError(
      'BAD_URL',
      `"${maskUrl(url)}" is not a connection URL. Use sqlite:path/to/file.db, postgresql://user@host/db or mysql://user@host/db.`,
    );
  }
  const scheme = match[1].toLowerCase();
  const engine = SCHEMES[scheme];
  if (!engine) {
    throw new DbPorterError(
      'UNKNOWN_ENGINE',
      `Unknown database scheme "${scheme}:" in "${maskUrl(url)}". Supported: sqlite:, postgresql: (or postgres:), mysql: (or mariadb:).`,
    );
  }
  if (engine === 'sqlite') {
    let file = url.slice(match[0].length);
    // sqlite:///abs/path and sqlite://rel/path are common spellings of the same thing.
    if (file.startsWith('//')) file = file.slice(2);
    if (!file) throw new DbPorterError('BAD_URL', 'The sqlite: URL names no file. Use sqlite:path/to/file.db.');
    return { engine, file: path.resolve(baseDir, decodeURIComponent(file)) };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DbPorterError('BAD_URL', `"${maskUrl(url)}" is not a valid ${scheme} URL. Expected ${scheme}://user:password@host:port/database.`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) {
    throw new DbPorterError('BAD_URL', `"${maskUrl(url)}" names no database. Add it after the host: ${scheme}://host/database.`);
  }
  const params: Record<string, string> = {};
  parsed.searchParams.forEach((value, key) => (params[key] = value));
  return {
    engine,
    host: parsed.hostname || 'localhost',
    port: parsed.port ? Number(parsed.port) : undefined,
    user: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    database,
    params,
  };
}

export function engineOf(url: string): Engine {
  return parseUrl(url).engine;
}

/** The URL with its password replaced by ***, safe for logs, errors, dumps and manifests. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):([^@/?#]*)@/i, (_all, head: string) => `${head}:***@`);
}

/** Masks the password of every URL inside a text (an error message, a log line). */
export function maskUrlsIn(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@/?#\s]*)@/gi, (_all, head: string) => `${head}:***@`);
}

/** Replaces every occurrence of the given secrets in a text; empty or tiny secrets are ignored. */
export function maskSecrets(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 3) continue;
    out = out.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join('***');
  }
  return out;
}

/** A short name for a database in messages: the file name or host/database, never a password. */
export function describeLocation(loc: Location): string {
  if (loc.engine === 'sqlite') return loc.file;
  return `${loc.host}${loc.port ? `:${loc.port}` : ''}/${loc.database}`;
}
