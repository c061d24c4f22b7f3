import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startAdminServer, type AdminServer } from '../server/server';
import type { Log } from './log';
import type { WorkspaceConfig } from './workspace-config';

/** Where the key lives in SecretStorage: never in settings or files. */
const KEY_SECRET = 'dbporter.adminApiKey';

export interface AdminApiInfo {
  url: string;
  port: number;
  database: string;
}

/**
 * The admin API run from VS Code: the same server as `dbporter serve`, on loopback only, with a
 * key generated once and kept in SecretStorage, and a status bar item while it runs.
 */
export class AdminApi implements vscode.Disposable {
  private server: AdminServer | undefined;
  private readonly status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly config: WorkspaceConfig,
    private readonly log: Log,
  ) {
    this.status.command = 'dbporter.stopAdminApi';
  }

  /** The key, made (32 random bytes) and stored the first time it is needed. */
  async apiKey(): Promise<string> {
    let key = await this.secrets.get(KEY_SECRET);
    if (!key) {
      key = randomBytes(32).toString('base64url');
      await this.secrets.store(KEY_SECRET, key);
    }
    return key;
  }

  get running(): AdminApiInfo | undefined {
    const server = this.server;
    return server && { url: server.url, port: server.port, database: server.databases.current.db.name };
  }

  async start(database: string, port: number): Promise<AdminApiInfo> {
    if (this.server) return this.running!;
    const file = this.config.file;
    if (!file) throw new Error('Open a folder first: the admin API serves a database of its dbporter.config.json.');
    this.server = await startAdminServer({
      host: '127.0.0.1',
      port,
      apiKey: await this.apiKey(),
      database,
      config: { dir: path.dirname(file) },
      log: (line) => this.log.info(`admin API: ${line}`),
    });
    const info = this.running!;
    this.status.text = `$(radio-tower) DB Porter API :${info.port}`;
    this.status.tooltip = `DB Porter admin API on ${info.url}, serving ${info.database}. Click to stop it.`;
    this.status.show();
    this.log.info(`admin API started on ${info.url}, serving ${info.database}`);
    return info;
  }

  /** Stops the server (running imports roll back); false when none was running. */
  async stop(): Promise<boolean> {
    const server = this.server;
    if (!server) return false;
    this.server = undefined;
    this.status.hide();
    await server.close();
    this.log.info('admin API stopped');
    return true;
  }

  dispose(): void {
    void this.stop();
    this.status.dispose();
  }
}
