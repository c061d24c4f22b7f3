import * as path from 'node:path';
import type { ImportOptions } from '../../core/import';
import type { ArchiveImportResult } from '../../core/import-archive';
import { importFile, planImportFile } from '../../core/import-file';
import { planText } from '../../core/plan';
import { loadResolver } from '../../core/merge/resolver';
import { STRATEGY_HELP, strategiesFrom } from '../../core/merge/strategy';
import { containerFromPath, type DumpFormat } from '../../core/dump/format';
import { DbPorterError } from '../../core/errors';
import { loadModeFrom, type LoadMode } from '../../core/load';
import { dryRunReport, loadSummary as summary } from '../../core/report';
import { resolveDatabase } from '../../core/config';
import { configFrom, parse, reporter, type CliContext } from '../context';
import { checkFormat } from './export';
import { logReport } from '../io';

export const usage = `Usage: dbporter import [SRC|-] --database-url URL [--format json|ndjson|zip] [--mode merge|replace|append] [-v]
       dbporter import SRC --on-conflict [TABLE=]STRATEGY... | --conflict-resolver MODULE  [--dry-run]

Reads a dump from SRC (or standard input for "-") into the database, creating missing tables.
All or nothing: on any error or Ctrl-C the database is left as it was. A snapshot (a full backup)
of the database is taken first, in its backup folder, and named on stderr.
A zip archive (from dbporter export out.zip) also carries the files of its rows: they go under
the folders the database's fileColumns in dbporter.config.json name, once the rows are in.
  --mode merge         insert new rows, merge rows that collide with existing ones on a primary
                       or unique key (default); keep files that are already there
  --mode replace       empty the dump's tables first, overwrite files (alias: --truncate)
  --mode append        insert, and fail on a key collision or an existing file (alias: --no-truncate)
  --format F           json (default, or from SRC's extension), ndjson or zip
  -v, --verbose        say more, per table
Merging (a collision keeps the target's primary key, the earliest creation and latest update time;
rows that referenced a merged row are re-pointed to the row it merged into):
  --on-conflict S      ${STRATEGY_HELP};
                       for every table, or TABLE=S for one (repeatable); default keep, or the
                       database's "onConflict" in dbporter.config.json
  --conflict-resolver M  a JavaScript module (path or package) exporting a class with
                       async resolve(table, targetRow, incomingRow) -> "target" | "incoming" | { row }
  --dry-run            report per table what would be inserted, merged and skipped; write nothing
Schema: tables the database lacks are created with the dump's schema, adapted to the database's
engine; what cannot be carried is reported (a summary on stderr, every item with -v).
  --plan               read the dump's schema and the database, and print what the import would
                       create (the DDL), each column's type in both, and what would be adapted or
                       not carried; change nothing (--json: as JSON, docs/plan.md)
  --trust-dump         also run the SQL the dump carries: views, triggers, functions, rules,
                       CHECK and default expressions. Without it they are reported as not
                       carried: a dump is a file from outside, and its SQL would run with your rights
Import ledger (table dbporter_imported in the database, read by export --label):
  --label-name NAME    the label the imported rows are recorded under (default: SRC's base name)
  --keep-import-metadata  also import the ledger rows the dump itself carries`;

