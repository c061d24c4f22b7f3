import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LoadedConfig, ResolvedDatabase } from './config';
import { withAdapter, type Adapter } from './engines';
import type { Table } from './schema/model';
import { DbPorterError, errorMessage, isDbPorterError } from './errors';
import { withBackupGuard, type GuardReport } from './guard';
import { restoreBackup, takeSnapshot } from './backup';
import { processIsRunning } from './atomic-file';
import { maskUrl } from './url';
import { batchOf } from './batches';
import { portableSchema } from './schema/adapt';

/**
 * Schema migrations from a folder of scripts: SQL files run through the database's own adapter,
 * other scripts run as programs with DATABASE_URL set. Applied migrations are recorded in a table
 * dbporter_migrations in the target, with the file's checksum, so that an edited migration is
 * noticed rather than run again.
 *
 * A SQL migration on SQLite or PostgreSQL runs in one transaction with its record: killed, it
 * leaves nothing. A migration that cannot be atomic (MySQL commits DDL on the spot; a script runs
 * outside DB Porter's transaction) runs after a snapshot, and while it runs a row of
 * dbporter_migration_running names it and the snapshot. Its record and the row's removal commit
 * together. A row found later means the run was killed half way: the next migrate command (list,
 * run, up) puts the snapshot back first, which also removes the row (its table came after the
 * snapshot), and says so.
 */

export const DEFAULT_MIGRATIONS_DIRECTORY = 'scripts/migrations';
export const MIGRATIONS_TABLE = 'dbporter_migrations';

const RECORD_TABLE: Table = {
  name: MIGRATIONS_TABLE,
  columns: [
    { name: 'name', type: 'text', length: 255, nullable: false },
    { name: 'checksum', type: 'text', length: 64, nullable: false },
    { name: 'applied_at', type: 'timestamptz', nullable: false },
  ],
  primaryKey: ['name'],
  uniques: [],
  foreignKeys: [],
  indexes: [],
};

export const RUNNING_TABLE = 'dbporter_migration_running';

const RUNNING_RECORD: Table = {
  name: RUNNING_TABLE,
  columns: [
    { name: 'name', type: 'text', length: 255, nullable: false },
    { name: 'snapshot', type: 'text', nullable: false },
    { name: 'started_at', type: 'timestamptz', nullable: false },
    // Who runs it: a row whose process still runs is a migration in progress, not an interrupted one.
    { name: 'host', type: 'text', length: 255, nullable: false },
    { name: 'pid', type: 'integer', nullable: false },
  ],
  primaryKey: ['name'],
  uniques: [],
  foreignKeys: [],
  indexes: [],
};

/** A row of dbporter_migration_running. */
interface RunningMigration {
  name: string;
  snapshot: string;
  startedAt: string;
  host: string;
  pid: number;
}

export type MigrationKind = 'sql' | 'node' | 'bash' | 'python' | 'shebang';

export interface Migration {
  /** The file name (archived ones: "archive/NAME"). */
  name: string;
  file: string;
  kind: MigrationKind | undefined;
  description: string;
  checksum: string;
  archived: boolean;
}

export type MigrationStatus = 'pending' | 'applied' | 'changed';

export interface MigrationState extends Migration {
  status: MigrationStatus;
  appliedAt?: string;
}

export function migrationsDirectory(loaded: LoadedConfig | undefined, override?: string): string {
  if (override) return path.resolve(override);
  return path.resolve(loaded?.dir ?? process.cwd(), loaded?.config.migrationsDirectory ?? DEFAULT_MIGRATIONS_DIRECTORY);
}

function kindOf(file: string, text: string): MigrationKind | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.sql') return 'sql';
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') return 'node';
  if (ext === '.sh') return 'bash';
  if (ext === '.py') return 'python';
  return text.startsWith('#!') ? 'shebang' : undefined;
}

