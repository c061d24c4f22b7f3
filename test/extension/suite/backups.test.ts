import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackupGroupItem, BackupItem, BackupsNode } from '../../../src/extension/backups/backups-tree';
import type { BackupResult, RestoreResult } from '../../../src/core/backup';
import type { Manifest } from '../../../src/core/archive/manifest';
import { api, execute, hasServer, rowsOf, waitFor, workspace } from './helpers';
import { screenshot } from './screenshots';

type BackedUp = BackupResult & { removed: string[] };
type Restored = RestoreResult & { snapshot: string };

async function group(database: string): Promise<BackupGroupItem> {
  const groups = (await (await api()).backups.getChildren()) as BackupGroupItem[];
  const found = groups.find((g) => g.database === database);
  assert.ok(found, `the BACKUPS tree has a group for ${database}: ${groups.map((g) => g.label).join(', ')}`);
  return found;
}

async function archivesOf(database: string): Promise<BackupItem[]> {
  return ((await (await api()).backups.getChildren(await group(database))) as BackupItem[]);
}

/** Artist 1's name (Chinook's SQLite and PostgreSQL spellings). */
async function artistName(database: string, id: number): Promise<unknown> {
  const row = (await rowsOf(database, 'artist')).find((r) => (r.ArtistId ?? r.artist_id) === id);
  return row?.Name ?? row?.name;
}

