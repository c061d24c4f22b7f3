import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_FILE, loadConfig, resolveDatabase, type LoadedConfig, type ResolvedDatabase } from '../core/config';
import { errorMessage } from '../core/errors';
import { secretNamesIn, type Secrets } from './secrets';

/**
 * dbporter.config.json of the first workspace folder, re-read when it changes. The same file and
 * the same parser as the command line, so both see the same databases. With `secrets`, URLs may
 * also refer to `${secret:NAME}` in VS Code's SecretStorage (secrets.ts).
 */
export class WorkspaceConfig implements vscode.Disposable {
  private loaded: LoadedConfig | undefined;
  private problem: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly watcher: vscode.FileSystemWatcher | undefined;

  constructor(private readonly secrets?: Pick<Secrets, 'lookup' | 'load' | 'loaded'>) {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) {
      this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, CONFIG_FILE));
      const reload = () => this.reload();
      this.watcher.onDidCreate(reload);
      this.watcher.onDidChange(reload);
      this.watcher.onDidDelete(reload);
    }
    this.reload();
  }

  /** The config file's path in this workspace (whether or not it exists yet). */
  get file(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? path.join(folder.uri.fsPath, CONFIG_FILE) : undefined;
  }

  /** Re-reads the file (and the secrets it refers to) and tells the views. */
  reload(): void {
    this.loaded = undefined;
    this.problem = undefined;
    const file = this.file;
    try {
      if (file) this.loaded = loadConfig(file);
    } catch (err) {
      this.problem = errorMessage(err);
    }
    void this.secrets?.load(secretNamesIn(this.loaded));
    void vscode.commands.executeCommand('setContext', 'dbporter.hasConfig', Boolean(this.loaded));
    // Negative, so that the palette offers the commands before activation (unset = not missing).
    void vscode.commands.executeCommand('setContext', 'dbporter.configMissing', !this.loaded && !this.problem);
    this.changed.fire();
  }

  /** Settles once the secrets the config refers to are read (SecretStorage is asynchronous; resolve is not). */
  async ready(): Promise<void> {
    await this.secrets?.loaded;
  }

  get config(): LoadedConfig | undefined {
    return this.loaded;
  }

  /** Why the config could not be read, if it could not. */
  get error(): string | undefined {
    return this.problem;
  }

  get databaseNames(): string[] {
    return this.loaded?.config.databases.map((d) => d.name) ?? [];
  }

  resolve(name: string): ResolvedDatabase {
    return resolveDatabase(name, this.loaded, this.secrets?.lookup);
  }

  dispose(): void {
    this.watcher?.dispose();
    this.changed.dispose();
  }
}
