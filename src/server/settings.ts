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
export const API_KEY_ENV = 'DBPORTER_API_KEY';
/** Shorter keys can be guessed; 16 characters of a random key are plenty. */
export const MIN_API_KEY_LENGTH = 16;

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
