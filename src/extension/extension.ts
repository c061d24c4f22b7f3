import * as vscode from 'vscode';
import { DatabasesTree } from './databases-tree';
import { exportCommand } from './commands/export';
import { Jobs } from './jobs';
import { Log } from './log';
import type { Services } from './services';
import { WorkspaceConfig } from './workspace-config';
import { registerArchiveDocuments } from './archive-documents';
import { registerBackups } from './backups';
import type { BackupsTree } from './backups/backups-tree';
import { registerTasks } from './tasks';
import type { TasksTree } from './tasks/tasks-tree';
import { CONFIG_FILE } from '../core/config';

/** What activate() returns: the models behind the views, for tests and other extensions. */
export interface DbPorterApi {
  config: WorkspaceConfig;
  databases: DatabasesTree;
  jobs: Jobs;
  backups: BackupsTree;
  tasks: TasksTree;
  /** The BACKUPS and TASKS views (tests reveal their items). */
  views: { backups: vscode.TreeView<unknown>; tasks: vscode.TreeView<unknown> };
}

export function activate(context: vscode.ExtensionContext): DbPorterApi {
  const log = new Log();
  const config = new WorkspaceConfig();
  const jobs = new Jobs(log);
  const services: Services = { config, log, jobs, media: vscode.Uri.joinPath(context.extensionUri, 'media'), context };
  const databases = new DatabasesTree(config, services.media);

  context.subscriptions.push(
    log,
    config,
    jobs,
    databases,
    vscode.window.createTreeView('dbporter.databases', { treeDataProvider: databases, showCollapseAll: true }),
    vscode.commands.registerCommand('dbporter.refresh', () => {
      config.reload();
      databases.refresh();
    }),
    vscode.commands.registerCommand('dbporter.exportDatabase', (arg) => exportCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.createConfig', () => createConfig(config)),
  );
  const backups = registerBackups(services);
  const tasks = registerTasks(services);
  registerArchiveDocuments(services);
  log.info(`DB Porter active; ${config.databaseNames.length} database(s) in ${config.file ?? 'no workspace'}`);
  return { config, databases, jobs, backups: backups.tree, tasks: tasks.tree, views: { backups: backups.view, tasks: tasks.view } };
}

/** Writes a starter dbporter.config.json (when there is none) and opens it. */
async function createConfig(config: WorkspaceConfig): Promise<void> {
  const file = config.file;
  if (!file) {
    void vscode.window.showWarningMessage(`DB Porter: open a folder first; ${CONFIG_FILE} lives at its root.`);
    return;
  }
  const uri = vscode.Uri.file(file);
  try {
    await vscode.workspace.fs.stat(uri);
  } catch {
    const starter = {
      databases: [
        { name: 'local', url: 'sqlite:data/app.db' },
        { name: 'server', url: 'postgresql://app:${env:DB_PASSWORD}@localhost:5432/app' },
      ],
    };
    await vscode.workspace.fs.writeFile(uri, Buffer.from(JSON.stringify(starter, null, 2) + '\n'));
  }
  await vscode.window.showTextDocument(uri);
}

export function deactivate(): void {}
