import * as vscode from 'vscode';
import { DbPorterError, errorMessage } from '../../core/errors';
import { migrateUp, migrationStates, migrationsDirectory, runMigration, type RunResult, type UpResult } from '../../core/migrate';
import { DatabaseItem } from '../databases-tree';
import { MigrationItem, MigrationsItem } from '../migrations-node';
import type { Services } from '../services';
import { pickDatabase } from './prompts';

/**
 * Arguments of "DB Porter: Run Migration" / "Dry Run Migration" (dbporter.runMigration,
 * dbporter.dryRunMigration) for running them without prompts. From a migration in the DATABASES
 * view they take it; from the palette they ask for the database and the migration.
 */
export interface MigrationArgs {
  /** A database of dbporter.config.json (or a connection URL). */
  database?: string;
  /** The migration's file name in the migrations folder (archived ones: "archive/NAME"). */
  migration?: string;
  /** Say what would run, change nothing (dbporter.dryRunMigration sets it). */
  dryRun?: boolean;
}

/** Arguments of "DB Porter: Run Pending Migrations" (dbporter.migrateUp). */
export interface MigrateUpArgs {
  database?: string;
}

/**
 * Runs one migration, or dry-runs it, exactly as `dbporter migrate run NAME [--dry-run]`: SQL in
 * a transaction where the engine allows, scripts with DATABASE_URL set (their output goes to the
 * output channel), recorded in dbporter_migrations.
 */
export async function runMigrationCommand(services: Services, arg?: MigrationArgs | MigrationItem, dryRunDefault = false): Promise<RunResult | undefined> {
  const { config, log, jobs, databases } = services;
  const args: MigrationArgs = arg instanceof MigrationItem ? { database: arg.database, migration: arg.migration } : { ...arg };
  const dryRun = args.dryRun ?? dryRunDefault;

  const database = args.database ?? (await pickDatabase(config, dryRun ? 'Dry-run a migration of which database?' : 'Run a migration on which database?'));
  if (!database) return undefined;
  await config.ready();
  const dir = migrationsDirectory(config.config);
  const migration = args.migration ?? (await pickMigration(services, database, dir));
  if (!migration) return undefined;

  const result = await jobs.run(`${dryRun ? 'Dry run of' : 'Running'} migration ${migration} on ${database}`, async () =>
    runMigration(config.resolve(database), dir, migration, { dryRun, output: 'pipe', onOutput: (text) => log.info(`${migration}: ${text.trimEnd()}`), onNote: noteFor(services) }),
  );
  if (!result) return undefined;
  log.info(result.message);
  if (result.outcome === 'changed-not-run') void vscode.window.showWarningMessage(`DB Porter: ${result.message}`);
  else void vscode.window.showInformationMessage(`DB Porter: ${result.message.split('\n').slice(-1)[0]}`);
  if (dryRun) log.channel.show(true);
  if (result.outcome === 'applied') databases.refresh();
  return result;
}

/**
 * Runs every pending migration in order, each under the backup guard, exactly as
 * `dbporter migrate up`: a failing one is restored, not recorded, and stops the run.
 */
export async function migrateUpCommand(services: Services, arg?: MigrateUpArgs | MigrationsItem | DatabaseItem): Promise<UpResult | undefined> {
  const { config, log, jobs, databases } = services;
  const database = (arg instanceof MigrationsItem || arg instanceof DatabaseItem ? arg.database : arg?.database) ?? (await pickDatabase(config, 'Run the pending migrations of which database?'));
  if (!database) return undefined;
  await config.ready();
  const result = await jobs.run(`Running pending migrations on ${database}`, async () => {
    const up = await migrateUp(config.resolve(database), migrationsDirectory(config.config), { output: 'pipe', onOutput: (text) => log.info(text.trimEnd()), onNote: noteFor(services) });
    for (const r of up.applied) log.info(r.message);
    for (const r of up.skipped.filter((s) => s.outcome === 'changed-not-run')) log.info(`Skipped: ${r.message}`);
    if (up.failed) {
      databases.refresh();
      const restored = up.failed.guard?.restored ? ` The guard restored the database from ${up.failed.guard.backup}.` : '';
      throw new DbPorterError('WRITE_FAILED', `${up.failed.migration.name} failed: ${up.failed.error.replace(/\.$/, '')}.${restored} It is not recorded as applied; later migrations did not run.`);
    }
    return up;
  });
  if (!result) return undefined;
  const message = result.applied.length ? `Applied ${result.applied.map((r) => r.migration.name).join(', ')} to ${database}.` : `${database}: no pending migrations.`;
  log.info(message);
  void vscode.window.showInformationMessage(`DB Porter: ${message}`);
  databases.refresh();
  return result;
}

/** News of a migration killed half way (and undone): in the log, and in front of the user. */
function noteFor(services: Services): (message: string) => void {
  return (message) => {
    services.log.info(message);
    void vscode.window.showWarningMessage(`DB Porter: ${message}`);
  };
}

async function pickMigration(services: Services, database: string, dir: string): Promise<string | undefined> {
  let states;
  try {
    states = await migrationStates(services.config.resolve(database), dir, false, { onNote: noteFor(services) });
  } catch (err) {
    void vscode.window.showErrorMessage(`DB Porter: ${errorMessage(err)}`);
    return undefined;
  }
  if (!states.length) {
    void vscode.window.showInformationMessage(`DB Porter: no migrations in ${dir}.`);
    return undefined;
  }
  const items = states.map((s) => ({ label: s.name, description: s.status, detail: s.description || undefined }));
  // Pending ones first: they are the ones that run.
  items.sort((a, b) => Number(a.description !== 'pending') - Number(b.description !== 'pending'));
  return (await vscode.window.showQuickPick(items, { title: `Migrations of ${database}` }))?.label;
}
