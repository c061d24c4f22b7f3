import * as path from 'node:path';
import { importDump, type ImportResult } from '../../core/import';
import { DumpArchive, type ArchiveImportResult } from '../../core/import-archive';
import { containerFromPath, type DumpFormat } from '../../core/dump/format';
import { DbPorterError } from '../../core/errors';
import { LOAD_MODES, type LoadMode, type LoadResult } from '../../core/load';
import { resolveDatabase } from '../../core/config';
import { withSnapshot } from '../../core/backup';
import { configFrom, openResolved, parse, reporter, type CliContext } from '../context';
import { openSource } from '../io';
import { checkFormat } from './export';

export const usage = `Usage: dbporter import [SRC|-] --database-url URL [--format json|ndjson|zip] [--mode merge|replace|append] [-v]

Reads a dump from SRC (or standard input for "-") into the database, creating missing tables.
All or nothing: on any error or Ctrl-C the database is left as it was. A snapshot (a full backup)
of the database is taken first, in its backup folder, and named on stderr.
A zip archive (from dbporter export out.zip) also carries the files of its rows: they go under
the folders the database's fileColumns in dbporter.config.json name, once the rows are in.
  --mode merge         insert new rows, keep existing rows (and files) on a collision (default)
  --mode replace       empty the dump's tables first, overwrite files (alias: --truncate)
  --mode append        insert, and fail on a key collision or an existing file (alias: --no-truncate)
  --format F           json (default, or from SRC's extension), ndjson or zip
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
  const format = checkFormat(values.format ?? (src !== '-' ? containerFromPath(src) : 'json'));
  const mode = modeFrom(values.mode, values.truncate, values['no-truncate']);
  if (format === 'zip' && src === '-') throw new DbPorterError('BAD_ARGUMENT', 'A zip archive is read from a file, not from standard input: give SRC, like dump.zip.');

  const source = format === 'zip' ? undefined : openSource(src);
  const db = resolveDatabase(values['database-url'], configFrom(values.config));
  // A zip archive is verified, and its files given a place, before anything is written (the snapshot included).
  const archive = format === 'zip' ? await DumpArchive.open(path.resolve(src), db) : undefined;
  const progress = reporter(values.verbose);
  try {
    const result = await withSnapshot(db, 'snapshot-before-import', { signal: ctx.signal, onSnapshot: (f) => ctx.log(`Snapshot of ${db.name} before the import: ${f}`) }, async (): Promise<ImportResult | ArchiveImportResult> => {
      const adapter = await openResolved(db);
      try {
        if (values.verbose) ctx.log(`Importing ${src === '-' ? 'standard input' : src} into ${adapter.description} (${mode})`);
        const options = { mode, signal: ctx.signal, onProgress: progress.update };
        if (archive) return await archive.importInto(adapter, options);
        return await importDump(adapter, source!, { ...options, format: format as DumpFormat });
      } finally {
        await adapter.close();
      }
    });
    progress.done();
    ctx.log(summary('Imported', result, values.verbose));
    if ('files' in result) {
      const kept = result.filesKept ? `, kept ${result.filesKept.toLocaleString('en-US')} that were there already` : '';
      ctx.log(`Put ${result.files.toLocaleString('en-US')} files in place${kept}.`);
    }
  } catch (err) {
    progress.done();
    throw err;
  } finally {
    archive?.close();
  }
}

export function modeFrom(mode: string | undefined, truncate: boolean | undefined, noTruncate: boolean | undefined): LoadMode {
  const chosen = [mode, truncate ? 'replace' : undefined, noTruncate ? 'append' : undefined].filter(Boolean);
  if (new Set(chosen).size > 1) throw new DbPorterError('BAD_ARGUMENT', `--mode, --truncate and --no-truncate disagree (${chosen.join(' vs ')}); give one.`);
  const value = chosen[0] ?? 'merge';
  if (!(LOAD_MODES as readonly string[]).includes(value)) {
    throw new DbPorterError('BAD_ARGUMENT', `Unknown mode "${value}". Use one of: ${LOAD_MODES.join(', ')}.`);
  }
  return value as LoadMode;
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
