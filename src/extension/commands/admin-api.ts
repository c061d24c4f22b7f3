import * as vscode from 'vscode';
import { DbPorterError, errorMessage } from '../../core/errors';
import { DEFAULT_PORT } from '../../server/settings';
import type { AdminApi, AdminApiInfo } from '../admin-api';
import type { Log } from '../log';
import type { WorkspaceConfig } from '../workspace-config';

/** Arguments for starting without prompts (keybindings, tasks, tests). */
export interface StartAdminApiArgs {
  database?: string;
  /** 8080 by default; 0 picks a free port. */
  port?: number;
}

/** DB Porter: Start Admin API — asks for the database when there are several, then shows the address and offers the key. */
export async function startAdminApiCommand(adminApi: AdminApi, config: WorkspaceConfig, log: Log, args: StartAdminApiArgs = {}): Promise<AdminApiInfo | undefined> {
  const names = config.databaseNames;
  if (!args.database && !names.length) {
    void vscode.window.showWarningMessage('DB Porter: no databases in dbporter.config.json yet. Add one for the admin API to serve.');
    return undefined;
  }
  const database = args.database ?? (names.length === 1 ? names[0] : await vscode.window.showQuickPick(names, { title: 'Serve which database over HTTP?' }));
  if (!database) return undefined;
  try {
    const info = await adminApi.start(database, args.port ?? DEFAULT_PORT);
    // Not awaited: the message waits for a click, the command does not.
    void vscode.window.showInformationMessage(`DB Porter admin API on ${info.url}, serving ${info.database}. Requests need the X-API-Key header.`, 'Copy API Key').then(async (choice) => {
      if (choice) await vscode.env.clipboard.writeText(await adminApi.apiKey());
    });
    return info;
  } catch (err) {
    log.error(`Admin API did not start: ${errorMessage(err)}`);
    void vscode.window.showErrorMessage(`DB Porter: ${errorMessage(err)}`);
    if (err instanceof DbPorterError) return undefined;
    throw err;
  }
}

/** DB Porter: Stop Admin API. */
export async function stopAdminApiCommand(adminApi: AdminApi): Promise<boolean> {
  const stopped = await adminApi.stop();
  void vscode.window.showInformationMessage(stopped ? 'DB Porter admin API stopped.' : 'DB Porter admin API is not running.');
  return stopped;
}
