import * as vscode from 'vscode';
import { DatabasesTree } from './databases-tree';
import { exportCommand } from './commands/export';
import { ConflictUi } from './conflicts';
import { Jobs } from './jobs';
import { startAdminApiCommand, stopAdminApiCommand } from './commands/admin-api';
import { AdminApi } from './admin-api';
import { Log } from './log';
import type { Services } from './services';
import { WorkspaceConfig } from './workspace-config';
import { CONFIG_FILE } from '../core/config';

/** What activate() returns: the models behind the views, for tests and other extensions. */
export interface DbPorterApi {
  config: WorkspaceConfig;
  databases: DatabasesTree;
  jobs: Jobs;
  conflicts: ConflictUi;
  services: Services;
  adminApi: AdminApi;
}

export function activate(context: vscode.ExtensionContext): DbPorterApi {
  const log = new Log();
  const config = new WorkspaceConfig();
  const jobs = new Jobs(log);
  const conflicts = new ConflictUi(log);
  const services: Services = {
    config,
    log,
    jobs,
    media: vscode.Uri.joinPath(context.extensionUri, 'media'),
    context,
    askConflicts: (database) => conflicts.resolverFor(database),
  };
  const databases = new DatabasesTree(config, services.media);
  const adminApi = new AdminApi(context.secrets, config, log);

  context.subscriptions.push(
    log,
    config,
    jobs,
    conflicts,
    databases,
    adminApi,
    vscode.window.createTreeView('dbporter.databases', { treeDataProvider: databases, showCollapseAll: true }),
    vscode.commands.registerCommand('dbporter.refresh', () => {
      config.reload();
      databases.refresh();
    }),
    vscode.commands.registerCommand('dbporter.exportDatabase', (arg) => exportCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.createConfig', () => createConfig(config)),
    vscode.commands.registerCommand('dbporter.startAdminApi', (args) => startAdminApiCommand(adminApi, config, log, args)),
    vscode.commands.registerCommand('dbporter.stopAdminApi', () => stopAdminApiCommand(adminApi)),
  );
  log.info(`DB Porter active; ${config.databaseNames.length} database(s) in ${config.file ?? 'no workspace'}`);
  return { config, databases, jobs, conflicts, services, adminApi };
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
