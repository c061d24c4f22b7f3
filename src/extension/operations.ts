import * as fs from 'node:fs';
import * as path from 'node:path';
import { importFile } from '../core/import-file';
import { applyRetention, backupDatabase, resolveBackupFile, restoreWithSnapshot, type BackupResult, type RestoreResult } from '../core/backup';
import type { LoadedConfig, ResolvedDatabase, TaskConfig } from '../core/config';
import { copyInto } from '../core/copy-into';
import { containerFromPath } from '../core/dump/format';
import { openAdapter } from '../core/engines';
import { DbPorterError } from '../core/errors';
import type { ExportOptions, ExportResult } from '../core/export';
import { exportFile } from '../core/export-file';
import type { ImportOptions } from '../core/import';
import type { LoadResult } from '../core/load';
import { loadResolver } from '../core/merge/resolver';
import { strategiesFrom } from '../core/merge/strategy';
import { migrateUp, migrationsDirectory, runMigration } from '../core/migrate';
import type { OperationOptions } from '../core/progress';
import type { Selector } from '../core/subset';
import type { SchemaNote } from '../core/schema/model';
import { reportText } from '../core/schema/report';

/**
 * The operations of the command line, run from VS Code (the TASKS view, VS Code tasks, the
 * BACKUPS view): each calls the same core functions as its `dbporter` command, in the same order
 * (snapshots before imports, copies and restores; retention after a backup), and reports in
 * lines what the command prints on stderr. Nothing here knows VS Code, so every front end in the
 * extension shares one implementation.
 */

export interface OperationContext extends OperationOptions {
  /** A line to show the person (snapshot taken, rows written, ...). */
  say: (line: string) => void;
}

type Task<T extends TaskConfig['type']> = Extract<TaskConfig, { type: T }>;

const count = (n: number) => n.toLocaleString('en-US');

/** A path of the config file, relative to its folder. */
const fromConfig = (loaded: LoadedConfig, p: string) => path.resolve(loaded.dir, p);

/** dbporter backup: one archive, then retention (unless a destination was given). */
export async function backUp(db: ResolvedDatabase, ctx: OperationContext & { destination?: string }): Promise<BackupResult & { removed: string[] }> {
  const result = await backupDatabase(db, { destination: ctx.destination, reason: 'backup', signal: ctx.signal, onProgress: ctx.onProgress });
  const rows = Object.values(result.manifest.rowCounts).reduce((n, r) => n + r, 0);
  const files = Object.keys(result.manifest.entries).filter((e) => e.startsWith('files/')).length;
  ctx.say(`Backed up ${db.name}: ${count(rows)} rows in ${Object.keys(result.manifest.rowCounts).length} tables${files ? `, ${files} files` : ''} to ${result.file}`);
  const removed = ctx.destination ? [] : applyRetention(db.backupDir, db.keepBackups);
  if (removed.length) ctx.say(`Retention (keep ${db.keepBackups}): removed ${removed.map((f) => path.basename(f)).join(', ')}`);
  return { ...result, removed };
}

/** dbporter restore: the archive verified, a snapshot of the database, then the restore. */
export async function restore(db: ResolvedDatabase, file: string, ctx: OperationContext): Promise<RestoreResult & { snapshot: string }> {
  const result = await restoreWithSnapshot(file, db, {
    signal: ctx.signal,
    onProgress: ctx.onProgress,
    onSnapshot: (f) => ctx.say(`Snapshot of ${db.name} before the restore: ${f}`),
    onNote: ctx.say,
  });
  const rows = Object.values(result.rowCounts).reduce((n, r) => n + r, 0);
  ctx.say(`Restored ${db.name} from ${file}: ${count(rows)} rows in ${Object.keys(result.rowCounts).length} tables${result.filesRestored ? `, ${result.filesRestored} files` : ''}.`);
  sayReport(ctx, result.notes);
  return result;
}

