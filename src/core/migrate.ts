import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LoadedConfig, ResolvedDatabase } from './config';
import { withAdapter, type Adapter } from './engines';
import type { Table } from './schema/model';
import { DbPorterError, errorMessage, isDbPorterError } from './errors';
import { withBackupGuard, type GuardReport } from './guard';
import { maskUrl, parseUrl } from './url';
import { batchOf } from './batches';

/**
 * Schema migrations from a folder of scripts: SQL files run through the database's own adapter,
 * other scripts run as programs with DATABASE_URL set. Applied migrations are recorded in a table
 * dbporter_migrations in the target, with the file's checksum, so that an edited migration is
 * noticed rather than run again.
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

async function appliedRecords(adapter: Adapter): Promise<Map<string, { checksum: string; appliedAt: string }>> {
  const out = new Map<string, { checksum: string; appliedAt: string }>();
  // A SQLite file that does not exist yet has had nothing applied; the first migration creates it.
  const schema = await adapter.introspect().catch((err) => {
    if (isDbPorterError(err, 'FILE_NOT_FOUND')) return undefined;
    throw err;
  });
  if (!schema) return out;
  const table = schema.tables.find((t) => t.name === MIGRATIONS_TABLE);
  if (!table) return out;
  const columns = ['name', 'checksum', 'applied_at'].map((n) => table.columns.find((c) => c.name === n)!);
  await adapter.read(async (reader) => {
    for await (const batch of reader.rows(MIGRATIONS_TABLE, columns)) {
      for (const [name, checksum, appliedAt] of batch) out.set(String(name), { checksum: String(checksum), appliedAt: String(appliedAt) });
    }
  });
  return out;
}

export async function migrationStates(db: ResolvedDatabase, dir: string, includeArchived = false): Promise<MigrationState[]> {
  const migrations = findMigrations(dir, includeArchived);
  const applied = await withAdapter(db.url, appliedRecords, db.baseDir);
  return migrations.map((m) => {
    const record = applied.get(m.name) ?? applied.get(path.basename(m.name));
    if (!record) return { ...m, status: 'pending' };
    return { ...m, status: record.checksum === m.checksum ? 'applied' : 'changed', appliedAt: record.appliedAt };
  });
}

export interface RunOptions {
  dryRun?: boolean;
  /** Where script output goes (the command line passes its own stdout and stderr). */
  output?: 'inherit' | 'pipe';
  onOutput?: (text: string) => void;
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
  const state = (await migrationStates(db, dir, true)).find((s) => s.name === migration.name)!;
  if (state.status === 'applied') return { migration, outcome: 'already-applied', message: `${migration.name} was applied on ${state.appliedAt}; not run again.` };
  if (state.status === 'changed') {
    return {
      migration,
      outcome: 'changed-not-run',
      message: `${migration.name} was applied on ${state.appliedAt}, but the file changed since (checksum differs); it is not run again. Write a new migration for the new change.`,
    };
  }
  const target = maskUrl(db.url);
  if (options.dryRun) return { migration, outcome: 'dry-run', message: await dryRun(db, migration, target) };

  if (migration.kind === 'sql') {
    const sql = fs.readFileSync(migration.file, 'utf8');
    // The script and its record share one unit of writing: on SQLite and PostgreSQL both or neither.
    await withAdapter(db.url, (adapter) => adapter.write(async (w) => {
      await ensureRecordTable(w);
      await w.execute(sql);
      await record(w, migration);
    }), db.baseDir);
  } else {
    await runScript(migration, db, options);
    await withAdapter(db.url, (adapter) => adapter.write(async (w) => {
      await ensureRecordTable(w);
      await record(w, migration);
    }), db.baseDir);
  }
  return { migration, outcome: 'applied', message: `Applied ${migration.name} to ${target}.` };
}

type Writer = Parameters<Parameters<Adapter['write']>[0]>[0];

/** Created before the migration runs: on MySQL a CREATE TABLE would commit the migration's transaction. */
async function ensureRecordTable(w: Writer): Promise<void> {
  const schema = await w.introspect();
  if (!schema.tables.some((t) => t.name === MIGRATIONS_TABLE)) await w.createTables([RECORD_TABLE]);
}

async function record(w: Writer, migration: Migration): Promise<void> {
  const row = [migration.name, migration.checksum, new Date().toISOString().replace(/\.\d+Z$/, 'Z')];
  await w.writeRows(MIGRATIONS_TABLE, RECORD_TABLE.columns, batchOf([row]), { onConflict: 'error' });
}

const ROLLED_BACK = Symbol('dry run');

async function dryRun(db: ResolvedDatabase, migration: Migration, target: string): Promise<string> {
  const lines = [`Would run ${migration.file} (${migration.kind}) against ${target}.`];
  const { engine } = parseUrl(db.url, db.baseDir);
  if (migration.kind === 'sql' && engine !== 'mysql') {
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
  const states = await migrationStates(db, dir);
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
    const { result: run, report } = await withBackupGuard(db, () => runMigration(db, dir, state.name, options), {
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
