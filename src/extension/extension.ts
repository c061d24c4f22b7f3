import * as vscode from 'vscode';
import { DatabasesTree } from './databases-tree';
import { exportCommand } from './commands/export';
import { importCommand } from './commands/import';
import { copyCommand } from './commands/copy';
import { previewPlanCommand } from './commands/plan';
import { migrateUpCommand, runMigrationCommand } from './commands/migrate';
import { testConnectionCommand } from './commands/connection';
import { setPasswordCommand } from './commands/set-password';
import { createConfigCommand } from './commands/create-config';
import { startAdminApiCommand, stopAdminApiCommand } from './commands/admin-api';
import { AdminApi } from './admin-api';
import { ConflictUi } from './conflicts';
import { Jobs } from './jobs';
import { Log } from './log';
import { Secrets } from './secrets';
import type { Services } from './services';
import { WorkspaceConfig } from './workspace-config';
import { registerArchiveDocuments } from './archive-documents';
import { registerBackups } from './backups';
import type { BackupsTree } from './backups/backups-tree';
import { registerTasks } from './tasks';
import type { TasksTree } from './tasks/tasks-tree';

/** What activate() returns: the models behind the views, for tests and other extensions. */
export interface DbPorterApi {
  config: WorkspaceConfig;
  databases: DatabasesTree;
  jobs: Jobs;
  secrets: Secrets;
  conflicts: ConflictUi;
  services: Services;
  adminApi: AdminApi;
  backups: BackupsTree;
  tasks: TasksTree;
  /** The BACKUPS and TASKS views (tests reveal their items). */
  views: { backups: vscode.TreeView<unknown>; tasks: vscode.TreeView<unknown> };
}

export function activate(context: vscode.ExtensionContext): DbPorterApi {
  const log = new Log();
  const secrets = new Secrets(context.secrets);
  const config = new WorkspaceConfig(secrets);
  const jobs = new Jobs(log);
  const conflicts = new ConflictUi(log);
  const media = vscode.Uri.joinPath(context.extensionUri, 'media');
  const databases = new DatabasesTree(config, media);
  const services: Services = { config, log, jobs, databases, secrets, media, context, askConflicts: (database) => conflicts.resolverFor(database) };
  const adminApi = new AdminApi(context.secrets, config, log);

  context.subscriptions.push(
    log,
    secrets,
    config,
    jobs,
    conflicts,
    databases,
    adminApi,
    // A password stored (here or in another window) may make a database reachable.
    secrets.onDidChange(() => databases.refresh()),
    vscode.window.createTreeView('dbporter.databases', { treeDataProvider: databases, showCollapseAll: true }),
    vscode.commands.registerCommand('dbporter.refresh', () => {
      config.reload();
      databases.refresh();
    }),
    vscode.commands.registerCommand('dbporter.exportDatabase', (arg) => exportCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.importInto', (arg) => importCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.copyTo', (arg) => copyCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.previewPlan', (arg) => previewPlanCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.runMigration', (arg) => runMigrationCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.dryRunMigration', (arg) => runMigrationCommand(services, arg, true)),
    vscode.commands.registerCommand('dbporter.migrateUp', (arg) => migrateUpCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.testConnection', (arg) => testConnectionCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.setPassword', (arg) => setPasswordCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.createConfig', (arg) => createConfigCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.addDatabase', (arg) => createConfigCommand(services, arg)),
    vscode.commands.registerCommand('dbporter.startAdminApi', (args) => startAdminApiCommand(adminApi, config, log, args)),
    vscode.commands.registerCommand('dbporter.stopAdminApi', () => stopAdminApiCommand(adminApi)),
  );
  const backups = registerBackups(services);
  const tasks = registerTasks(services);
  registerArchiveDocuments(services);
  log.info(`DB Porter active; ${config.databaseNames.length} database(s) in ${config.file ?? 'no workspace'}`);
  return { config, databases, jobs, secrets, conflicts, services, adminApi, backups: backups.tree, tasks: tasks.tree, views: { backups: backups.view, tasks: tasks.view } };
}

export function deactivate(): void {}
