import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { DbPorterError } from './errors';
import { maskUrl, parseUrl } from './url';
import { STRATEGY_HELP, STRATEGY_PATTERN } from './merge/strategy';

/**
 * dbporter.config.json, read by the extension and the command line alike. It holds references to
 * secrets (`${env:NAME}`, and in VS Code `${secret:NAME}`), never secrets themselves.
 */
export const CONFIG_FILE = 'dbporter.config.json';

/** A fileColumns key: one table name and one column name, joined by the only dot. */
const FILE_COLUMN_KEY = /^[^.]+\.[^.]+$/;

const databaseSchema = z
  .object({
    name: z.string().min(1).describe('How commands and the DATABASES view name this database.'),
    url: z
      .string()
      .min(1)
      .describe(
        'Connection URL: sqlite:path/to/file.db, postgresql://user@host/db or mysql://user@host/db. Put passwords in ${env:NAME} references, or in VS Code in ${secret:NAME} references (DB Porter: Set Password stores them).',
      ),
    files: z.array(z.string()).optional().describe('Folders of files that belong to this database (included in backups and archives).'),
    onConflict: z
      .record(z.string(), z.string().regex(STRATEGY_PATTERN, STRATEGY_HELP))
      .optional()
      .describe(`How a merging import settles a collision, per table ("*" for all others): ${STRATEGY_HELP}.`),
    creationColumns: z
      .record(z.string(), z.string())
      .optional()
      .describe('Per table, the column holding when a row was created (--since, merging); by default one named created_at, creation_date, ...'),
    updateColumns: z
      .record(z.string(), z.string())
      .optional()
      .describe('Per table, the column holding when a row was last changed (merging keeps the latest); by default one named updated_at, modified_at, ...'),
    fileColumns: z
      .record(
        z.string().regex(FILE_COLUMN_KEY, { message: 'must be "table.column", like "task_runs.data_path"' }),
        z.string().min(1),
      )
      .optional()
      .describe(
        'Columns that hold paths of related files, as "table.column": root folder (relative to this file\'s folder). A path may name a file or a folder. Zip exports carry the files of the exported rows; imports put them under this root.',
      ),
  })
  .strict();

/** Merge, replace or append, as `import --mode` (see load.ts). */
const modeSchema = z.enum(['merge', 'replace', 'append']);

/** Which rows a partial export takes: the core's Selector (subset.ts), as the export flags build it. */
const selectorSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('root'),
      table: z.string().min(1),
      column: z.string().min(1).optional().describe('A unique column to pick rows by (--root-by); the primary key by default.'),
      values: z.array(z.union([z.string(), z.number()])).min(1).describe('Primary-key values (--id), or values of `column` (--value).'),
    })
    .strict(),
  z.object({ kind: z.literal('since'), since: z.string().min(1).describe('Rows created after this date (--since).') }).strict(),
  z.object({ kind: z.literal('label'), labels: z.array(z.string().min(1)).min(1).describe('Rows imported under these labels (--label).') }).strict(),
]);

const taskBase = {
  name: z.string().min(1).describe('How the TASKS view, Run Task and tasks.json ("task": NAME) name this job.'),
  database: z.string().min(1).describe('The database the job works on: a name from "databases", or a connection URL.'),
  description: z.string().optional().describe('Shown beside the task.'),
};

const PATHS_NOTE = 'Relative paths start at this file\'s folder.';

