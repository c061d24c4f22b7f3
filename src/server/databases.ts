import type { LoadedConfig, ResolvedDatabase, SecretLookup } from '../core/config';
import { resolveDatabase } from '../core/config';
import { openAdapter, withAdapter } from '../core/engines';
import type { Adapter } from '../core/engines/adapter';
import { DbPorterError } from '../core/errors';
import { describeLocation, parseUrl } from '../core/url';
import { readConfig, serverDatabase, type ConfigSource } from './settings';

/** What responses say about a database: never its URL, so never a password. */
export interface DatabaseInfo {
  name: string;
  engine: string;
  location: string;
}

export function describeDatabase(db: ResolvedDatabase): DatabaseInfo {
  const location = parseUrl(db.url, db.baseDir);
  return { name: db.name, engine: location.engine, location: describeLocation(location) };
}

/** What one request gets: the database, and adapters that are closed for it when it ends. */
export interface Session {
  readonly db: ResolvedDatabase;
  open(): Promise<Adapter>;
}

/**
 * One database as the server resolved it, and the requests using it. Every request opens its own
 * adapter rather than sharing one: a connection carries one transaction at a time, and a SQLite
 * adapter holds a copy of the file as it was when opened.
 */
export class DatabaseHandle {
  private users = 0;
  private idle: Array<() => void> = [];

  constructor(
    readonly db: ResolvedDatabase,
    /** The config this handle was resolved from; requests naming another database look it up here. */
    readonly config: LoadedConfig | undefined,
  ) {}

  /** Requests running against this database right now. */
  get inUse(): number {
    return this.users;
  }

  get info(): DatabaseInfo {
    return describeDatabase(this.db);
  }

  async use<T>(work: (session: Session) => Promise<T>): Promise<T> {
    this.users++;
    const adapters: Adapter[] = [];
    try {
      return await work({
        db: this.db,
        open: async () => {
          const adapter = await openAdapter(this.db.url, this.db.baseDir);
          adapters.push(adapter);
          return adapter;
        },
      });
    } finally {
      for (const adapter of adapters) await adapter.close().catch(() => undefined);
      if (--this.users === 0) this.idle.splice(0).forEach((resolve) => resolve());
    }
  }

  /** Resolves once no request uses this database any more. */
  whenIdle(): Promise<void> {
    return this.users === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }
}

export interface HolderSource {
  config: ConfigSource;
  /** --database-url's value (a URL or a config name); the config's server.database when absent. */
  database?: string;
  lookup?: SecretLookup;
}

/**
 * The server's current database. A request takes the handle at its start and keeps it to its
 * end; a refresh re-reads the config and puts a new handle in place, so later requests go to the
 * new database while running ones finish on the old (whose adapters close as they end).
 */
export class DatabaseHolder {
  private handle: DatabaseHandle;
  private refreshing: Promise<unknown> = Promise.resolve();

  private constructor(
    private source: HolderSource,
    first: DatabaseHandle,
  ) {
    this.handle = first;
  }

  static async open(source: HolderSource): Promise<DatabaseHolder> {
    return new DatabaseHolder(source, await resolveHandle(source));
  }

  get current(): DatabaseHandle {
    return this.handle;
  }

  /**
   * The database a request names: the server's own when it names none, otherwise a database of
   * the config by name. URLs are not taken from requests: a caller could point the server at
   * any file or host it can reach.
   */
  pick(name: string | undefined): DatabaseHandle {
    const current = this.handle;
    if (name === undefined || name === current.db.name) return current;
    return new DatabaseHandle(namedDatabase(name, current.config, this.source.lookup), current.config);
  }

  /**
   * Re-reads the config, resolves the database again (or the one `name` picks from the config,
   * which the server then keeps), checks that it answers, and swaps it in. On any problem the
   * current database stays.
   */
  refresh(name?: string): Promise<{ previous: DatabaseHandle; current: DatabaseHandle }> {
    const run = this.refreshing.then(async () => {
      const source = name === undefined ? this.source : { ...this.source, database: name };
      if (name !== undefined) namedDatabase(name, readConfig(source.config), source.lookup);
      const next = await resolveHandle(source);
      const previous = this.handle;
      this.handle = next;
      this.source = source;
      return { previous, current: next };
    });
    this.refreshing = run.catch(() => undefined);
    return run;
  }
}

async function resolveHandle(source: HolderSource): Promise<DatabaseHandle> {
  const loaded = readConfig(source.config);
  const db = serverDatabase(source.database, loaded, source.lookup);
  const location = parseUrl(db.url, db.baseDir);
  // A server that cannot be reached is refused now, not at the first request. A SQLite file is
  // read whole on opening, so it is left to the requests (an import may create it).
  if (location.engine !== 'sqlite') await withAdapter(db.url, async () => undefined, db.baseDir);
  return new DatabaseHandle(db, loaded);
}

function namedDatabase(name: string, config: LoadedConfig | undefined, lookup?: SecretLookup): ResolvedDatabase {
  const names = config?.config.databases.map((d) => d.name) ?? [];
  if (!names.includes(name)) {
    throw new DbPorterError(
      'UNKNOWN_DATABASE',
      names.length ? `No database named "${name}" in ${config!.file}. Databases there: ${names.join(', ')}.` : `No database named "${name}": the server has no dbporter.config.json naming databases.`,
    );
  }
  return resolveDatabase(name, config, lookup);
}
