import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_FILE } from '../../core/config';
import { errorMessage } from '../../core/errors';
import { parseUrl } from '../../core/url';
import { editConfigFile, literalPassword, withSecretPassword } from '../config-file';
import { secretNameFor } from '../secrets';
import type { Services } from '../services';
import { badArgument } from './prompts';

/**
 * Arguments of "DB Porter: Create Config File" (dbporter.createConfig) and "DB Porter: Add
 * Database…" (dbporter.addDatabase), which add a database to dbporter.config.json, creating the
 * file when there is none. Without `from` they ask what to add.
 */
export interface CreateConfigArgs {
  /** sqlite: a SQLite file (picked when `file` is absent); url: a connection URL (typed when `url` is absent); example: a starter file to edit. */
  from?: 'sqlite' | 'url' | 'example';
  /** The SQLite file (absolute, or relative to the workspace folder). */
  file?: string;
  /** The connection URL. A password in it is stored with Set Password's secret storage and the file gets a ${secret:…} reference instead. */
  url?: string;
  /** The database's name in the config (default: from the file or the URL; asked when the file or URL was). */
  name?: string;
  /** Open dbporter.config.json in an editor afterwards (default true). */
  open?: boolean;
}

export interface CreateConfigOutcome {
  file: string;
  /** The database added (absent for the example). */
  database?: { name: string; url: string };
  /** The secret the URL's password went to. */
  secret?: string;
}

const EXAMPLE = {
  databases: [
    { name: 'local', url: 'sqlite:data/app.db' },
    { name: 'server', url: 'postgresql://app:${env:DB_PASSWORD}@localhost:5432/app' },
  ],
};

export async function createConfigCommand(services: Services, arg?: CreateConfigArgs): Promise<CreateConfigOutcome | undefined> {
  const { config, log, secrets, databases } = services;
  const file = config.file;
  if (!file) {
    void vscode.window.showWarningMessage(`DB Porter: open a folder first; ${CONFIG_FILE} lives at its root.`);
    return undefined;
  }
  const dir = path.dirname(file);
  const args: CreateConfigArgs = { ...arg };
  const from = args.from ?? (args.file ? 'sqlite' : args.url ? 'url' : await pickSource(fs.existsSync(file)));
  if (!from) return undefined;

  if (from === 'example') {
    if (!fs.existsSync(file)) await vscode.workspace.fs.writeFile(vscode.Uri.file(file), Buffer.from(JSON.stringify(EXAMPLE, null, 2) + '\n'));
    config.reload();
    if (args.open !== false) await vscode.window.showTextDocument(vscode.Uri.file(file));
    return { file };
  }

  let url: string | undefined;
  let suggested: string;
  let secret: string | undefined;
  let password: string | undefined;
  if (from === 'sqlite') {
    const picked = args.file ?? (await pickSqliteFile(dir));
    if (!picked) return undefined;
    const abs = path.resolve(dir, picked);
    const relative = path.relative(dir, abs);
    // Relative sqlite: paths start at the config file's folder; outside it, the path stays absolute.
    url = `sqlite:${relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : abs}`;
    suggested = path.basename(abs).replace(/\.[^.]+$/, '');
  } else {
    url = (args.url ?? (await typeUrl()))?.trim();
    if (!url) return undefined;
    let location;
    try {
      location = parseUrl(url, dir);
    } catch (err) {
      badArgument(errorMessage(err));
    }
    suggested = location.engine === 'sqlite' ? path.basename(location.file).replace(/\.[^.]+$/, '') : location.database;
    password = literalPassword(url);
  }

  const taken = new Set(config.databaseNames);
  const proposed = unique(suggested.replace(/[^A-Za-z0-9._-]+/g, '_') || 'database', taken);
  // Asked only along with a picked file or a typed URL; given ones come with their name or take the proposed one.
  const name = args.name ?? (args.file || args.url ? proposed : await pickName(proposed, taken));
  if (!name) return undefined;
  if (taken.has(name)) badArgument(`${CONFIG_FILE} already has a database named "${name}"; choose another name.`);

  if (password !== undefined) {
    // The password goes to VS Code's secret storage; the file only refers to it.
    secret = secretNameFor(name, file);
    await secrets.store(secret, password);
    url = withSecretPassword(url, secret);
  }
  const entry = { name, url };
  await editConfigFile(config, (json) => {
    json.databases = [...(json.databases ?? []), entry];
  });
  log.info(`Added ${name} (${url}) to ${file}${secret ? `; its password is in VS Code's secret storage as \${secret:${secret}}` : ''}.`);
  databases.refresh();
  if (args.open !== false) await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  return { file, database: entry, secret };
}

async function pickSource(exists: boolean): Promise<CreateConfigArgs['from'] | undefined> {
  const items: Array<vscode.QuickPickItem & { from: NonNullable<CreateConfigArgs['from']> }> = [
    { label: '$(file) A SQLite file…', from: 'sqlite', detail: 'Pick a .db / .sqlite file.' },
    { label: '$(server) A server…', from: 'url', detail: 'Type a postgresql:// or mysql:// URL; a password in it goes to secret storage, not to the file.' },
  ];
  if (!exists) items.push({ label: '$(edit) An example to edit', from: 'example', detail: `A ${CONFIG_FILE} with two example databases.` });
  return (await vscode.window.showQuickPick(items, { title: exists ? `Add a database to ${CONFIG_FILE}` : `Create ${CONFIG_FILE} with…` }))?.from;
}

async function pickSqliteFile(dir: string): Promise<string | undefined> {
  const uris = await vscode.window.showOpenDialog({
    title: 'SQLite database',
    openLabel: 'Add',
    canSelectMany: false,
    defaultUri: vscode.Uri.file(dir),
    filters: { 'SQLite databases': ['db', 'sqlite', 'sqlite3', 'db3'], 'All files': ['*'] },
  });
  return uris?.[0]?.fsPath;
}

async function typeUrl(): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Connection URL',
    prompt: 'postgresql://user:password@host:5432/database or mysql://user:password@host:3306/database. The password is stored in VS Code, not in the file.',
    placeHolder: 'postgresql://user@localhost:5432/app',
    ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        parseUrl(v.trim());
        return undefined;
      } catch (err) {
        return errorMessage(err);
      }
    },
  });
}

async function pickName(suggested: string, taken: Set<string>): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Name of the database in DB Porter',
    value: suggested,
    validateInput: (v) => (!v.trim() ? 'Give it a name.' : taken.has(v.trim()) ? 'That name is taken.' : undefined),
  });
}

function unique(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let i = 2; taken.has(candidate); i++) candidate = `${name}_${i}`;
  return candidate;
}
