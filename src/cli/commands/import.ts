import { importDump } from '../../core/import';
import { formatFromPath } from '../../core/dump/format';
import { DbPorterError } from '../../core/errors';
import { loadModeFrom, type LoadMode, type LoadResult } from '../../core/load';
import { resolveDatabase } from '../../core/config';
import { withSnapshot } from '../../core/backup';
import { configFrom, openResolved, parse, reporter, type CliContext } from '../context';
import { openSource } from '../io';
import { checkFormat } from './export';

export const usage = `Usage: dbporter import [SRC|-] --database-url URL [--format json|ndjson] [--mode merge|replace|append] [-v]

Reads a dump from SRC (or standard input for "-") into the database, creating missing tables.
All or nothing: on any error or Ctrl-C the database is left as it was. A snapshot (a full backup)
of the database is taken first, in its backup folder, and named on stderr.
  --mode merge         insert new rows, keep existing rows on a key collision (default)
  --mode replace       empty the dump's tables first (alias: --truncate)
  --mode append        insert, and fail on a key collision (alias: --no-truncate)
  --format F           json (default, or from SRC's extension) or ndjson
  -v, --verbose        say more`;

export async function run(args: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parse(
    args,
    {
      'database-url': { type: 'string' },
      format: { type: 'string' },
      mode: { type: 'string' },
      truncate: { type: 'boolean' },
      'no-truncate': { type: 'boolean' },
    },
    usage,
  );
  if (values.help) return void process.stdout.write(usage + '\n');
  if (positionals.length > 1) throw new DbPorterError('BAD_ARGUMENT', `import takes one source, got ${positionals.length}.\n\n${usage}`);
  const src = positionals[0] ?? '-';
  const format = checkFormat(values.format ?? (src !== '-' ? formatFromPath(src) : 'json'));
  const mode = modeFrom(values.mode, values.truncate, values['no-truncate']);

  const source = openSource(src);
  const db = resolveDatabase(values['database-url'], configFrom(values.config));
  const progress = reporter(values.verbose);
  try {
    const result = await withSnapshot(db, 'snapshot-before-import', { signal: ctx.signal, onSnapshot: (f) => ctx.log(`Snapshot of ${db.name} before the import: ${f}`) }, async () => {
      const adapter = await openResolved(db);
      try {
        if (values.verbose) ctx.log(`Importing ${src === '-' ? 'standard input' : src} into ${adapter.description} (${mode})`);
        return await importDump(adapter, source, { format, mode, signal: ctx.signal, onProgress: progress.update });
      } finally {
        await adapter.close();
      }
    });
    progress.done();
    ctx.log(summary('Imported', result, values.verbose));
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

export function summary(verb: string, result: LoadResult, verbose: boolean | undefined): string {
  const skipped = result.rows - result.inserted;
  const lines = [
    `${verb} ${result.inserted.toLocaleString('en-US')} rows into ${result.tables.length} tables (${result.mode})${
      skipped ? `, kept ${skipped.toLocaleString('en-US')} existing rows on key collisions` : ''
    } in ${(result.durationMs / 1000).toFixed(1)} s.`,
  ];
  if (verbose) {
    for (const t of result.tables) {
      lines.push(`  ${t.table}: ${t.inserted} inserted${t.skipped ? `, ${t.skipped} skipped` : ''}${t.created ? ' (table created)' : ''}`);
    }
  }
  return lines.join('\n');
}