/** The first comment line, whatever the language's comment mark; a shebang line is skipped. */
function descriptionOf(text: string): string {
  for (const raw of text.split('\n').slice(0, 20)) {
    const line = raw.trim();
    if (!line || line.startsWith('#!')) continue;
    const m = /^(?:--|\/\/|#|\/\*+)\s*(.*?)\s*(?:\*\/)?$/.exec(line);
    return m ? m[1] : '';
  }
  return '';
}

function readMigrations(dir: string, archived: boolean): Migration[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => {
      const file = path.join(dir, e.name);
      const bytes = fs.readFileSync(file);
      const text = bytes.toString('utf8');
      return {
        name: archived ? `archive/${e.name}` : e.name,
        file,
        kind: kindOf(file, text),
        description: descriptionOf(text),
        checksum: createHash('sha256').update(bytes).digest('hex'),
        archived,
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function findMigrations(dir: string, includeArchived = false): Migration[] {
  return [...readMigrations(dir, false), ...(includeArchived ? readMigrations(path.join(dir, 'archive'), true) : [])];
}

interface Records {
  applied: Map<string, { checksum: string; appliedAt: string }>;
  running: RunningMigration[];
  /** Whether the database's write() rolls back DDL (see Adapter.transactionalDdl). */
  transactionalDdl: boolean;
}

async function readRecords(adapter: Adapter): Promise<Records> {
  const out: Records = { applied: new Map(), running: [], transactionalDdl: adapter.transactionalDdl };
  // A SQLite file that does not exist yet has had nothing applied; the first migration creates it.
  const schema = await adapter.introspect().catch((err) => {
    if (isDbPorterError(err, 'FILE_NOT_FOUND')) return undefined;
    throw err;
  });
  if (!schema) return out;
  const columnsOf = (name: string, columns: string[]) => {
    const table = schema.tables.find((t) => t.name === name);
    return table && columns.map((n) => table.columns.find((c) => c.name === n)!);
  };
  const applied = columnsOf(MIGRATIONS_TABLE, ['name', 'checksum', 'applied_at']);
  const running = columnsOf(RUNNING_TABLE, RUNNING_RECORD.columns.map((c) => c.name));
  await adapter.read(async (reader) => {
    if (applied) {
      for await (const batch of reader.rows(MIGRATIONS_TABLE, applied)) {
        for (const [name, checksum, appliedAt] of batch) out.applied.set(String(name), { checksum: String(checksum), appliedAt: String(appliedAt) });
      }
    }
    if (running) {
      for await (const batch of reader.rows(RUNNING_TABLE, running)) {
        for (const [name, snapshot, startedAt, host, pid] of batch) {
          out.running.push({ name: String(name), snapshot: String(snapshot), startedAt: String(startedAt), host: String(host), pid: Number(pid) });
        }
      }
    }
  });
  return out;
}

export interface StatesOptions {
  /** Told what was found and done about a migration that did not finish. */
  onNote?: (message: string) => void;
}

export async function migrationStates(db: ResolvedDatabase, dir: string, includeArchived = false, options: StatesOptions = {}): Promise<MigrationState[]> {
  return (await statesOf(db, dir, includeArchived, { ...options, refuse: false })).states;
}

/**
 * The states of the migrations, after putting back the snapshot of one that was interrupted. One
 * still running (or that may be, on another machine) is reported through onNote, or refused when
 * `refuse` is set: nothing may run beside it.
 */
async function statesOf(
  db: ResolvedDatabase,
  dir: string,
  includeArchived: boolean,
  options: StatesOptions & { refuse: boolean; dryRun?: boolean },
): Promise<{ states: MigrationState[]; transactionalDdl: boolean }> {
  const migrations = findMigrations(dir, includeArchived);
  let records = await withAdapter(db.url, readRecords, db.baseDir);
  if (records.running.length) {
    for (const running of records.running) await recover(db, running, options);
    records = await withAdapter(db.url, readRecords, db.baseDir);
  }
  const states = migrations.map((m): MigrationState => {
    const record = records.applied.get(m.name) ?? records.applied.get(path.basename(m.name));
    if (!record) return { ...m, status: 'pending' };
    return { ...m, status: record.checksum === m.checksum ? 'applied' : 'changed', appliedAt: record.appliedAt };
  });
  return { states, transactionalDdl: records.transactionalDdl };
}

/** What to do about a row of dbporter_migration_running: its migration runs, or was killed half way. */
async function recover(db: ResolvedDatabase, running: RunningMigration, options: StatesOptions & { refuse: boolean; dryRun?: boolean }): Promise<void> {
  const { name, snapshot, startedAt, host, pid } = running;
  const undecided = (code: 'BUSY' | 'MIGRATION_INTERRUPTED', message: string) => {
    if (options.refuse) throw new DbPorterError(code, message);
    options.onNote?.(message);
  };
  if (host !== os.hostname()) {
    return undecided(
      'MIGRATION_INTERRUPTED',
      `Migration ${name} was started on ${host} by process ${pid} at ${startedAt} and has not finished; it may still be running there. If it is not, put the database back with dbporter restore --backup-file ${snapshot} (the snapshot taken before it, on ${host}), or check the database by hand and delete the row of ${RUNNING_TABLE}.`,
    );
  }
  if (processIsRunning(pid)) {
    // This very process runs it (VS Code refreshing its Migrations node meanwhile): nothing to tell.
    if (pid === process.pid && !options.refuse) return;
    return undecided('BUSY', `Migration ${name} is being applied now, by process ${pid} (started ${startedAt}). Wait for it to finish.`);
  }
  if (options.dryRun) {
    // A dry run changes nothing, this included.
    return options.onNote?.(`Migration ${name} was interrupted (started ${startedAt}; process ${pid} is gone); a run would first put the database back from the snapshot ${snapshot} taken before it.`);
  }
  if (!fs.existsSync(snapshot)) {
    return undecided(
      'MIGRATION_INTERRUPTED',
      `Migration ${name} was interrupted (started ${startedAt}; process ${pid} is gone), and the snapshot taken before it, ${snapshot}, is not there any more. Put back a backup from before ${startedAt} (dbporter restore), or check the database by hand and delete the row of ${RUNNING_TABLE}.`,
    );
  }
  try {
    await restoreBackup(snapshot, db);
  } catch (err) {
    throw new DbPorterError(
      'MIGRATION_INTERRUPTED',
      `Migration ${name} was interrupted (started ${startedAt}; process ${pid} is gone), and putting back the snapshot taken before it failed: ${errorMessage(err)} Restore it by hand: dbporter restore --backup-file ${snapshot}.`,
    );
  }
  options.onNote?.(`Migration ${name} was interrupted (started ${startedAt}; process ${pid} is gone); the database was put back from the snapshot ${snapshot} taken before it.`);
}

export interface RunOptions extends StatesOptions {
  dryRun?: boolean;
  /** Where script output goes (the command line passes its own stdout and stderr). */
  output?: 'inherit' | 'pipe';
  onOutput?: (text: string) => void;
  /**
   * An archive of the database taken just before (the backup guard's). A migration that cannot be
   * atomic names it while it runs; without one, it takes its own snapshot first and puts it back
   * if the migration fails.
   */
  snapshot?: string;
}

export interface RunResult {
  migration: Migration;
  /** What happened: ran, skipped (already applied), or a dry run. */
  outcome: 'applied' | 'already-applied' | 'changed-not-run' | 'dry-run';
  message: string;
}

function find(dir: string, name: string): Migration {
  const all = findMigrations(dir, true);
  // The file's name, or the name without its extension when only one file has it.
  const bare = (m: Migration) => m.name.replace(/\.[^./]+$/, '');
  const byBare = all.filter((m) => bare(m) === name || bare(m) === `archive/${name}`);
  const found = all.find((m) => m.name === name) ?? all.find((m) => m.name === `archive/${name}`) ?? (byBare.length === 1 ? byBare[0] : undefined);
  if (!found) {
    throw new DbPorterError('BAD_ARGUMENT', `No migration "${name}" in ${dir}. There: ${all.map((m) => m.name).join(', ') || '(none)'}.`);
  }
  return found;
}

/** Runs one migration (or reports what it would do, for a dry run). */
export async function runMigration(db: ResolvedDatabase, dir: string, name: string, options: RunOptions = {}): Promise<RunResult> {
  const migration = find(dir, name);
  if (!migration.kind) {
    throw new DbPorterError('UNSUPPORTED', `${migration.file} is neither SQL nor a script DB Porter knows how to run (.js, .mjs, .sh, .py, or a file starting with #!).`);
  }
  const { states, transactionalDdl } = await statesOf(db, dir, true, { ...options, refuse: !options.dryRun, dryRun: options.dryRun });
  const state = states.find((s) => s.name === migration.name)!;
  if (state.status === 'applied') return { migration, outcome: 'already-applied', message: `${migration.name} was applied on ${state.appliedAt}; not run again.` };
  if (state.status === 'changed') {
    return {
      migration,
      outcome: 'changed-not-run',
      message: `${migration.name} was applied on ${state.appliedAt}, but the file changed since (checksum differs); it is not run again. Write a new migration for the new change.`,
    };
  }
  const target = maskUrl(db.url);
  if (options.dryRun) return { migration, outcome: 'dry-run', message: await dryRun(db, migration, target, transactionalDdl) };

  const sql = migration.kind === 'sql' ? fs.readFileSync(migration.file, 'utf8') : undefined;
  if (sql !== undefined && transactionalDdl) {
    // The script and its record share one transaction: both or neither, also when killed.
    await withAdapter(db.url, (adapter) => adapter.write(async (w) => {
      await ensureRecordTable(w);
      await w.execute(sql);
      await record(w, migration);
    }), db.baseDir);
  } else {
    await runMarked(db, migration, sql, options);
  }
  return { migration, outcome: 'applied', message: `Applied ${migration.name} to ${target}.` };
}

/**
 * A migration that cannot be atomic: a snapshot, a row naming it in dbporter_migration_running,
 * the migration, then its record and the row's removal in one transaction.
 */
async function runMarked(db: ResolvedDatabase, migration: Migration, sql: string | undefined, options: RunOptions): Promise<void> {
  const own = options.snapshot === undefined;
  const snapshot = options.snapshot ?? (await takeSnapshot(db, 'snapshot-before-migrate')).file;
  try {
    await withAdapter(db.url, (adapter) => adapter.write(async (w) => {
      await ensureRecordTable(w, RUNNING_RECORD);
      const row = [migration.name, snapshot, now(), os.hostname(), process.pid];
      await w.writeRows(RUNNING_TABLE, RUNNING_RECORD.columns, batchOf([row]), { onConflict: 'error' });
    }), db.baseDir);
    if (sql !== undefined) await withAdapter(db.url, (adapter) => adapter.write((w) => w.execute(sql)), db.baseDir);
    else await runScript(migration, db, options);
    await withAdapter(db.url, async (adapter) => {
      await adapter.write(async (w) => {
        await record(w, migration);
        await w.deleteRows(RUNNING_TABLE, [RUNNING_RECORD.columns[0]], [[migration.name]]);
        if (adapter.transactionalDdl) await w.dropTables([RUNNING_TABLE]);
      });
      // MySQL: a DROP would have committed the record's transaction early, so it comes after. An
      // empty table left behind if it never happens means nothing; the next such migration reuses it.
      if (!adapter.transactionalDdl) await adapter.write((w) => w.dropTables([RUNNING_TABLE])).catch(() => undefined);
    }, db.baseDir);
  } catch (err) {
    // Under the guard, the guard puts its backup back; a snapshot of our own, we put back.
    if (!own) throw err;
    try {
      await restoreBackup(snapshot, db);
    } catch (again) {
      throw new DbPorterError('WRITE_FAILED', `${errorMessage(err)} Putting back the snapshot taken before it failed too (${errorMessage(again)}); restore it by hand: dbporter restore --backup-file ${snapshot}.`);
    }
    throw new DbPorterError(isDbPorterError(err) ? err.code : 'WRITE_FAILED', `${errorMessage(err)} The database was put back from the snapshot ${snapshot} taken before it.`, { cause: err });
  }
}

type Writer = Parameters<Parameters<Adapter['write']>[0]>[0];

/** Created before the migration runs: on MySQL a CREATE TABLE would commit the migration's transaction. */
async function ensureRecordTable(w: Writer, ...others: Table[]): Promise<void> {
  const schema = await w.introspect();
  const missing = [RECORD_TABLE, ...others].filter((table) => !schema.tables.some((t) => t.name === table.name));
  if (missing.length) await w.createSchema(portableSchema(schema.engine, missing));
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

async function record(w: Writer, migration: Migration): Promise<void> {
  await w.writeRows(MIGRATIONS_TABLE, RECORD_TABLE.columns, batchOf([[migration.name, migration.checksum, now()]]), { onConflict: 'error' });
}

const ROLLED_BACK = Symbol('dry run');

async function dryRun(db: ResolvedDatabase, migration: Migration, target: string, transactionalDdl: boolean): Promise<string> {
  const lines = [`Would run ${migration.file} (${migration.kind}) against ${target}.`];
  if (migration.kind === 'sql' && transactionalDdl) {
    // SQLite and PostgreSQL can run the script inside a transaction that is then rolled back.
    const sql = fs.readFileSync(migration.file, 'utf8');
    try {
      await withAdapter(db.url, (adapter) => adapter.write(async (w) => {
        await w.execute(sql);
        throw ROLLED_BACK;
      }), db.baseDir);
    } catch (err) {
      if (err !== ROLLED_BACK) {
        lines.push(`Trying it in a transaction that was rolled back, it failed: ${errorMessage(err)}`);
        return lines.join('\n');
      }
    }
    lines.push('Tried in a transaction that was rolled back: it ran without error. Nothing was changed.');
  } else {
    lines.push('Nothing was run or changed.');
  }
  return lines.join('\n');
}

/** The program for a script, by extension or by its #! line. */
function commandFor(migration: Migration): [string, string[]] {
  switch (migration.kind) {
    case 'node':
      // In VS Code, process.execPath is the editor itself; node on the PATH runs the script there.
      return [path.basename(process.execPath).startsWith('node') ? process.execPath : 'node', [migration.file]];
    case 'bash':
      return ['bash', [migration.file]];
    case 'python':
      return ['python3', [migration.file]];
    default: {
      const shebang = fs.readFileSync(migration.file, 'utf8').split('\n')[0].slice(2).trim().split(/\s+/);
      return [shebang[0], [...shebang.slice(1), migration.file]];
    }
  }
}

function runScript(migration: Migration, db: ResolvedDatabase, options: RunOptions): Promise<void> {
  const [command, args] = commandFor(migration);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: db.baseDir,
      env: { ...process.env, DATABASE_URL: db.url },
      stdio: options.output === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    child.stdout?.on('data', (d) => options.onOutput?.(String(d)));
    child.stderr?.on('data', (d) => options.onOutput?.(String(d)));
    child.on('error', (err) => reject(new DbPorterError('WRITE_FAILED', `Cannot run ${migration.name} with ${command}: ${err.message}.`)));
    child.on('close', (code, signal) =>
      code === 0 ? resolve() : reject(new DbPorterError('WRITE_FAILED', `${migration.name} failed (${signal ? `signal ${signal}` : `exit code ${code}`}).`)),
    );
  });
}

export interface UpResult {
  applied: RunResult[];
  skipped: RunResult[];
  failed?: { migration: Migration; error: string; guard?: GuardReport };
}

/**
 * Runs every pending migration in order. Each runs under the backup guard (unless `guard` is
 * false): a failing one is restored from the guard's backup, not recorded, and stops the run.
 */
export async function migrateUp(db: ResolvedDatabase, dir: string, options: RunOptions & { guard?: boolean } = {}): Promise<UpResult> {
  const { states } = await statesOf(db, dir, false, { ...options, refuse: !options.dryRun, dryRun: options.dryRun });
  const result: UpResult = { applied: [], skipped: [] };
  for (const state of states) {
    if (state.status !== 'pending') {
      result.skipped.push({
        migration: state,
        outcome: state.status === 'applied' ? 'already-applied' : 'changed-not-run',
        message: state.status === 'applied' ? `${state.name}: applied` : `${state.name}: changed since it was applied; not run again`,
      });
      continue;
    }
    if (options.guard === false) {
      try {
        result.applied.push(await runMigration(db, dir, state.name, options));
      } catch (err) {
        result.failed = { migration: state, error: errorMessage(err) };
        return result;
      }
      continue;
    }
    // Migrations are meant to change data, so the guard steps in on failure only.
    const { result: run, report } = await withBackupGuard(db, (backup) => runMigration(db, dir, state.name, { ...options, snapshot: backup.file }), {
      ignoreTables: ['*'],
      autoRestoreOnMismatch: true,
    });
    if (report.jobError !== undefined || !run) {
      result.failed = { migration: state, error: report.jobError ?? 'no result', guard: report };
      return result;
    }
    result.applied.push(run);
  }
  return result;
}
