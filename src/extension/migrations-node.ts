import * as path from 'node:path';
import * as vscode from 'vscode';
import { migrationStates, migrationsDirectory, type MigrationState, type MigrationStatus } from '../core/migrate';
import type { WorkspaceConfig } from './workspace-config';

/**
 * The "Migrations" node under each database of DATABASES: its children are the migrations of the
 * migrations folder with their state in that database (pending / applied / changed), read with the
 * same function as `dbporter migrate list`.
 */
export class MigrationsItem extends vscode.TreeItem {
  constructor(
    readonly database: string,
    readonly directory: string,
  ) {
    super('Migrations', vscode.TreeItemCollapsibleState.Collapsed);
    this.contextValue = 'migrations';
    this.iconPath = new vscode.ThemeIcon('versions');
    this.tooltip = directory;
  }
}

const ICONS: Record<MigrationStatus, vscode.ThemeIcon> = {
  pending: new vscode.ThemeIcon('circle-large-outline'),
  applied: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  changed: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
};

/** One migration file; contextValue "migration.pending" (runnable), "migration.applied" or "migration.changed". */
export class MigrationItem extends vscode.TreeItem {
  readonly migration: string;
  readonly status: MigrationStatus;

  constructor(
    readonly database: string,
    state: MigrationState,
  ) {
    super(state.name, vscode.TreeItemCollapsibleState.None);
    this.migration = state.name;
    this.status = state.status;
    this.contextValue = `migration.${state.status}`;
    this.description = state.description ? `${state.status} · ${state.description}` : state.status;
    this.iconPath = ICONS[state.status];
    const lines = [`${state.name}: ${state.status}${state.appliedAt ? ` (applied ${state.appliedAt})` : ''}`];
    if (state.description) lines.push(state.description);
    if (state.status === 'changed') lines.push('The file changed since it was applied; it is not run again. Write a new migration for the new change.');
    lines.push(state.file);
    this.tooltip = lines.join('\n');
    this.resourceUri = vscode.Uri.file(state.file);
    this.command = { command: 'vscode.open', title: 'Open Migration', arguments: [vscode.Uri.file(state.file)] };
  }
}

/** A leaf that only says something (no migrations, or why they cannot be listed). */
export class MigrationsNoteItem extends vscode.TreeItem {
  constructor(message: string, problem: boolean) {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.contextValue = problem ? 'problem' : 'note';
    this.tooltip = message;
    if (problem) this.iconPath = new vscode.ThemeIcon('warning');
  }
}

export type MigrationsNode = MigrationsItem | MigrationItem | MigrationsNoteItem;

export function migrationsItemFor(config: WorkspaceConfig, database: string): MigrationsItem {
  return new MigrationsItem(database, migrationsDirectory(config.config));
}

/** The children of a Migrations node. */
export async function migrationChildren(config: WorkspaceConfig, node: MigrationsItem): Promise<MigrationsNode[]> {
  // Listing first puts back the snapshot of a migration killed half way: the user hears of it.
  const states = await migrationStates(config.resolve(node.database), node.directory, false, { onNote: (m) => void vscode.window.showWarningMessage(`DB Porter: ${m}`) });
  if (!states.length) {
    const shown = config.config ? path.relative(config.config.dir, node.directory) || '.' : node.directory;
    return [new MigrationsNoteItem(`No migrations in ${shown}`, false)];
  }
  return states.map((s) => new MigrationItem(node.database, s));
}
