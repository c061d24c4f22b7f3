import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DbPorterApi } from '../../../src/extension/extension';
import { withAdapter } from '../../../src/core/engines';

/** Helpers of the extension tests: the extension's API, and a look at the databases through the core (no mocks). */

export const workspace = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

export async function api(): Promise<DbPorterApi> {
  const ext = vscode.extensions.getExtension<DbPorterApi>('dbporter.dbporter');
  assert.ok(ext, 'the extension is installed in the test host');
  return ext.activate();
}

/** Whether the launcher gave the tests a PostgreSQL database ("server"); in CI it must have. */
export async function hasServer(ctx: Mocha.Context): Promise<void> {
  if ((await api()).config.databaseNames.includes('server')) return;
  if (process.env.CI) throw new Error('CI must give the extension tests a PostgreSQL database');
  ctx.skip();
}

async function onDatabase<T>(database: string, fn: Parameters<typeof withAdapter<T>>[1]): Promise<T> {
  const { url, baseDir } = (await api()).config.resolve(database);
  return withAdapter(url, fn, baseDir);
}

/** Every row of a table (by name, any case) as column name to value. */
export function rowsOf(database: string, table: string): Promise<Array<Record<string, unknown>>> {
  return onDatabase(database, async (adapter) => {
    const def = (await adapter.introspect()).tables.find((t) => t.name.toLowerCase() === table.toLowerCase());
    assert.ok(def, `${database} has a table ${table}`);
    return adapter.read(async (reader) => {
      const out: Array<Record<string, unknown>> = [];
      for await (const batch of reader.rows(def.name, def.columns)) for (const row of batch) out.push(Object.fromEntries(def.columns.map((c, i) => [c.name, row[i]])));
      return out;
    });
  });
}

export function tableNames(database: string): Promise<string[]> {
  return onDatabase(database, async (adapter) => (await adapter.introspect()).tables.map((t) => t.name));
}

export function execute(database: string, sql: string): Promise<void> {
  return onDatabase(database, (adapter) => adapter.write((w) => w.execute(sql)));
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