/** dbporter export DEST: a dump, or a zip archive of the dump and the rows' files. */
export async function exportTask(task: Task<'export'>, loaded: LoadedConfig, resolve: (name: string) => ResolvedDatabase, ctx: OperationContext): Promise<ExportResult & { file: string }> {
  const db = resolve(task.database);
  const file = fromConfig(loaded, task.destination);
  const format = task.format ?? containerFromPath(file);
  const select = selectorOf(task.select, db);
  const options: Omit<ExportOptions, 'format'> = { tables: task.tables, select, randomizeLegacyIds: task.randomizeLegacyIds, indent: task.indent, signal: ctx.signal, onProgress: ctx.onProgress };
  // A task names its file once; its folder (often one that is not in version control) is made for it.
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const adapter = await openAdapter(db.url, db.baseDir);
  try {
    const result = await exportFile(adapter, db, file, format, options);
    const written = result.files !== undefined ? `${file} (with ${count(result.files)} files)` : file;
    ctx.say(`Exported ${count(result.rows)} rows from ${result.tables.length} tables to ${written} in ${(result.durationMs / 1000).toFixed(1)} s.`);
    sayReport(ctx, result.notes);
    return { ...result, file };
  } finally {
    await adapter.close();
  }
}

function selectorOf(select: Task<'export'>['select'], db: ResolvedDatabase): Selector | undefined {
  if (!select) return undefined;
  if (select.kind === 'root') return { ...select, values: select.values.map(String) };
  if (select.kind === 'since') return { ...select, creationColumns: db.entry?.creationColumns };
  return select;
}

/** dbporter import SRC: a snapshot first (not for a dry run), then the dump or zip archive. */
export async function importTask(task: Task<'import'>, loaded: LoadedConfig, resolve: (name: string) => ResolvedDatabase, ctx: OperationContext & { dryRun?: boolean }): Promise<LoadResult> {
  const db = resolve(task.database);
  const file = fromConfig(loaded, task.file);
  if (!fs.existsSync(file)) throw new DbPorterError('FILE_NOT_FOUND', `No dump at ${file}. Check "file" of the task "${task.name}".`);
  const format = task.format ?? containerFromPath(file);
  const mode = task.mode ?? 'merge';
  if (mode !== 'merge' && (task.onConflict || task.conflictResolver)) {
    throw new DbPorterError('BAD_ARGUMENT', `The task "${task.name}": onConflict and conflictResolver settle collisions in merge mode; mode ${mode} does not merge.`);
  }
  const given = Object.entries(task.onConflict ?? {}).map(([table, strategy]) => (table === '*' ? strategy : `${table}=${strategy}`));
  const options: Omit<ImportOptions, 'format'> = {
    mode,
    merge: {
      strategies: strategiesFrom(db.entry?.onConflict, given),
      resolver: task.conflictResolver ? await loadResolver(task.conflictResolver, loaded.dir) : undefined,
      creationColumns: db.entry?.creationColumns,
      updateColumns: db.entry?.updateColumns,
    },
    dryRun: ctx.dryRun,
    ledger: { label: task.labelName ?? (path.basename(file).replace(/\.(ndjson|json|zip)$/i, '') || 'import'), sourceFile: path.basename(file) },
    keepImportMetadata: task.keepImportMetadata,
    trustDump: task.trustDump,
    signal: ctx.signal,
    onProgress: ctx.onProgress,
  };
  const result = await importFile(db, file, { ...options, format, onSnapshot: (f) => ctx.say(`Snapshot of ${db.name} before the import: ${f}`) });
  ctx.say(describeLoad(options.dryRun ? 'Dry run, nothing written: would import' : 'Imported', result));
  sayReport(ctx, result.notes);
  return result;
}

