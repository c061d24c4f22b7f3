import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DbPorterApi } from '../../../src/extension/extension';
import type { DatabaseItem, TableItem, DatabasesNode } from '../../../src/extension/databases-tree';
import type { ExportOutcome } from '../../../src/extension/commands/export';
import type { AdminApiInfo } from '../../../src/extension/admin-api';

/**
 * Runs inside a real VS Code, against the workspace the launcher prepared: dbporter.config.json
 * naming a SQLite copy of Chinook ("chinook") and, when the launcher could create one, a
 * PostgreSQL database ("server", also Chinook).
 */
const workspace = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

async function api(): Promise<DbPorterApi> {
  const ext = vscode.extensions.getExtension<DbPorterApi>('dbporter.dbporter');
  assert.ok(ext, 'the extension is installed in the test host');
  return ext.activate();
}

describe('DB Porter in VS Code', () => {
  it('activates lazily, when its view opens', async () => {
    const ext = vscode.extensions.getExtension('dbporter.dbporter')!;
    assert.equal(ext.isActive, false, 'nothing activated it at start-up');
    await vscode.commands.executeCommand('dbporter.databases.focus');
    for (let i = 0; i < 50 && !ext.isActive; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(ext.isActive, true);
  });

  it('lists the configured databases with their engines in the DATABASES tree', async () => {
    const { databases } = await api();
    const config = JSON.parse(fs.readFileSync(path.join(workspace(), 'dbporter.config.json'), 'utf8'));
    const roots = (await databases.getChildren()) as DatabasesNode[];
    assert.deepEqual(
      roots.map((r) => r.label),
      config.databases.map((d: { name: string }) => d.name),
    );
    // The extension runs from its bundle, so its classes are not this file's: compare by shape.
    const chinook = roots.find((r) => r.label === 'chinook') as DatabaseItem;
    assert.equal(chinook.contextValue, 'database');
    assert.equal(chinook.description, 'SQLite');
    assert.match(String((chinook.iconPath as vscode.Uri).path), /media\/sqlite\.svg$/);
  });

  it('shows its migrations and each table with its row count under a database', async () => {
    const { databases } = await api();
    const roots = (await databases.getChildren()).filter((r) => r.label === 'chinook' || r.label === 'server');
    for (const root of roots) {
      const children = await databases.getChildren(root);
      assert.equal(children[0].contextValue, 'migrations', `${root.label}: the Migrations node comes first`);
      const tables = children.filter((c) => c.contextValue === 'table') as TableItem[];
      assert.equal(tables.length, 11, `${root.label}: ${tables.map((t) => t.label).join(', ')}`);
      const artist = tables.find((t) => /^artist$/i.test(String(t.label)));
      assert.equal(artist?.contextValue, 'table', `${root.label} lists the artist table`);
      assert.equal(artist!.description, '275 rows');
    }
  });

  it('shows why a database cannot be reached instead of its tables', async () => {
    const { config, databases } = await api();
    const file = path.join(workspace(), 'dbporter.config.json');
    const original = fs.readFileSync(file, 'utf8');
    try {
      const broken = JSON.parse(original);
      broken.databases.push({ name: 'gone', url: 'sqlite:does-not-exist.db' });
      fs.writeFileSync(file, JSON.stringify(broken));
      config.reload();
      const gone = (await databases.getChildren()).find((r) => r.label === 'gone')!;
      const children = await databases.getChildren(gone);
      // The problem, and the Migrations node: a first migration would create the file.
      assert.deepEqual(children.map((c) => c.contextValue), ['migrations', 'problem']);
      assert.match(String(children[1].label), /No SQLite database at .*does-not-exist\.db/);
    } finally {
      fs.writeFileSync(file, original);
      config.reload();
    }
  });

  it('"DB Porter: Export Database…" writes a dump and opens it in an editor', async () => {
    const destination = path.join(workspace(), 'exports', 'chinook.json');
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    const outcome = (await vscode.commands.executeCommand('dbporter.exportDatabase', { database: 'chinook', destination })) as ExportOutcome;
    assert.equal(outcome.rows, 15607);
    assert.equal(outcome.tables.length, 11);
    const dump = JSON.parse(fs.readFileSync(destination, 'utf8'));
    assert.equal(dump.metadata.format, 'dbporter-dump');
    assert.equal(dump.data.Artist.length, 275);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor is open');
    assert.equal(editor.document.uri.fsPath, destination);
  });

  it('exports one table from its context menu argument as NDJSON', async () => {
    const { databases } = await api();
    const root = (await databases.getChildren()).find((r) => r.label === 'chinook')!;
    const genre = ((await databases.getChildren(root)) as TableItem[]).find((t) => t.label === 'Genre')!;
    const destination = path.join(workspace(), 'exports', 'genre.ndjson');
    // The tree passes its item; the test adds the destination a save dialog would have asked for.
    const outcome = (await vscode.commands.executeCommand('dbporter.exportDatabase', { database: genre.database, tables: [genre.table], destination, open: false })) as ExportOutcome;
    assert.deepEqual(outcome.tables, [{ table: 'Genre', rows: 25 }]);
    const lines = fs.readFileSync(destination, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 1 + 25 + 1, 'header, 25 rows, trailer');
    assert.match(lines[lines.length - 1], /"trailer"/);
  });

  it('"DB Porter: Start Admin API" serves /health and authenticated exports on loopback; "Stop Admin API" ends it', async () => {
    const { adminApi } = await api();
    const info = (await vscode.commands.executeCommand('dbporter.startAdminApi', { database: 'chinook', port: 0 })) as AdminApiInfo;
    assert.ok(info, 'the command answers with where the server listens');
    try {
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(info.database, 'chinook');
      const health = await fetch(`${info.url}/health`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status: string }).status, 'ok');

      const exportRoute = `${info.url}/admin/migrations/export`;
      const refused = await fetch(exportRoute, { method: 'POST' });
      assert.equal(refused.status, 401, 'no key, no export');
      const key = await adminApi.apiKey();
      assert.ok(key.length >= 40, 'a generated key of 32 random bytes');
      assert.equal(await adminApi.apiKey(), key, 'kept in SecretStorage, not made anew');
      const exported = await fetch(exportRoute, { method: 'POST', headers: { 'X-API-Key': key, 'Content-Type': 'application/json' }, body: JSON.stringify({ tables: ['Genre'] }) });
      assert.equal(exported.status, 200);
      const dump = (await exported.json()) as { data: Record<string, unknown[]> };
      assert.deepEqual(Object.keys(dump.data), ['Genre']);
      assert.equal(dump.data.Genre.length, 25);
    } finally {
      assert.equal(await vscode.commands.executeCommand('dbporter.stopAdminApi'), true);
    }
    assert.equal(adminApi.running, undefined);
    await assert.rejects(fetch(`${info.url}/health`), 'nothing listens after the stop');
  });

  it('exports from PostgreSQL when the launcher provided a server database', async function () {
    const names = (await api()).config.databaseNames;
    if (!names.includes('server')) {
      if (process.env.CI) throw new Error('CI must give the extension tests a PostgreSQL database');
      this.skip();
    }
    const destination = path.join(workspace(), 'exports', 'server.ndjson');
    const outcome = (await vscode.commands.executeCommand('dbporter.exportDatabase', { database: 'server', destination, open: false })) as ExportOutcome;
    assert.equal(outcome.rows, 15607);
  });
});
