import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api } from './helpers';
import { screenshot } from './screenshots';

describe('the DB Porter views', () => {
  it('shows DATABASES, TASKS and BACKUPS in one container', async () => {
    const { views, databases } = await api();
    await vscode.commands.executeCommand('dbporter.backups.focus');
    await vscode.commands.executeCommand('dbporter.tasks.focus');
    assert.equal(views.backups.visible, true);
    assert.equal(views.tasks.visible, true);
    // DATABASES with its first database expanded (the keyboard's way: the tree has the focus).
    await vscode.commands.executeCommand('dbporter.databases.focus');
    await vscode.commands.executeCommand('list.focusFirst');
    await vscode.commands.executeCommand('list.expand');
    const first = (await databases.getChildren())[0];
    const children = await databases.getChildren(first);
    assert.equal(children.filter((c) => c.contextValue === 'table').length, 11, 'its Migrations node and 11 tables');
    await screenshot('databases', { settleMs: 1500 });
  });
});