/** dbporter copy --from DATABASE --to TARGET, after a snapshot of the target. */
export async function copyTask(task: Task<'copy'>, resolve: (name: string) => ResolvedDatabase, ctx: OperationContext): Promise<LoadResult> {
  const from = resolve(task.database);
  const to = resolve(task.target);
  const source = await openAdapter(from.url, from.baseDir);
  try {
    const result = await copyInto(source, to, {
      tables: task.tables,
      mode: task.mode ?? 'merge',
      signal: ctx.signal,
      onProgress: ctx.onProgress,
      onSnapshot: (f) => ctx.say(`Snapshot of ${to.name} before the copy: ${f}`),
    });
    ctx.say(describeLoad('Copied', result));
    sayReport(ctx, result.notes);
    return result;
  } finally {
    await source.close();
  }
}

/** A restore task's archive: a name in the database's backup folder, or a path (relative to the config file). */
export function backupFileOf(task: Task<'restore'>, loaded: LoadedConfig, db: ResolvedDatabase): string {
  const isPath = task.backup.includes('/') || task.backup.includes(path.sep);
  return resolveBackupFile(isPath ? fromConfig(loaded, task.backup) : task.backup, db);
}

/** dbporter migrate run NAME [--dry-run] | up [--no-guard]. */
export async function migrateTask(task: Task<'migrate'>, loaded: LoadedConfig, resolve: (name: string) => ResolvedDatabase, ctx: OperationContext & { dryRun?: boolean }) {
  const db = resolve(task.database);
  const dir = migrationsDirectory(loaded);
  // Scripts' output comes back as text: the extension host has no terminal of its own.
  const run = { dryRun: ctx.dryRun, output: 'pipe' as const, onOutput: (text: string) => text.split(/\r?\n/).filter(Boolean).forEach(ctx.say), onNote: ctx.say };
  if (task.migration) {
    const result = await runMigration(db, dir, task.migration, run);
    ctx.say(result.message);
    if (result.outcome === 'changed-not-run') throw new DbPorterError('BAD_ARGUMENT', 'The migration was not run.');
    return { applied: result.outcome === 'applied' || result.outcome === 'dry-run' ? [result] : [], skipped: result.outcome === 'already-applied' ? [result] : [] };
  }
  // A dry run writes nothing, so it needs no guard (whose backup would be the only write).
  const result = await migrateUp(db, dir, { ...run, guard: !ctx.dryRun && task.guard !== false });
  for (const r of result.applied) ctx.say(r.message);
  for (const r of result.skipped.filter((s) => s.outcome === 'changed-not-run')) ctx.say(`Skipped: ${r.message}`);
  if (result.failed) {
    const restored = result.failed.guard?.restored ? ` The guard restored the database from ${result.failed.guard.backup}.` : '';
    throw new DbPorterError('WRITE_FAILED', `${result.failed.migration.name} failed: ${result.failed.error.replace(/\.$/, '')}.${restored} It is not recorded as applied; later migrations did not run.`);
  }
  if (!result.applied.length) ctx.say('Nothing to do: no pending migrations.');
  return result;
}

/** The schema report, every item, as `-v` prints it: what was adapted or not carried. */
function sayReport(ctx: OperationContext, notes: SchemaNote[]): void {
  const text = reportText(notes, true);
  if (text) text.split('\n').forEach((line) => ctx.say(line));
}

function describeLoad(verb: string, result: LoadResult): string {
  const skipped = result.rows - result.inserted - result.merged;
  const lines = [
    `${verb} ${count(result.inserted)} rows into ${result.tables.length} tables (${result.mode})${result.merged ? `, merged ${count(result.merged)} into existing rows` : ''}${
      skipped ? `, kept ${count(skipped)} existing rows on key collisions` : ''
    } in ${(result.durationMs / 1000).toFixed(1)} s.`,
  ];
  for (const t of result.tables) {
    lines.push(`  ${t.table}: ${count(t.inserted)} inserted${t.merged ? `, ${count(t.merged)} merged` : ''}${t.skipped ? `, ${count(t.skipped)} skipped` : ''}${t.created ? ' (table created)' : ''}`);
  }
  return lines.join('\n');
}
