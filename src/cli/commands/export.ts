import { exportDatabase } from '../../core/export';
import { DUMP_FORMATS, formatFromPath, type DumpFormat } from '../../core/dump/format';
import { DbPorterError } from '../../core/errors';
import { configFrom, openDatabase, parse, reporter, type CliContext } from '../context';
import { defaultDumpName, openDestination } from '../io';

export const usage = `Usage: dbporter export [DEST|-] --database-url URL [--table T]... [--format json|ndjson] [--indent N] [-v]

Writes a dump of the database (all tables, or the named ones) to DEST, or to standard output
for "-". Without DEST the dump goes to dump-<time>.<format> in the working directory.
  --database-url URL   sqlite:file.db, postgresql://..., mysql://..., or a name from dbporter.config.json
                       (default: $DATABASE_URL)
  --table T            export only this table; repeat for more
  --format F           json (default, or from DEST's extension) or ndjson
  --indent N           indent JSON by N spaces for reading by eye
  -v, --verbose        say more`;

export async function run(args: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parse(
    args,
    { 'database-url': { type: 'string' }, table: { type: 'string', multiple: true }, format: { type: 'string' }, indent: { type: 'string' } },
    usage,
  );
  if (values.help) return void process.stdout.write(usage + '\n');
  if (positionals.length > 1) throw new DbPorterError('BAD_ARGUMENT', `export takes one destination, got ${positionals.length}.\n\n${usage}`);
  const format = checkFormat(values.format ?? (positionals[0] && positionals[0] !== '-' ? formatFromPath(positionals[0]) : 'json'));
  const indent = values.indent === undefined ? undefined : Number(values.indent);
  if (indent !== undefined && (!Number.isInteger(indent) || indent < 0 || indent > 10)) {
    throw new DbPorterError('BAD_ARGUMENT', `--indent takes a whole number from 0 to 10, got "${values.indent}".`);
  }
  if (indent && format === 'ndjson') throw new DbPorterError('BAD_ARGUMENT', '--indent applies to JSON only: NDJSON keeps one row per line.');

  const adapter = await openDatabase(values['database-url'], configFrom(values.config));
  const dest = openDestination(positionals[0] ?? defaultDumpName(format));
  const progress = reporter(values.verbose);
  try {
    if (values.verbose) ctx.log(`Exporting ${adapter.description} to ${dest.label} as ${format}`);
    const result = await exportDatabase(adapter, dest.stream, { format, tables: values.table, indent, signal: ctx.signal, onProgress: progress.update });
    progress.done();
    await dest.commit();
    ctx.log(`Exported ${result.rows.toLocaleString('en-US')} rows from ${result.tables.length} tables to ${dest.label} in ${(result.durationMs / 1000).toFixed(1)} s.`);
  } catch (err) {
    progress.done();
    await dest.abort();
    throw err;
  } finally {
    await adapter.close();
  }
}

export function checkFormat(value: string): DumpFormat {
  if (!(DUMP_FORMATS as readonly string[]).includes(value)) {
    throw new DbPorterError('BAD_ARGUMENT', `Unknown format "${value}". Use one of: ${DUMP_FORMATS.join(', ')}.`);
  }
  return value as DumpFormat;
}