describe('BACKUPS', () => {
  let backup: BackedUp;

  it('backs up a database from a command with arguments; the tree shows it with its row total', async () => {
    backup = (await vscode.commands.executeCommand('dbporter.backupDatabase', { database: 'scratch' })) as BackedUp;
    assert.ok(fs.existsSync(backup.file), backup.file);
    assert.equal(path.dirname(backup.file), path.join(workspace(), '.dbporter/backups/scratch'));
    assert.equal(backup.manifest.kind, 'sqlite-file');

    const scratch = await group('scratch');
    assert.equal(scratch.description, '1 archive');
    const [item] = await archivesOf('scratch');
    assert.equal(item.file, backup.file);
    assert.equal(item.rows, 15607);
    assert.match(String(item.description), /^15,607 rows · [\d.]+ (KB|MB)$/);
    assert.equal(item.contextValue, 'backup');
    assert.match(String(item.label), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal((await group('chinook')).description, 'no backups yet');

    const { views } = await api();
    await vscode.commands.executeCommand('dbporter.backups.focus');
    await views.backups.reveal(item, { select: true, focus: false });
    await screenshot('backups');
  });

  it('verifies an archive, and names what is wrong with a damaged one', async () => {
    const manifest = (await vscode.commands.executeCommand('dbporter.verifyBackup', { file: backup.file })) as Manifest;
    assert.equal(manifest.rowCounts.Artist, 275);
    const damaged = path.join(workspace(), 'damaged.zip');
    const bytes = fs.readFileSync(backup.file);
    bytes[Math.floor(bytes.length / 3)] ^= 0xff; // inside the gzipped database entry
    fs.writeFileSync(damaged, bytes);
    try {
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('dbporter.verifyBackup', { file: damaged })), /damaged|does not match its checksum/);
    } finally {
      fs.rmSync(damaged);
    }
  });

  it('restores from a BACKUPS item, after the confirmation: a changed row is back', async () => {
    await execute('scratch', `UPDATE Artist SET Name = 'Changed' WHERE ArtistId = 1`);
    assert.equal(await artistName('scratch', 1), 'Changed');
    const [item] = await archivesOf('scratch');
    // The tree item's context menu passes the item; the test answers the modal dialog in the arguments.
    const declined = await vscode.commands.executeCommand('dbporter.restoreBackup', { database: item.database, backup: item.file, confirm: false });
    assert.equal(declined, undefined);
    assert.equal(await artistName('scratch', 1), 'Changed', 'declining changes nothing');
    assert.equal((await archivesOf('scratch')).length, 1, 'and takes no snapshot');

    const restored = (await vscode.commands.executeCommand('dbporter.restoreBackup', { database: item.database, backup: item.file, confirm: true })) as Restored;
    assert.equal(await artistName('scratch', 1), 'AC/DC');
    assert.equal(restored.rowCounts.Track, 3503);
    const archives = await archivesOf('scratch');
    const snapshot = archives.find((a) => a.file === restored.snapshot);
    assert.ok(snapshot, 'the snapshot taken before the restore shows in the tree');
    assert.match(String(snapshot.description), /· before restore$/);
  });

  it('refreshes when an archive appears in the backup folder, made by someone else', async () => {
    const { backups } = await api();
    await vscode.commands.executeCommand('dbporter.backups.focus');
    await new Promise((r) => setTimeout(r, 500));
    let fired = 0;
    const listener = backups.onDidChangeTreeData(() => fired++);
    const copy = path.join(path.dirname(backup.file), '2001_01_01_00_00_00.zip');
    try {
      fs.copyFileSync(backup.file, copy);
      await waitFor('the BACKUPS tree to refresh', () => fired > 0 || undefined);
      assert.ok((await archivesOf('scratch')).some((a) => a.file === copy));
    } finally {
      listener.dispose();
      fs.rmSync(copy, { force: true });
    }
  });

  it('deletes an archive only after the confirmation', async () => {
    const extra = (await vscode.commands.executeCommand('dbporter.backupDatabase', { database: 'scratch' })) as BackedUp;
    // Reveal in File Explorer (in a browser, where there is no system explorer: VS Code's own) does not fail.
    await vscode.commands.executeCommand('dbporter.revealBackup', { file: extra.file });
    assert.equal(await vscode.commands.executeCommand('dbporter.deleteBackup', { file: extra.file, confirm: false }), false);
    assert.ok(fs.existsSync(extra.file));
    assert.equal(await vscode.commands.executeCommand('dbporter.deleteBackup', { file: extra.file, confirm: true }), true);
    assert.ok(!fs.existsSync(extra.file));
    assert.ok(!(await archivesOf('scratch')).some((a) => a.file === extra.file));
  });

  it('backs up and restores a PostgreSQL database', async function () {
    await hasServer(this);
    const backedUp = (await vscode.commands.executeCommand('dbporter.backupDatabase', { database: 'server' })) as BackedUp;
    assert.equal(backedUp.manifest.kind, 'postgres-copy');
    assert.equal(Object.values(backedUp.manifest.rowCounts).reduce((n, r) => n + r, 0), 15607);
    await execute('server', `UPDATE artist SET name = 'Changed' WHERE artist_id = 1`);
    const [item] = await archivesOf('server');
    assert.equal(item.file, backedUp.file);
    await vscode.commands.executeCommand('dbporter.restoreBackup', { database: 'server', backup: item.file, confirm: true });
    assert.equal(await artistName('server', 1), 'AC/DC');
  });

  it('puts Back Up and Restore… on database items and the archive actions on archives, by viewItem', () => {
    const pkg = vscode.extensions.getExtension('dbporter.dbporter')!.packageJSON;
    const menus: Array<{ command: string; when: string; group?: string }> = pkg.contributes.menus['view/item/context'];
    const whereShown = (command: string) => menus.filter((m) => m.command === command).map((m) => m.when);
    for (const command of ['dbporter.backupDatabase', 'dbporter.restoreBackup']) {
      assert.ok(whereShown(command).includes('view == dbporter.databases && viewItem == database'), command);
    }
    for (const command of ['dbporter.restoreBackup', 'dbporter.openBackupManifest', 'dbporter.verifyBackup', 'dbporter.revealBackup', 'dbporter.deleteBackup']) {
      assert.ok(whereShown(command).some((w) => w.startsWith('view == dbporter.backups && viewItem') && /backup(?!Group)/.test(w)), command);
    }
    assert.deepEqual(pkg.contributes.views.dbporter.map((v: { id: string }) => v.id), ['dbporter.databases', 'dbporter.tasks', 'dbporter.backups']);
    assert.ok(!pkg.activationEvents.includes('*'));
  });

  after(async () => {
    // Only the first backup of "scratch" stays: the tests after these look at the tree afresh.
    const { backups } = await api();
    for (const node of (await backups.getChildren()) as BackupsNode[]) {
      for (const item of (await backups.getChildren(node)) as BackupItem[]) {
        if (item.file !== backup?.file) fs.rmSync(item.file, { force: true });
      }
    }
  });
});