export async function run(args: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parse(
    args,
    {
      'database-url': { type: 'string' },
      format: { type: 'string' },
      mode: { type: 'string' },
      truncate: { type: 'boolean' },
      'no-truncate': { type: 'boolean' },
      'on-conflict': { type: 'string', multiple: true },
      'conflict-resolver': { type: 'string' },
      'dry-run': { type: 'boolean' },
      'label-name': { type: 'string' },
      'keep-import-metadata': { type: 'boolean' },
      'trust-dump': { type: 'boolean' },
      plan: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    usage,
  );
  if (values.help) return void process.stdout.write(usage + '\n');
  if (positionals.length > 1) throw new DbPorterError('BAD_ARGUMENT', `import takes one source, got ${positionals.length}.\n\n${usage}`);
  const src = positionals[0] ?? '-';
  const format = checkFormat(values.format ?? (src !== '-' ? containerFromPath(src) : 'json'));
  const mode = modeFrom(values.mode, values.truncate, values['no-truncate']);
  if (format === 'zip' && src === '-') throw new DbPorterError('BAD_ARGUMENT', 'A zip archive is read from a file, not from standard input: give SRC, like dump.zip.');

  const merging = values['on-conflict'] !== undefined || values['conflict-resolver'] !== undefined;
  if (merging && mode !== 'merge') throw new DbPorterError('BAD_ARGUMENT', `--on-conflict and --conflict-resolver settle collisions in merge mode; --mode ${mode} does not merge.`);
  const db = resolveDatabase(values['database-url'], configFrom(values.config));
  if (values.json && !values.plan) throw new DbPorterError('BAD_ARGUMENT', '--json goes with --plan (the plan as JSON, docs/plan.md).');
  if (values.plan) {
    const source = src === '-' ? { stream: process.stdin, format: format as DumpFormat } : src;
    const plan = await planImportFile(db, source, { format, mode, trustDump: values['trust-dump'], keepImportMetadata: values['keep-import-metadata'] });
    process.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : `${planText(plan)}\n`);
    return;
  }
  const strategies = strategiesFrom(db.entry?.onConflict, values['on-conflict']);
  const resolver = values['conflict-resolver'] ? await loadResolver(values['conflict-resolver'], process.cwd()) : undefined;
  const options: Omit<ImportOptions, 'format'> = {
    mode,
    merge: { strategies, resolver, creationColumns: db.entry?.creationColumns, updateColumns: db.entry?.updateColumns },
    dryRun: values['dry-run'],
    ledger: { label: values['label-name'] ?? labelFrom(src), ...(src !== '-' ? { sourceFile: path.basename(src) } : {}) },
    keepImportMetadata: values['keep-import-metadata'],
    trustDump: values['trust-dump'],
    signal: ctx.signal,
  };
  const progress = reporter(values.verbose);
  if (values.verbose) ctx.log(`${options.dryRun ? 'Dry run: importing' : 'Importing'} ${src === '-' ? 'standard input' : src} into ${db.name} (${mode})`);
  try {
    const result = await importFile(db, src === '-' ? { stream: process.stdin, format: format as DumpFormat } : src, {
      ...options,
      format,
      onProgress: progress.update,
      onSnapshot: (f) => ctx.log(`Snapshot of ${db.name} before the import: ${f}`),
    });
    progress.done();
    ctx.log(options.dryRun ? dryRunReport(result) : summary('Imported', result, values.verbose));
    logReport(ctx, result.notes, values.verbose);
    if (format === 'zip' && !options.dryRun) {
      const { files, filesKept } = result as ArchiveImportResult;
      const kept = filesKept ? `, kept ${filesKept.toLocaleString('en-US')} that were there already` : '';
      ctx.log(`Put ${files.toLocaleString('en-US')} files in place${kept}.`);
    }
  } catch (err) {
    progress.done();
    throw err;
  }
}

/** --mode, or its aliases --truncate (replace) and --no-truncate (append); see loadModeFrom. */
export function modeFrom(mode: string | undefined, truncate: boolean | undefined, noTruncate: boolean | undefined): LoadMode {
  if (truncate && noTruncate) throw new DbPorterError('BAD_ARGUMENT', '--truncate and --no-truncate disagree; give one.');
  return loadModeFrom({ mode, truncate: truncate ? true : noTruncate ? false : undefined }, { mode: '--mode', truncate: truncate ? '--truncate' : '--no-truncate' });
}

/** The label of an import by default: the dump file's name without its extension. */
function labelFrom(src: string): string {
  return src === '-' ? 'standard-input' : path.basename(src).replace(/\.(ndjson|json|zip)$/i, '') || 'import';
}
