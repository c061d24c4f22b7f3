import * as vscode from 'vscode';
import type { TaskConfig } from '../../core/config';
import type { WorkspaceConfig } from '../workspace-config';
import { supportsDryRun } from './run-task';

const ICONS: Record<TaskConfig['type'], string> = {
  export: 'export',
  import: 'desktop-download',
  copy: 'copy',
  backup: 'archive',
  restore: 'history',
  migrate: 'arrow-circle-up',
};

/** A task of dbporter.config.json. `task.dryRun` items also offer Dry Run (see package.json). */
export class TaskItem extends vscode.TreeItem {
  constructor(readonly task: TaskConfig) {
    super(task.name, vscode.TreeItemCollapsibleState.None);
    this.id = `task:${task.name}`;
    this.contextValue = supportsDryRun(task) ? 'task.dryRun' : 'task';
    this.description = task.description ?? describe(task);
    const { name: _name, description: _description, ...options } = task;
    this.tooltip = new vscode.MarkdownString().appendText(`${task.name}: ${describe(task)}`).appendCodeblock(JSON.stringify(options, null, 2), 'json');
    this.iconPath = new vscode.ThemeIcon(ICONS[task.type]);
  }
}

/** "export chinook → exports/chinook.zip": what a task does, in a few words. */
function describe(task: TaskConfig): string {
  switch (task.type) {
    case 'export':
      return `export ${task.database} → ${task.destination}`;
    case 'import':
      return `import ${task.file} → ${task.database}${task.mode ? ` (${task.mode})` : ''}`;
    case 'copy':
      return `copy ${task.database} → ${task.target}`;
    case 'backup':
      return `back up ${task.database}`;
    case 'restore':
      return `restore ${task.database} from ${task.backup}`;
    case 'migrate':
      return task.migration ? `migrate ${task.database}: ${task.migration}` : `migrate ${task.database} up`;
  }
}

/** The TASKS view: the named jobs of dbporter.config.json, re-read when the file changes. */
export class TasksTree implements vscode.TreeDataProvider<TaskItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TaskItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly config: WorkspaceConfig) {
    this.subscription = config.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(item: TaskItem): vscode.TreeItem {
    return item;
  }

  getChildren(item?: TaskItem): TaskItem[] {
    if (item) return [];
    return (this.config.config?.config.tasks ?? []).map((t) => new TaskItem(t));
  }

  getParent(): undefined {
    return undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
