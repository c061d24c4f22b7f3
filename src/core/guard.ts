import { resolveDatabase, type ResolvedDatabase } from './config';
import { withAdapter } from './engines';
import { applyRetention, backupDatabase, restoreBackup, type BackupResult } from './backup';
import { errorMessage, isDbPorterError } from './errors';
import { countAllRows } from './tables';

/**
 * The backup guard: a maintenance job runs between a physical backup and a count of every table.
 * If the job fails, or a table it should not touch changed its row count, the backup goes back.
 */
export interface GuardOptions {
  /** Tables the job is meant to change; their counts may differ afterwards. "*" means every table. */
  ignoreTables?: string[];
  /** Put the backup back on a failure or an unexpected change (default). Off: report only. */
  autoRestoreOnMismatch?: boolean;
}

export interface TableChange {
  table: string;
  /** Row counts; undefined where the table did not exist. */
  before?: number;
  after?: number;
}

export interface GuardReport {
  /** The archive taken before the job. */
  backup: string;
  jobError?: string;
  /** Changed tables outside ignoreTables. */
  changes: TableChange[];
  /** Changed tables the job was allowed to change. */
  expectedChanges: TableChange[];
  restored: boolean;
  /** What happened, in a sentence or three, for a log or a terminal. */
  summary: string;
}

export async function tableCounts(db: ResolvedDatabase): Promise<Record<string, number>> {
  return withAdapter(
    db.url,
    (adapter) =>
      countAllRows(adapter).catch((err) => {
        // A SQLite job may have deleted the file: that is zero tables, not an error of the guard.
        if (isDbPorterError(err, 'FILE_NOT_FOUND')) return {};
        throw err;
      }),
    db.baseDir,
  );
}

function describe(change: TableChange): string {
  if (change.before === undefined) return `${change.table} appeared (${change.after} rows)`;
  if (change.after === undefined) return `${change.table} disappeared (had ${change.before} rows)`;
  const delta = change.after - change.before;
  return `${change.table} ${delta > 0 ? '+' : ''}${delta} rows (${change.before} → ${change.after})`;
}

export async function withBackupGuard<T>(
  database: string | ResolvedDatabase,
  /** Gets the backup taken before it (a migration names it while it runs). */
  job: (backup: BackupResult) => Promise<T>,
  options: GuardOptions = {},
): Promise<{ result?: T; report: GuardReport }> {
  const db = typeof database === 'string' ? resolveDatabase(database, undefined) : database;
  const autoRestore = options.autoRestoreOnMismatch ?? true;
  const ignore = new Set(options.ignoreTables ?? []);

  const backup = await backupDatabase(db, { reason: 'guard', allowMissing: true });
  applyRetention(db.backupDir, db.keepBackups);
  const before = await tableCounts(db);
  let result: T | undefined;
  let jobError: string | undefined;
  try {
    result = await job(backup);
  } catch (err) {
    jobError = errorMessage(err);
  }
  const after = await tableCounts(db);

  const changes: TableChange[] = [];
  const expectedChanges: TableChange[] = [];
  for (const table of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    if (before[table] === after[table]) continue;
    (ignore.has(table) || ignore.has('*') ? expectedChanges : changes).push({ table, before: before[table], after: after[table] });
  }

  const trouble = jobError !== undefined || changes.length > 0;
  let restored = false;
  if (trouble && autoRestore) {
    await restoreBackup(backup.file, db);
    restored = true;
  }

  const why = [
    ...(jobError !== undefined ? [`the job failed: ${jobError}`] : []),
    ...(changes.length ? [`unexpected changes: ${changes.map(describe).join('; ')}`] : []),
  ].join('; ');
  const summary = !trouble
    ? `The job finished and no table outside the ignored ones changed${expectedChanges.length ? ` (expected: ${expectedChanges.map(describe).join('; ')})` : ''}. Backup: ${backup.file}.`
    : restored
      ? `${why[0].toUpperCase()}${why.slice(1)}. The database was restored from ${backup.file}.`
      : `${why[0].toUpperCase()}${why.slice(1)}. Auto-restore is off, so the database keeps these changes; the recovery point is now whatever external backups exist (this guard's backup is ${backup.file}).`;

  return { result, report: { backup: backup.file, jobError, changes, expectedChanges, restored, summary } };
}
