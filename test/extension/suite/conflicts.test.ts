import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DbPorterApi } from '../../../src/extension/extension';
import { withAdapter } from '../../../src/core/engines';
import { importDump, type ImportResult } from '../../../src/core/import';
import { KEEP_TARGET } from '../../../src/core/merge/strategy';
import { checksums, readTable } from '../../helpers/data';
import { dumpFile, incomingRows, targetRows } from '../../helpers/overlap';
import { screenshot } from './screenshots';

/**
 * Merge conflicts settled in the diff editor: the colliding rows of a real import into a SQLite
 * file open one by one; the test answers them the way a person would, through the commands the
 * editor title and CodeLens offer, and checks what the import then wrote.
 */
async function api(): Promise<DbPorterApi> {
  return vscode.extensions.getExtension<DbPorterApi>('dbporter.dbporter')!.activate();
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const diffTabs = () =>
  vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && (t.input as vscode.TabInputTextDiff).original.scheme === 'dbporter-conflict');

describe('merge conflicts in the diff editor', () => {
  let dir: string;
  let incoming: string;
  let target: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbporter-conflicts-test-'));
    incoming = await dumpFile(dir, 'incoming', incomingRows);
  });
  beforeEach(async () => {
    target = `sqlite:${path.join(dir, `target-${Date.now()}.db`)}`;
    const seed = await dumpFile(dir, 'target', targetRows);
    await withAdapter(target, (a) => importDump(a, fs.createReadStream(seed), { format: 'ndjson', mode: 'append' }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function startImport(conflicts: DbPorterApi['conflicts']): Promise<ImportResult> {
    return withAdapter(target, (a) =>
      importDump(a, fs.createReadStream(incoming), { format: 'ndjson', merge: { strategies: KEEP_TARGET, resolver: conflicts.resolverFor('scratch') } }),
    );
  }

  it('opens each colliding row as a diff and writes what the person chose', async () => {
    const { conflicts } = await api();
    const running = startImport(conflicts);

    // 1. Ann collides by primary key: current on the left, incoming on the right; accept incoming.
    const first = await until('the first conflict', () => conflicts.waiting[0]);
    assert.equal(first.table, 'authors');
    await until('its diff tab', () => diffTabs()[0]);
    assert.match(diffTabs()[0].label, /scratch · authors: current ↔ incoming/);
    const left = (diffTabs()[0].input as vscode.TabInputTextDiff).original;
    assert.equal(JSON.parse((await vscode.workspace.openTextDocument(left)).getText()).name, 'Ann');
    await until('the diff to be the active editor', () => vscode.window.activeTextEditor?.document.uri.toString() === first.right.toString());
    const shot = await screenshot('conflict-diff');
    if (shot) assert.ok(fs.statSync(shot).size > 10_000, 'a real picture of the conflict diff');
    assert.equal(await vscode.commands.executeCommand('dbporter.conflict.acceptIncoming'), true);

    // 2. Robert collides with Bob by email: edit the right side; bad JSON and a bad type are refused.
    const second = await until('the second conflict', () => conflicts.waiting.find((c) => c.id !== first.id));
    const document = await vscode.workspace.openTextDocument(second.right);
    const editTo = async (text: string) => {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(document.uri, new vscode.Range(0, 0, document.lineCount, 0), text);
      assert.ok(await vscode.workspace.applyEdit(edit));
    };
    const robert = JSON.parse(document.getText());
    assert.equal(robert.name, 'Robert');
    await editTo('{ "name": "Bob (Robert)", ');
    assert.equal(await vscode.commands.executeCommand('dbporter.conflict.acceptEdited', { id: second.id }), false, 'bad JSON is refused');
    await editTo(JSON.stringify({ ...robert, score: 'lots' }, null, 2));
    assert.equal(await vscode.commands.executeCommand('dbporter.conflict.acceptEdited', { id: second.id }), false, 'a text in an integer column is refused');
    assert.ok(conflicts.waiting.some((c) => c.id === second.id), 'the conflict still waits after a refused answer');
    await editTo(JSON.stringify({ ...robert, name: 'Bob (Robert)', score: 25 }, null, 2));
    assert.equal(await vscode.commands.executeCommand('dbporter.conflict.acceptEdited', { id: second.id }), true);

    // 3. Post 10 collides: keep the current row for it and every remaining post.
    const third = await until('the third conflict', () => conflicts.waiting.find((c) => c.table === 'posts'));
    assert.equal(await vscode.commands.executeCommand('dbporter.conflict.applyToRest', { id: third.id, choice: 'current' }), true);

    const result = await running;
    assert.equal(conflicts.waiting.length, 0);
    await until('the diff tabs to close', () => (diffTabs().length === 0 ? true : undefined));
    const authors = await readTable(target, 'authors');
    assert.deepEqual(
      authors.map((a) => [Number(a.id), a.name, Number(a.score)]),
      [
        [1, 'Ann B', 5],
        [2, 'Bob (Robert)', 25],
        [6, 'Cat', 7],
      ],
    );
    const posts = await readTable(target, 'posts');
    assert.equal(posts[0].title, 'Ann post', 'post 10 kept');
    assert.equal(Number(posts.find((p) => Number(p.id) === 20)!.author_id), 2, "Robert's post points at Bob's row");
    assert.equal(result.merged, 2);
  });

  it('closing a conflict diff without answering cancels the import and changes nothing', async () => {
    const { conflicts } = await api();
    const before = await checksums(target);
    const running = startImport(conflicts);
    await until('a conflict', () => conflicts.waiting[0]);
    const tab = await until('its diff tab', () => diffTabs()[0]);
    await vscode.window.tabGroups.close(tab);
    await assert.rejects(running, (err: Error & { code?: string }) => err.code === 'CANCELLED');
    assert.deepEqual(await checksums(target), before);
    assert.equal(conflicts.waiting.length, 0);
  });
});
