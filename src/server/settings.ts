import * as path from 'node:path';
import { CONFIG_FILE, interpolate, loadConfig, resolveDatabase, envLookup, type LoadedConfig, type ResolvedDatabase, type SecretLookup } from '../core/config';
import { DbPorterError } from '../core/errors';

/**
 * Where the admin API's settings come from: dbporter.config.json (re-read on refresh), the
 * database named by --database-url or the config's `server.database`, and the API key.
 */

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024;
/** Exports, imports and refreshes at once; each holds a database connection (and, on SQLite, the file in memory). */
export const DEFAULT_MAX_JOBS = 8;
/** Headers come in one packet from any real client; 30 s is generous and still ends a slowloris. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;
/** As nginx's client_body_timeout and send_timeout: the longest pause between two reads or writes. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** Timers past 2^31 ms overflow in Node; a day is longer than any sensible bound anyway. */
export const MAX_TIMEOUT_MS = 24 * 3600 * 1000;
export const API_KEY_ENV = 'DBPORTER_API_KEY';
/** Shorter keys can be guessed; 16 characters of a random key are plenty. */
export const MIN_API_KEY_LENGTH = 16;

/** The bounds that keep one client, or a flood of them, from holding the server. */
export interface Limits {
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
  /** Exports, imports and refreshes running at once; beyond it, 503 TOO_MANY_JOBS. */
  maxJobs: number;
  /** Time for a request's headers to arrive whole, in milliseconds. */
  headersTimeoutMs: number;
  /**
   * Longest pause, in milliseconds, while the server waits on the client: for the next bytes of a
   * request body, or for the client to read more of a response. Not a limit on the total time.
   */
  idleTimeoutMs: number;
}

/** Each limit from the server's options (the command line), else the config's `server.*`, else the default. */
export function resolveLimits(options: Partial<Limits>, loaded: LoadedConfig | undefined): Limits {
  const config = loaded?.config.server;
  return {
    maxBodyBytes: options.maxBodyBytes ?? config?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxJobs: options.maxJobs ?? config?.maxJobs ?? DEFAULT_MAX_JOBS,
    headersTimeoutMs: options.headersTimeoutMs ?? config?.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
    idleTimeoutMs: options.idleTimeoutMs ?? config?.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
  };
}

/** The config file the server reads, now and on every refresh. */
export interface ConfigSource {
  /** An explicit --config path (must exist), or undefined for dbporter.config.json in `dir`. */
  file?: string;
  dir?: string;
}

export function readConfig(source: ConfigSource): LoadedConfig | undefined {
  if (source.file) {
    const loaded = loadConfig(source.file);
    if (!loaded) throw new DbPorterError('CONFIG_NOT_FOUND', `No config file at ${path.resolve(source.file)}.`);
    return loaded;
  }
  return loadConfig(path.resolve(source.dir ?? process.cwd(), CONFIG_FILE));
}

/**
 * The database the server serves: the --database-url value (URL or config name), else the
 * config's `server.database`, else DATABASE_URL, the way every command resolves one.
 */
export function serverDatabase(nameOrUrl: string | undefined, loaded: LoadedConfig | undefined, lookup: SecretLookup = envLookup): ResolvedDatabase {
  return resolveDatabase(nameOrUrl ?? loaded?.config.server?.database, loaded, lookup);
}

/**
 * The API key: the config's `server.apiKey` reference (${env:NAME}) when there is one, else
 * DBPORTER_API_KEY; undefined when neither is set. A short key is refused rather than used.
 */
export function apiKeyFrom(loaded: LoadedConfig | undefined, lookup: SecretLookup = envLookup): string | undefined {
  const reference = loaded?.config.server?.apiKey;
  const key = reference ? interpolate(reference, `server.apiKey in ${loaded!.file}`, lookup) : lookup('env', API_KEY_ENV) || undefined;
  if (key !== undefined && key.length < MIN_API_KEY_LENGTH) {
    const where = reference ? `The API key (${reference})` : API_KEY_ENV;
    throw new DbPorterError('BAD_ARGUMENT', `${where} is ${key.length} characters long; use a random key of at least ${MIN_API_KEY_LENGTH} (for example: openssl rand -base64 32).`);
  }
  return key;
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/** Refuses to serve beyond this machine without a key: anyone on the network could move data. */
export function checkExposure(host: string, apiKey: string | undefined): void {
  if (apiKey || isLoopback(host)) return;
  throw new DbPorterError(
    'BAD_ARGUMENT',
    `Refusing to listen on ${host} without an API key: anyone who can reach this address could export or overwrite the database. Set ${API_KEY_ENV} (or server.apiKey: "\${env:NAME}" in ${CONFIG_FILE}), or listen on 127.0.0.1.`,
  );
}

/** "100m", "64k", "1g" or a number of bytes. */
export function parseByteSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?$/i.exec(text.trim());
  const unit = m?.[2]?.[0]?.toLowerCase();
  const bytes = m ? Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1) {
    throw new DbPorterError('BAD_ARGUMENT', `"${text}" is not a size. Use bytes or a number with k, m or g (for example 100m).`);
  }
  return Math.floor(bytes);
}

/** "30s", "500ms", "2m": a duration in milliseconds. A bare number is refused: seconds or milliseconds? */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min)$/i.exec(text.trim());
  const unit = m?.[2]?.toLowerCase();
  const ms = m ? Number(m[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000) : NaN;
  if (!Number.isFinite(ms) || ms < 1 || ms > MAX_TIMEOUT_MS) {
    throw new DbPorterError('BAD_ARGUMENT', `"${text}" is not a duration from 1ms to a day. Use a number with ms, s or m (for example 30s).`);
  }
  return Math.round(ms);
}

/** 60000 as "60 s", 300 as "300 ms", 120000 as "2 min". */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000) return `${Math.round(ms / 100) / 10} s`;
  return `${ms} ms`;
}
