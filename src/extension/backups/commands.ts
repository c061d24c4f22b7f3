import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { listBackups, resolveBackupFile, verifyBackup, type BackupResult, type RestoreResult } from '../../core/backup';
import type { Manifest } from '../../core/archive/manifest';
import { DbPorterError } from '../../core/errors';
import { maskUrl } from '../../core/url';
import { openArchiveCommand } from '../archive-documents';
import { confirmModal } from '../confirm';
import { DatabaseItem } from '../databases-tree';
import { backUp, restore } from '../operations';
import type { Services } from '../services';
import { BackupGroupItem, BackupItem } from './backups-tree';

/** After DB Porter wrote or removed archives or changed a database, the views show it at once. */
function refreshViews(databases: boolean): void {
  void vscode.commands.executeCommand('dbporter.refreshBackups');
  if (databases) void vscode.commands.executeCommand('dbporter.refresh');
}

/** What an operation reports goes to the output channel and a notification. */
function tell(log: Services['log']): (line: string) => void {
  return (line) => {
    log.info(line);
    void vscode.window.showInformationMessage(line);
  };
}

export interface BackupArgs {
  database?: string;
  /** The archive to write; by default a time-named one in the database's backup folder, with retention. */
  destination?: string;
}

/** DB Porter: Back Up Database — as `dbporter backup`, from the DATABASES or BACKUPS view or with arguments. */
export async function backupCommand({ config, jobs, log }: Services, arg?: BackupArgs | DatabaseItem | BackupGroupItem): Promise<(BackupResult & { removed: string[] }) | undefined> {
  const args: BackupArgs = arg instanceof DatabaseItem || arg instanceof BackupGroupItem ? { database: arg.database } : { ...arg };
  const database = args.database ?? (await pickDatabase(config.databaseNames, 'Back up which database?'));
  if (!database) return undefined;
  const result = await jobs.run(`Backing up ${database}`, (signal, onProgress) =>
    backUp(config.resolve(database), { destination: args.destination, signal, onProgress, say: tell(log) }),
  );
  refreshViews(false);
  return result;
}

export interface RestoreArgs {
  database?: string;
  /** The archive: a name in the database's backup folder, or a path. */
  backup?: string;
  /** The answer to the confirmation; asked in a modal dialog when absent. */
  confirm?: boolean;
}

/**
 * DB Porter: Restore… — from an archive in the BACKUPS view, or from a database (DATABASES or
 * BACKUPS view), then picking one of its archives. Asks first, as `dbporter restore` does; a
 * snapshot of the database is taken before anything changes.
 */
export async function restoreCommand({ config, jobs, log }: Services, arg?: RestoreArgs | BackupItem | DatabaseItem | BackupGroupItem): Promise<(RestoreResult & { snapshot: string }) | undefined> {
  const args: RestoreArgs =
    arg instanceof BackupItem
      ? { database: arg.database, backup: arg.file }
      : arg instanceof DatabaseItem || arg instanceof BackupGroupItem
        ? { database: arg.database }
        : { ...arg };
  const database = args.database ?? (await pickDatabase(config.databaseNames, 'Restore which database?'));
  if (!database) return undefined;
  const db = config.resolve(database);
  const file = args.backup ? resolveBackupFile(args.backup, db) : await pickBackup(db.backupDir, database);
  if (!file) return undefined;
  const question = `Replace all data of ${database} (${maskUrl(db.url)}) with the backup ${path.basename(file)}? A snapshot of ${database} is taken first.`;
  if (!(await confirmModal(question, 'Restore', args.confirm))) return undefined;
  const result = await jobs.run(`Restoring ${database}`, (signal, onProgress) =>
    restore(db, file, { signal, onProgress, say: tell(log) }),
  );
  refreshViews(true);
  return result;
}

/** DB Porter: Verify Backup — every entry against its checksum, as `dbporter backup verify`. */
export async function verifyCommand({ jobs }: Services, arg?: BackupItem | { file: string }): Promise<Manifest | undefined> {
  const file = arg?.file ?? (await pickZip('Verify which archive?'));
  if (!file) return undefined;
  const manifest = await jobs.run(`Verifying ${path.basename(file)}`, () => verifyBackup(file));
  if (manifest) {
    const entries = Object.keys(manifest.entries).length;
    const matched = entries === 1 ? 'its 1 entry matches its checksum' : `all ${entries} entries match their checksums`;
    void vscode.window.showInformationMessage(`${path.basename(file)}: ${matched} (${manifest.database.engine} database "${manifest.database.name}", ${manifest.createdAt}).`);
  }
  return manifest;
}

/** Open Manifest: the archive's manifest as a read-only document. */
export function openManifestCommand(services: Services, arg?: BackupItem | { file: string }): Promise<vscode.Uri | undefined> {
  return openArchiveCommand(services, arg ? { file: arg.file, part: 'manifest' } : undefined);
}

/** Reveal in File Explorer (the system's), or in VS Code's explorer where there is no system one (VS Code in a browser). */
export async function revealCommand(arg: BackupItem | { file: string }): Promise<void> {
  const uri = vscode.Uri.file(arg.file);
  try {
    await vscode.commands.executeCommand('revealFileInOS', uri);
  } catch {
    await vscode.commands.executeCommand('revealInExplorer', uri);
  }
}

/** Delete: removes the archive after a modal confirmation. Resolves true when it was deleted. */
export async function deleteCommand({ log }: Services, arg: BackupItem | { file: string; confirm?: boolean }): Promise<boolean> {
  const file = arg.file;
  if (!fs.existsSync(file)) throw new DbPorterError('FILE_NOT_FOUND', `No archive at ${file}; it was deleted already.`);
  const given = arg instanceof BackupItem ? undefined : arg.confirm;
  if (!(await confirmModal(`Delete the backup ${path.basename(file)}? It cannot be brought back.`, 'Delete', given))) return false;
  fs.rmSync(file);
  log.info(`Deleted the backup ${file}`);
  refreshViews(false);
  return true;
}

async function pickDatabase(names: string[], title: string): Promise<string | undefined> {
  if (!names.length) {
    void vscode.window.showWarningMessage('DB Porter: no databases in dbporter.config.json yet.');
    return undefined;
  }
  return names.length === 1 ? names[0] : vscode.window.showQuickPick(names, { title });
}

async function pickBackup(dir: string, database: string): Promise<string | undefined> {
  const backups = listBackups(dir);
  if (!backups.length) {
    void vscode.window.showWarningMessage(`DB Porter: ${database} has no backups in ${dir} yet. Back it up first.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    backups.map((b) => ({ label: b.name, description: `${(b.size / 1024 / 1024).toFixed(1)} MB, ${b.modified.toLocaleString()}`, file: b.file })),
    { title: `Restore ${database} from which backup?` },
  );
  return picked?.file;
}

async function pickZip(title: string): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({ title, filters: { 'Zip archive': ['zip'] }, canSelectMany: false });
  return picked?.[0]?.fsPath;
}