/** Named jobs (TASKS view, VS Code tasks): the command line's operations with their options. */
const taskSchema = z.discriminatedUnion('type', [
  z
    .object({
      ...taskBase,
      type: z.literal('export'),
      destination: z.string().min(1).describe(`The dump or zip archive to write (dbporter export DEST). ${PATHS_NOTE}`),
      format: z.enum(['json', 'ndjson', 'zip']).optional().describe("json, ndjson or zip; by default from the destination's extension."),
      tables: z.array(z.string().min(1)).min(1).optional().describe('Only these tables (--table).'),
      indent: z.number().int().min(0).max(10).optional().describe('Indent JSON by N spaces (--indent).'),
      select: selectorSchema.optional().describe('A partial export (--root/--id, --root-by/--value, --since, --label).'),
      randomizeLegacyIds: z.boolean().optional().describe('Replace integer keys below 1,000,000 by random ones (--randomize-legacy-ids).'),
    })
    .strict()
    .describe('dbporter export'),
  z
    .object({
      ...taskBase,
      type: z.literal('import'),
      file: z.string().min(1).describe(`The dump or zip archive to read (dbporter import SRC). ${PATHS_NOTE}`),
      format: z.enum(['json', 'ndjson', 'zip']).optional().describe("json, ndjson or zip; by default from the file's extension."),
      mode: modeSchema.optional().describe('merge (default), replace or append (--mode).'),
      onConflict: z
        .record(z.string(), z.string().regex(STRATEGY_PATTERN, STRATEGY_HELP))
        .optional()
        .describe(`Merge strategies per table ("*" for all others), over the database's own onConflict (--on-conflict): ${STRATEGY_HELP}.`),
      conflictResolver: z.string().min(1).optional().describe(`A resolver module (--conflict-resolver). ${PATHS_NOTE}`),
      labelName: z.string().min(1).optional().describe("The label the import ledger records the rows under (--label-name); default the file's base name."),
      keepImportMetadata: z.boolean().optional().describe('Also import the ledger rows the dump carries (--keep-import-metadata).'),
      trustDump: z.boolean().optional().describe("Run the SQL the dump carries: views, triggers, functions, CHECK and default expressions (--trust-dump). Without it they are reported as not carried."),
    })
    .strict()
    .describe('dbporter import (after a snapshot of the database); supports a dry run'),
  z
    .object({
      ...taskBase,
      type: z.literal('copy'),
      target: z.string().min(1).describe('The database to copy into (--to); "database" is the source (--from).'),
      tables: z.array(z.string().min(1)).min(1).optional().describe('Only these tables (--table).'),
      mode: modeSchema.optional().describe('merge (default), replace or append (--mode).'),
    })
    .strict()
    .describe('dbporter copy (after a snapshot of the target)'),
  z
    .object({
      ...taskBase,
      type: z.literal('backup'),
      destination: z.string().min(1).optional().describe(`The archive to write (--backup-file); by default a time-named one in the backup folder, with retention. ${PATHS_NOTE}`),
    })
    .strict()
    .describe('dbporter backup'),
  z
    .object({
      ...taskBase,
      type: z.literal('restore'),
      backup: z.string().min(1).describe(`The archive to put back (--backup-file): a name in the database's backup folder, or a path. ${PATHS_NOTE}`),
    })
    .strict()
    .describe('dbporter restore (asks first; a snapshot is taken)'),
  z
    .object({
      ...taskBase,
      type: z.literal('migrate'),
      migration: z.string().min(1).optional().describe('Run this one migration (migrate run NAME); without it every pending one (migrate up).'),
      guard: z.boolean().optional().describe('migrate up: run each migration under the backup guard (default true; --no-guard).'),
    })
    .strict()
    .describe('dbporter migrate run | up; supports a dry run'),
]);

/** The admin API's timeouts go up to a day: Node's timers overflow past 2^31 ms. */
const DAY_MS = 24 * 3600 * 1000;

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    databases: z.array(databaseSchema).default([]).describe('The databases DB Porter works with.'),
    backupDirectory: z.string().optional().describe('Where backups go; default .dbporter/backups.'),
    migrationsDirectory: z.string().optional().describe('Folder of migration scripts; default scripts/migrations.'),
    retention: z
      .object({ keep: z.number().int().positive().describe('Backups kept per database; older ones are deleted.') })
      .strict()
      .optional(),
    server: z
      .object({
        database: z.string().min(1).optional().describe('The database `dbporter serve` serves when no --database-url is given.'),
        apiKey: z
          .string()
          .regex(/^\$\{env:[^}]+\}$/, 'must be a reference such as ${env:DBPORTER_API_KEY}; the key itself never goes into this file')
          .optional()
          .describe('Where the admin API key comes from: ${env:NAME}. Without it, DBPORTER_API_KEY is used.'),
        maxBodyBytes: z.number().int().positive().optional().describe('Largest request body the admin API accepts, in bytes (default 100 MiB).'),
        maxJobs: z.number().int().positive().optional().describe('Exports, imports and refreshes the admin API runs at once; more are refused with 503 (default 8).'),
        headersTimeoutMs: z.number().int().positive().max(DAY_MS).optional().describe('Milliseconds a request\'s headers may take to arrive before the admin API answers 408 (default 30000).'),
        idleTimeoutMs: z
          .number()
          .int()
          .positive()
          .max(DAY_MS)
          .optional()
          .describe('Longest pause, in milliseconds, while the admin API waits on a client (the next bytes of a body, or reading the response) before cutting it off (default 60000). Not a limit on the total time.'),
      })
      .strict()
      .optional()
      .describe('The HTTP admin API (dbporter serve).'),
    tasks: z.array(taskSchema).optional().describe('Named jobs: the TASKS view runs them, and VS Code offers them as tasks (type "dbporter").'),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type DatabaseConfig = Config['databases'][number];
