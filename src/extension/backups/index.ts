import * as vscode from 'vscode';
import type { Services } from '../services';
import { BackupsTree } from './backups-tree';
import { backupCommand, deleteCommand, openManifestCommand, restoreCommand, revealCommand, verifyCommand } from './commands';

/** The BACKUPS view and its commands (package.json ties them to the views' items). */
export function registerBackups(services: Services): { tree: BackupsTree; view: vscode.TreeView<unknown> } {
  const tree = new BackupsTree(services.config);
  const view = vscode.window.createTreeView('dbporter.backups', { treeDataProvider: tree, showCollapseAll: true });
  tree.setVisible(view.visible);
  services.context.subscriptions.push(
    tree,
    view,
    view.onDidChangeVisibility((e) => tree.setVisible(e.visible)),
    vscode.commands.registerCommand('dbporter.refreshBackups', () => tree.refresh()),
    vscode.commands.registerCommand('dbporter.backupDatabase', (arg) => backupCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.restoreBackup', (arg) => restoreCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.verifyBackup', (arg) => verifyCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.openBackupManifest', (arg) => openManifestCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.revealBackup', (arg) => revealCommand(arg)),
    vscode.commands.registerCommand('dbporter.deleteBackup', (arg) => deleteCommand(services, arg)),
  );
  return { tree, view: view as vscode.TreeView<unknown> };
}
