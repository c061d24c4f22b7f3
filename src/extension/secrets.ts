import * as path from 'node:path';
import * as vscode from 'vscode';
import { envLookup, type LoadedConfig, type SecretLookup } from '../core/config';

/**
 * Passwords in VS Code: a config URL refers to one as `${secret:NAME}` (as it refers to the
 * environment with `${env:NAME}`), and the value lives in VS Code's SecretStorage, never in
 * dbporter.config.json. The command line knows only `${env:…}`.
 *
 * SecretStorage is asynchronous and resolving a database is not, so the secrets the config refers
 * to are read into a small cache: when the config is (re)loaded, and again whenever SecretStorage
 * reports a change (another window, or Set Password).
 */

/** `${secret:NAME}` anywhere in a text. */
const SECRET_REFERENCE = /\$\{secret:([^}]+)\}/g;

/** Where a secret is kept in SecretStorage (which is the extension's own, shared by all its windows). */
const storageKey = (name: string) => `secret:${name}`;
const nameOfKey = (key: string) => (key.startsWith('secret:') ? key.slice('secret:'.length) : undefined);

/** The secret names the config's database URLs refer to. */
export function secretNamesIn(loaded: LoadedConfig | undefined): string[] {
  const names = new Set<string>();
  for (const db of loaded?.config.databases ?? []) for (const m of db.url.matchAll(SECRET_REFERENCE)) names.add(m[1]);
  return [...names];
}

/**
 * The name Set Password stores a database's password under when its URL does not name one yet:
 * the workspace folder's name and the database's, so that two projects with a database called
 * "staging" keep two passwords. Only letters, digits, ".", "_" and "-", so it reads well in a URL.
 */
export function secretNameFor(database: string, configFile: string | undefined): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  const folder = configFile ? path.basename(path.dirname(configFile)) : '';
  return folder ? `${safe(folder)}.${safe(database)}` : safe(database);
}

export class Secrets implements vscode.Disposable {
  private readonly cache = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a cached secret appeared, changed or went away. */
  readonly onDidChange = this.changed.event;
  private pending: Promise<void> = Promise.resolve();
  /** Per name, a count bumped before and after each store or delete here: a read that overlaps one must not undo it. */
  private readonly writes = new Map<string, number>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly storage: vscode.SecretStorage) {
    this.subscription = storage.onDidChange((e) => {
      const name = nameOfKey(e.key);
      if (name !== undefined) void this.load([name]);
    });
  }

  /** What config resolution looks secrets up with: `${secret:…}` from the cache, `${env:…}` from the environment. */
  readonly lookup: SecretLookup = (kind, name) => (kind === 'secret' ? this.cache.get(name) : envLookup(kind, name));

  /** Settles once every load asked for so far is done. */
  get loaded(): Promise<void> {
    return this.pending;
  }

  /** Reads these secrets from SecretStorage into the cache. */
  load(names: string[]): Promise<void> {
    const reading = Promise.all(
      names.map(async (name) => {
        const generation = this.writes.get(name) ?? 0;
        return [name, await this.storage.get(storageKey(name)), generation] as const;
      }),
    ).then((values) => {
      let changed = false;
      for (const [name, value, generation] of values) {
        if ((this.writes.get(name) ?? 0) !== generation) continue; // stored or deleted meanwhile: that wins
        if (this.cache.get(name) === value) continue;
        if (value === undefined) this.cache.delete(name);
        else this.cache.set(name, value);
        changed = true;
      }
      if (changed) this.changed.fire();
    });
    // A failing read leaves the cache as it was; resolving then says the secret is not stored.
    this.pending = Promise.all([this.pending, reading.catch(() => undefined)]).then(() => undefined);
    return this.pending;
  }

  /** Forgets these names and reads them again (tests use it to see what SecretStorage itself holds). */
  async reload(names: string[]): Promise<void> {
    for (const name of names) this.cache.delete(name);
    await this.load(names);
  }

  async store(name: string, value: string): Promise<void> {
    await this.write(name, () => this.storage.store(storageKey(name), value));
    this.cache.set(name, value);
    this.changed.fire();
  }

  async delete(name: string): Promise<void> {
    await this.write(name, () => this.storage.delete(storageKey(name)));
    if (this.cache.delete(name)) this.changed.fire();
  }

  /** A write, counted before and after: a read that overlaps it in any way is discarded. */
  private async write(name: string, fn: () => Thenable<void>): Promise<void> {
    const bump = () => this.writes.set(name, (this.writes.get(name) ?? 0) + 1);
    bump();
    try {
      await fn();
    } finally {
      bump();
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
