import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackupResult } from '../../../src/core/backup';
import type { BackupItem } from '../../../src/extension/backups/backups-tree';
import type { TaskOutcome } from '../../../src/extension/tasks/run-task';
import { api, hasServer, workspace } from './helpers';
import { screenshot } from './screenshots';

/** Opens a part of an archive with the command and returns the editor's document, parsed. */
async function open(args: object): Promise<{ uri: vscode.Uri; json: any }> {
  const uri = (await vscode.commands.executeCommand('dbporter.openArchive', args)) as vscode.Uri;
  const editor = vscode.window.activeTextEditor;
  assert.ok(editor, 'an editor is open');
  assert.equal(editor.document.uri.toString(), uri.toString());
  assert.equal(editor.document.languageId, 'json');
  return { uri, json: JSON.parse(editor.document.getText()) };
}

describe('archives in editors', () => {
  let backup: string;

  before(async () => {
    const archives = path.join(workspace(), 'archives');
    fs.mkdirSync(archives, { recursive: true });
    backup = ((await vscode.commands.executeCommand('dbporter.backupDatabase', { database: 'chinook', destination: path.join(archives, 'chinook-backup.zip') })) as BackupResult).file;
  });
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('opens the manifest, the schema and the first rows of a table of a backup, read-only', async () => {
    const manifest = await open({ file: backup, part: 'manifest' });
    assert.equal(manifest.uri.scheme, 'dbporter');
    assert.equal(manifest.uri.path, `${vscode.Uri.file(backup).path}/manifest.json`);
    assert.equal(manifest.json.reason, 'backup');
    assert.equal(manifest.json.rowCounts.Track, 3503);
    assert.equal(manifest.json.database.name, 'chinook');

    const schema = await open({ file: backup, part: 'schema' });
    assert.equal(schema.json.tables.length, 11);
    assert.deepEqual(schema.json.tables.find((t: { name: string }) => t.name === 'Genre').columns.map((c: { name: string }) => c.name), ['GenreId', 'Name']);

    const tracks = await open({ file: backup, part: 'table', table: 'Track' });
    assert.equal(tracks.json.rowsInArchive, 3503);
    assert.equal(tracks.json.rowsShown, 100);
    assert.equal(tracks.json.rows.length, 100);
    assert.equal(tracks.json.rows[0].Name, 'For Those About To Rock (We Salute You)');
    assert.equal(tracks.json.rows[99].TrackId, 100);

    // A read-only file system: VS Code refuses to write there, and so does the provider.
    assert.equal(vscode.workspace.fs.isWritableFileSystem('dbporter'), false);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(tracks.uri, Buffer.from('{}'))), /NoPermissions|read-?only|permission/i);
    const listed = await vscode.workspace.fs.readDirectory(vscode.Uri.from({ scheme: 'dbporter', path: `${vscode.Uri.file(backup).path}/rows` }));
    assert.equal(listed.length, 11);
    assert.ok(listed.some(([name]) => name === 'Track.json'));
    await screenshot('archive-preview');
  });

  it('opens a zip export (from an export task) the same way', async () => {
    const outcome = (await vscode.commands.executeCommand('dbporter.runTask', { task: 'export-chinook-zip' })) as TaskOutcome;
    const zip = path.join(workspace(), 'exports/chinook.zip');
    assert.match(outcome.lines.join('\n'), /Exported 15,607 rows from 11 tables to .*chinook\.zip \(with 0 files\)/);
    const manifest = await open({ file: zip, part: 'manifest' });
    assert.equal(manifest.json.reason, 'export');
    assert.equal(manifest.json.kind, 'dump');
    const artists = await open({ file: zip, part: 'table', table: 'Artist', rows: 3 });
    assert.deepEqual(artists.json.rows, [
      { ArtistId: 1, Name: 'AC/DC' },
      { ArtistId: 2, Name: 'Accept' },
      { ArtistId: 3, Name: 'Aerosmith' },
    ]);
    assert.equal(artists.json.rowsInArchive, 275);
    const schema = await open({ file: zip, part: 'schema' });
    assert.equal(schema.json.engine, 'sqlite');
    assert.equal(schema.json.tables.length, 11);
  });

  it('opens a PostgreSQL backup (rows in COPY text) the same way', async function () {
    await hasServer(this);
    const made = (await vscode.commands.executeCommand('dbporter.backupDatabase', { database: 'server', destination: path.join(workspace(), 'archives', 'server-backup.zip') })) as BackupResult;
    try {
      assert.equal((await open({ file: made.file, part: 'manifest' })).json.kind, 'postgres-copy');
      const schema = await open({ file: made.file, part: 'schema' });
      assert.equal(schema.json.engine, 'postgres');
      assert.equal(schema.json.tables.length, 11);
      const tracks = await open({ file: made.file, part: 'table', table: 'track', rows: 2 });
      assert.equal(tracks.json.rowsInArchive, 3503);
      assert.deepEqual(tracks.json.rows.map((r: { name: string; unit_price: string }) => [r.name, r.unit_price]), [
        ['For Those About To Rock (We Salute You)', '0.99'],
        ['Balls to the Wall', '0.99'],
      ]);
    } finally {
      fs.rmSync(made.file);
    }
  });

  it('"Open Manifest" on a BACKUPS item opens its manifest; the explorer offers Open Archive on .zip files', async () => {
    const { backups } = await api();
    const made = (await vscode.commands.executeCommand('dbporter.backupDatabase', { database: 'chinook' })) as BackupResult;
    try {
      const group = (await backups.getChildren()).find((g) => g.label === 'chinook')!;
      const item = ((await backups.getChildren(group)) as BackupItem[]).find((i) => i.file === made.file)!;
      assert.equal(item.command?.command, 'dbporter.openBackupManifest', 'a click opens the manifest too');
      const uri = (await vscode.commands.executeCommand('dbporter.openBackupManifest', item)) as vscode.Uri;
      assert.equal(uri.path, `${vscode.Uri.file(made.file).path}/manifest.json`);
      assert.equal(JSON.parse(vscode.window.activeTextEditor!.document.getText()).createdAt, made.manifest.createdAt);
    } finally {
      fs.rmSync(made.file);
    }
    const pkg = vscode.extensions.getExtension('dbporter.dbporter')!.packageJSON;
    assert.deepEqual(pkg.contributes.menus['explorer/context'].find((m: { command: string }) => m.command === 'dbporter.openArchive').when, 'resourceExtname == .zip');
  });
});
