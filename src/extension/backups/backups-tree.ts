import * as path from 'node:path';
import * as vscode from 'vscode';
import { listBackups, type BackupListing } from '../../core/backup';
import { DEFAULT_BACKUP_DIRECTORY, resolveDatabase } from '../../core/config';
import { archiveManifest } from '../../core/archive/preview';
import type { Manifest } from '../../core/archive/manifest';
import { errorMessage } from '../../core/errors';
import type { WorkspaceConfig } from '../workspace-config';

/** A configured database, holding its archives. */
export class BackupGroupItem extends vscode.TreeItem {
  constructor(
    readonly database: string,
    readonly backupDir: string,
    readonly backups: number,
  ) {
    super(database, backups ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    // A group that gets its first archive is a new item to VS Code, so it opens expanded.
    this.id = `backups:${database}:${backups ? 'some' : 'none'}`;
    this.contextValue = 'backupGroup';
    this.description = backups ? `${backups} ${backups === 1 ? 'archive' : 'archives'}` : 'no backups yet';
    this.tooltip = backupDir;
    this.iconPath = new vscode.ThemeIcon('database');
  }
}

const REASONS: Record<Manifest['reason'], string | undefined> = {
  backup: undefined,
  'snapshot-before-import': 'before import',
  'snapshot-before-restore': 'before restore',
  'snapshot-before-delete': 'before delete',
  'snapshot-before-migrate': 'before migration',
  guard: 'guard',
  export: 'zip export',
};

/** One archive: its time, size and row total from its manifest. */
export class BackupItem extends vscode.TreeItem {
  readonly file: string;
  readonly rows: number | undefined;

  constructor(
    readonly database: string,
    listing: BackupListing,
    readonly manifest: Manifest | undefined,
    problem?: string,
  ) {
    const created = manifest ? new Date(manifest.createdAt) : listing.modified;
    super(localTime(created), vscode.TreeItemCollapsibleState.None);
    this.file = listing.file;
    this.id = `backup:${listing.file}`;
    this.resourceUri = vscode.Uri.file(listing.file);
    this.contextValue = manifest ? 'backup' : 'backup.unreadable';
    this.rows = manifest ? Object.values(manifest.rowCounts).reduce((n, r) => n + r, 0) : undefined;
    const reason = manifest && REASONS[manifest.reason];
    this.description = [this.rows !== undefined ? `${this.rows.toLocaleString('en-US')} rows` : 'unreadable manifest', size(listing.size), reason].filter(Boolean).join(' · ');
    const tooltip = new vscode.MarkdownString().appendMarkdown(`**${listing.name}**\n\n`).appendText(listing.file);
    if (manifest) {
      const tables = Object.entries(manifest.rowCounts);
      tooltip.appendMarkdown(`\n\n${manifest.reason}, ${manifest.kind}, from \`${manifest.database.source}\` (${manifest.database.engine}), ${manifest.createdAt}\n\n`);
      tooltip.appendText(tables.slice(0, 20).map(([t, n]) => `${t}: ${n.toLocaleString('en-US')}`).join('\n') + (tables.length > 20 ? `\n… ${tables.length - 20} more tables` : ''));
    } else if (problem) {
      tooltip.appendText(`\n\n${problem}`);
    }
    this.tooltip = tooltip;
    this.iconPath = new vscode.ThemeIcon(manifest ? (reason ? 'history' : 'archive') : 'warning');
    this.command = { command: 'dbporter.openBackupManifest', title: 'Open Manifest', arguments: [this] };
  }
}

function localTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export type BackupsNode = BackupGroupItem | BackupItem;

/**
 * The BACKUPS view: per configured database, the archives in its backup folder (newest first),
 * from the same listing as `dbporter backup list`. It refreshes when the config changes, when
 * archives appear or go in the backup folder (see setVisible), and after DB Porter's own backups
 * and restores.
 */
export class BackupsTree implements vscode.TreeDataProvider<BackupsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<BackupsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private watcher: vscode.FileSystemWatcher | undefined;
  private watched: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  /** What the backup folders held when last looked at (names, sizes, times). */
  private seen = '';
  /** Manifests by file, kept while the file's size and time stay the same. */
  private readonly manifests = new Map<string, { stamp: string; manifest?: Manifest; problem?: string }>();

  constructor(private readonly config: WorkspaceConfig) {
    this.subscriptions.push(config.onDidChange(() => this.refresh()));
    this.watch();
  }

  /** The folder that holds every database's backup folder. */
  get root(): string | undefined {
    const loaded = this.config.config;
    const base = loaded?.dir ?? (this.config.file && path.dirname(this.config.file));
    return base ? path.resolve(base, loaded?.config.backupDirectory ?? DEFAULT_BACKUP_DIRECTORY) : undefined;
  }

  refresh(): void {
    this.watch();
    this.seen = this.listing();
    this.changed.fire(undefined);
  }

  /**
   * Follows the backup folder while the view is visible: a file watcher, and a look at the folders
   * every two seconds. The look is needed: VS Code's recursive watcher (parcel, on inotify) misses
   * changes in folders created after it started, and DB Porter creates a database's backup folder
   * with its first backup. A look costs a directory listing per database.
   */
  setVisible(visible: boolean): void {
    clearInterval(this.poll);
    this.poll = undefined;
    if (!visible) return;
    this.refresh();
    this.poll = setInterval(() => {
      if (this.listing() !== this.seen) this.refresh();
    }, 2000);
  }

  private listing(): string {
    return JSON.stringify(this.groups().map((g) => listBackups(g.backupDir).map((b) => [b.name, b.size, b.modified.getTime()])));
  }

  /** Watches the backup folder, whether or not it exists yet; a burst of changes refreshes once. */
  private watch(): void {
    const root = this.root;
    if (root === this.watched) return;
    this.watcher?.dispose();
    this.watched = root;
    if (!root) return;
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), '**/*.zip'));
    const later = () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.refresh(), 200);
    };
    this.watcher.onDidCreate(later);
    this.watcher.onDidChange(later);
    this.watcher.onDidDelete(later);
  }

  getTreeItem(node: BackupsNode): vscode.TreeItem {
    return node;
  }

  async getChildren(node?: BackupsNode): Promise<BackupsNode[]> {
    if (!node) return this.groups();
    if (!(node instanceof BackupGroupItem)) return [];
    return Promise.all(listBackups(node.backupDir).map((b) => this.item(node.database, b)));
  }

  getParent(node: BackupsNode): BackupsNode | undefined {
    if (node instanceof BackupGroupItem) return undefined;
    return this.groups().find((g) => g.database === node.database);
  }

  /** The groups, one per database of the config. */
  groups(): BackupGroupItem[] {
    const loaded = this.config.config;
    if (!loaded) return [];
    return loaded.config.databases.map((db) => {
      // The backup folder does not depend on the URL's secrets; any value stands in for them here.
      const dir = resolveDatabase(db.name, loaded, () => 'secret').backupDir;
      return new BackupGroupItem(db.name, dir, listBackups(dir).length);
    });
  }

  private async item(database: string, listing: BackupListing): Promise<BackupItem> {
    const stamp = `${listing.size}:${listing.modified.getTime()}`;
    let known = this.manifests.get(listing.file);
    if (known?.stamp !== stamp) {
      try {
        known = { stamp, manifest: await archiveManifest(listing.file) };
      } catch (err) {
        known = { stamp, problem: errorMessage(err) };
      }
      this.manifests.set(listing.file, known);
    }
    return new BackupItem(database, listing, known.manifest, known.problem);
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearInterval(this.poll);
    this.watcher?.dispose();
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}