export type TaskConfig = NonNullable<Config['tasks']>[number];
export type TaskType = TaskConfig['type'];
/** The task types that can do a dry run (write nothing, report what would happen). */
export const DRY_RUN_TASK_TYPES: readonly TaskType[] = ['import', 'migrate'];

export interface LoadedConfig {
  config: Config;
  /** The config file's path; relative paths inside it start at its folder. */
  file: string;
  dir: string;
}

export function parseConfig(text: string, file: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DbPorterError('CONFIG_INVALID', `${file} is not valid JSON: ${(err as Error).message}.`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // A bad record key says only "Invalid key in record"; the key's own check says what is wrong.
    const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    throw new DbPorterError('CONFIG_INVALID', `${file}: ${issue.path.join('.') || '(top level)'}: ${message}.`);
  }
  const names = new Set<string>();
  for (const db of parsed.data.databases) {
    if (names.has(db.name)) throw new DbPorterError('CONFIG_INVALID', `${file}: two databases are named "${db.name}"; names must be unique.`);
    names.add(db.name);
  }
  const taskNames = new Set<string>();
  (parsed.data.tasks ?? []).forEach((task, i) => {
    if (taskNames.has(task.name)) throw new DbPorterError('CONFIG_INVALID', `${file}: two tasks are named "${task.name}"; names must be unique.`);
    taskNames.add(task.name);
    const refs: Array<[string, string]> = [['database', task.database]];
    if (task.type === 'copy') refs.push(['target', task.target]);
    for (const [key, value] of refs) {
      if (!names.has(value) && !looksLikeUrl(value)) {
        throw new DbPorterError(
          'CONFIG_INVALID',
          `${file}: tasks.${i}.${key}: "${value}" is neither a database in "databases" (${[...names].join(', ') || 'none yet'}) nor a connection URL.`,
        );
      }
    }
  });
  return parsed.data;
}

/** Reads the config file, or returns undefined when there is none (it is optional). */
export function loadConfig(file: string): LoadedConfig | undefined {
  if (!fs.existsSync(file)) return undefined;
  const abs = path.resolve(file);
  return { config: parseConfig(fs.readFileSync(abs, 'utf8'), abs), file: abs, dir: path.dirname(abs) };
}

/** Looks up a secret by name; the extension adds SecretStorage through this. */
export type SecretLookup = (kind: string, name: string) => string | undefined;

export const envLookup: SecretLookup = (kind, name) => (kind === 'env' ? process.env[name] : undefined);

/**
 * Replaces `${env:NAME}` references. A reference that is the whole value is used as it is; one
 * inside a URL is percent-encoded, so a password with "@" or "/" cannot break the URL.
 */
export function interpolate(value: string, where: string, lookup: SecretLookup = envLookup): string {
  const whole = /^\$\{(\w+):([^}]+)\}$/.exec(value);
  const resolve = (kind: string, name: string) => {
    const found = lookup(kind, name);
    if (found === undefined) {
      throw new DbPorterError(
        'ENV_MISSING',
        kind === 'env'
          ? `${where} refers to \${env:${name}}, but the environment variable ${name} is not set. Set it before running DB Porter.`
          : `${where} refers to \${${kind}:${name}}, which is not stored. Set it first (in VS Code: DB Porter: Set Password).`,
      );
    }
    return found;
  };
  if (whole) return resolve(whole[1], whole[2]);
  return value.replace(/\$\{(\w+):([^}]+)\}/g, (_m, kind: string, name: string) => encodeURIComponent(resolve(kind, name)));
}

