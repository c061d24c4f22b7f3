import * as vscode from 'vscode';
import { withAdapter } from '../core/engines';
import { errorMessage } from '../core/errors';
import { ENGINE_LABELS, engineOf, maskUrl, type Engine } from '../core/url';
import type { WorkspaceConfig } from './workspace-config';

/** A configured database (top level of DATABASES). */
export class DatabaseItem extends vscode.TreeItem {
  constructor(
    readonly database: string,
    readonly engine: Engine | undefined,
    media: vscode.Uri,
    url: string,
  ) {
    super(database, vscode.TreeItemCollapsibleState.Collapsed);
    this.contextValue = 'database';
    this.description = engine ? ENGINE_LABELS[engine] : 'unknown engine';
    this.tooltip = maskUrl(url);
    this.iconPath = engine ? vscode.Uri.joinPath(media, `${engine}.svg`) : new vscode.ThemeIcon('database');
  }
}

export class TableItem extends vscode.TreeItem {
  constructor(
    readonly database: string,
    readonly table: string,
    readonly rows: number,
  ) {
    super(table, vscode.TreeItemCollapsibleState.None);
    this.contextValue = 'table';
    this.description = `${rows.toLocaleString('en-US')} rows`;
    this.iconPath = new vscode.ThemeIcon('table');
  }
}

/** Shown in place of children when a database cannot be reached; says why. */
export class ProblemItem extends vscode.TreeItem {
  constructor(readonly message: string) {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.contextValue = 'problem';
    this.tooltip = message;
    this.iconPath = new vscode.ThemeIcon('warning');
  }
}

export type DatabasesNode = DatabaseItem | TableItem | ProblemItem;

/**
 * The DATABASES view: the databases of dbporter.config.json and, under each, its tables with row
 * counts. Tables are read when a database is expanded, through the same core as the command line.
 */
export class DatabasesTree implements vscode.TreeDataProvider<DatabasesNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<DatabasesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly config: WorkspaceConfig,
    private readonly media: vscode.Uri,
  ) {
    this.subscription = config.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: DatabasesNode): vscode.TreeItem {
    return node;
  }

  async getChildren(node?: DatabasesNode): Promise<DatabasesNode[]> {
    if (!node) {
      if (this.config.error) return [new ProblemItem(this.config.error)];
      return (this.config.config?.config.databases ?? []).map((db) => {
        let engine: Engine | undefined;
        try {
          engine = engineOf(db.url);
        } catch {
          engine = undefined;
        }
        return new DatabaseItem(db.name, engine, this.media, db.url);
      });
    }
    if (!(node instanceof DatabaseItem)) return [];
    try {
      const { url, baseDir } = this.config.resolve(node.database);
      return await withAdapter(
        url,
        async (adapter) => {
          const schema = await adapter.introspect();
          return adapter.read(async (reader) => {
            const items: DatabasesNode[] = [];
            for (const table of schema.tables) items.push(new TableItem(node.database, table.name, await reader.countRows(table.name)));
            return items.length ? items : [new ProblemItem('No tables')];
          });
        },
        baseDir,
      );
    } catch (err) {
      return [new ProblemItem(errorMessage(err))];
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
