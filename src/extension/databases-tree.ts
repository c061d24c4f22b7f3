import * as vscode from 'vscode';
import { withAdapter } from '../core/engines';
import { errorMessage, isDbPorterError } from '../core/errors';
import { ENGINE_LABELS, engineOf, maskUrl, type Engine } from '../core/url';
import type { WorkspaceConfig } from './workspace-config';
import { migrationChildren, migrationsItemFor, MigrationsItem, type MigrationsNode } from './migrations-node';

/** What the last connection attempt to a database found (Test Connection, or expanding it). */
export interface ConnectionState {
  connected: boolean;
  /** Why it could not connect (the core's message, passwords masked), or what it found. */
  detail: string;
  at: Date;
}

/** A configured database (top level of DATABASES). */
export class DatabaseItem extends vscode.TreeItem {
  constructor(
    readonly database: string,
    readonly engine: Engine | undefined,
    media: vscode.Uri,
    url: string,
    readonly connection?: ConnectionState,
  ) {
    super(database, vscode.TreeItemCollapsibleState.Collapsed);
    this.contextValue = 'database';
    const label = engine ? ENGINE_LABELS[engine] : 'unknown engine';
    // The engine's icon stays; the connection state goes into the description and the tooltip.
    this.description = connection ? `${label} · ${connection.connected ? 'connected' : 'unreachable'}` : label;
    const at = connection?.at.toLocaleTimeString('en-GB');
    this.tooltip = connection
      ? `${maskUrl(url)}\n${connection.connected ? `Connected at ${at}` : `Unreachable at ${at}`}: ${connection.detail}`
      : maskUrl(url);
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

export type DatabasesNode = DatabaseItem | TableItem | ProblemItem | MigrationsNode;

/**
 * The DATABASES view: the databases of dbporter.config.json with their connection state and, under
 * each, its migrations and its tables with row counts. Tables and migrations are read when a node
 * is expanded, through the same core as the command line.
 */
export class DatabasesTree implements vscode.TreeDataProvider<DatabasesNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<DatabasesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private readonly connections = new Map<string, ConnectionState>();

  constructor(
    private readonly config: WorkspaceConfig,
    private readonly media: vscode.Uri,
  ) {
    this.subscription = config.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** Records what a connection attempt found; the database's item shows it. */
  setConnection(database: string, state: Omit<ConnectionState, 'at'>): void {
    const before = this.connections.get(database);
    this.connections.set(database, { ...state, at: new Date() });
    if (before?.connected !== state.connected || before.detail !== state.detail) this.refresh();
  }

  connection(database: string): ConnectionState | undefined {
    return this.connections.get(database);
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
        return new DatabaseItem(db.name, engine, this.media, db.url, this.connections.get(db.name));
      });
    }
    await this.config.ready();
    if (node instanceof MigrationsItem) {
      try {
        return await migrationChildren(this.config, node);
      } catch (err) {
        return [new ProblemItem(errorMessage(err))];
      }
    }
    if (!(node instanceof DatabaseItem)) return [];
    try {
      const { url, baseDir } = this.config.resolve(node.database);
      const tables = await withAdapter(
        url,
        async (adapter) => {
          const schema = await adapter.introspect();
          return adapter.read(async (reader) => {
            const items: DatabasesNode[] = [];
            for (const table of schema.tables) items.push(new TableItem(node.database, table.name, await reader.countRows(table.name)));
            return items;
          });
        },
        baseDir,
      );
      this.setConnection(node.database, { connected: true, detail: `${tables.length} tables` });
      return [migrationsItemFor(this.config, node.database), ...(tables.length ? tables : [new ProblemItem('No tables')])];
    } catch (err) {
      this.setConnection(node.database, { connected: false, detail: errorMessage(err) });
      const problem = new ProblemItem(errorMessage(err));
      // A SQLite file that does not exist yet: its first migration creates it.
      return isDbPorterError(err, 'FILE_NOT_FOUND') ? [migrationsItemFor(this.config, node.database), problem] : [problem];
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