const looksLikeUrl = (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s);

export const DEFAULT_BACKUP_DIRECTORY = '.dbporter/backups';

export interface ResolvedDatabase {
  url: string;
  /** Folder that anchors a relative sqlite: path (and the database's file folders). */
  baseDir: string;
  /** The config name, or one made from the URL (file or database name). */
  name: string;
  /** Folders of files that belong to the database, relative to baseDir. */
  fileRoots: string[];
  /** Columns holding paths of related files, each with its root folder (relative to baseDir). */
  fileColumns: FileColumn[];
  /** Where this database's backups go: <backupDirectory>/<name>. */
  backupDir: string;
  /** How many backups to keep (all when absent). */
  keepBackups?: number;
  /** The config entry, when the database was named rather than given as a URL. */
  entry?: DatabaseConfig;
}

/**
 * What `--database-url` (or DATABASE_URL) means: a URL, or the name of a database in the config.
 */
export function resolveDatabase(nameOrUrl: string | undefined, loaded: LoadedConfig | undefined, lookup: SecretLookup = envLookup): ResolvedDatabase {
  const given = nameOrUrl ?? lookup('env', 'DATABASE_URL');
  if (!given) {
    throw new DbPorterError(
      'BAD_ARGUMENT',
      `No database given. Pass --database-url URL (or the name of a database in ${CONFIG_FILE}), or set DATABASE_URL.`,
    );
  }
  const baseDir = loaded?.dir ?? process.cwd();
  const backups = (name: string) => ({
    backupDir: path.resolve(baseDir, loaded?.config.backupDirectory ?? DEFAULT_BACKUP_DIRECTORY, name),
    ...(loaded?.config.retention ? { keepBackups: loaded.config.retention.keep } : {}),
  });
  const entry = loaded?.config.databases.find((d) => d.name === given);
  if (entry) {
    const url = interpolate(entry.url, `Database "${entry.name}" in ${loaded!.file}`, lookup);
    return { url, baseDir, name: entry.name, fileRoots: entry.files ?? [], fileColumns: fileColumnsOf(entry), ...backups(safeName(entry.name)), entry };
  }
  if (looksLikeUrl(given)) {
    const url = interpolate(given, `The URL ${maskUrl(given)}`, lookup);
    const name = nameFromUrl(url, process.cwd());
    return { url, baseDir: process.cwd(), name, fileRoots: [], fileColumns: [], ...backups(name) };
  }
  const names = loaded?.config.databases.map((d) => d.name) ?? [];
  throw new DbPorterError(
    'UNKNOWN_DATABASE',
    names.length
      ? `"${given}" is neither a connection URL nor a database in ${loaded!.file}. Databases there: ${names.join(', ')}.`
      : `"${given}" is not a connection URL, and there is no ${CONFIG_FILE} naming databases. Use a URL like sqlite:app.db or postgresql://user@host/db.`,
  );
}

/** A column whose values are paths (of files or folders) below `root`, as fileColumns declares. */
export interface FileColumn {
  table: string;
  column: string;
  /** As configured, relative to the config file's folder. */
  root: string;
}

export function fileColumnsOf(entry: DatabaseConfig): FileColumn[] {
  return Object.entries(entry.fileColumns ?? {}).map(([key, root]) => {
    const [table, column] = key.split('.');
    return { table, column, root };
  });
}

/** "table.column", the way fileColumns and archive manifests name a file column. */
export function fileColumnKey(c: Pick<FileColumn, 'table' | 'column'>): string {
  return `${c.table}.${c.column}`;
}

/** A folder-safe name for a database given by URL: the file's or the database's name. */
function nameFromUrl(url: string, baseDir: string): string {
  const location = parseUrl(url, baseDir);
  return safeName(location.engine === 'sqlite' ? path.basename(location.file).replace(/\.[^.]+$/, '') : location.database);
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || 'database';
}

/** The JSON schema VS Code uses for completion and validation in dbporter.config.json. */
export function configJsonSchema(): object {
  return { title: 'DB Porter configuration', ...z.toJSONSchema(configSchema, { io: 'input', target: 'draft-7' }) };
}
