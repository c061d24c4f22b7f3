import * as path from 'node:path';
import { exportFile } from '../../core/export-file';
import { CONTAINERS, containerFromPath, type Container } from '../../core/dump/format';
import { DbPorterError } from '../../core/errors';
import type { Selector } from '../../core/subset';
import { resolveDatabase } from '../../core/config';
import { takeSnapshot } from '../../core/backup';
import { deleteOwnedRows } from '../../core/subset';
import { configFrom, confirm, openResolved, parse, reporter, type CliContext } from '../context';
import { defaultDumpName, logReport } from '../io';

export const usage = `Usage: dbporter export [DEST|-] --database-url URL [--table T]... [--format json|ndjson|zip] [--indent N] [-v]
       dbporter export [DEST|-] --root TABLE --id VALUE... | --root TABLE --root-by COLUMN --value V... | --since DATE | --label NAME...

Writes a dump of the database (all tables, or the named ones) to DEST, or to standard output
for "-". Without DEST the dump goes to dump-<time>.<format> in the working directory.
  --database-url URL   sqlite:file.db, postgresql://..., mysql://..., or a name from dbporter.config.json
                       (default: $DATABASE_URL)
  --table T            export only this table; repeat for more
  --format F           json (default, or from DEST's extension), ndjson, or zip: an archive of the
                       dump (NDJSON) and the files its rows name in their file columns (fileColumns
                       in dbporter.config.json); zip needs a file as DEST
  --indent N           indent JSON by N spaces for reading by eye
  -v, --verbose        say more
Partial exports (one selector at a time): the chosen rows, every row that references them, down
the foreign keys, and every row those need, so the slice imports on its own. A table the slice
takes rows of needs a primary key, or a unique key on NOT NULL columns; other tables need neither.
The values after --id, --value or --label run until the next option: give DEST first
(export out.json --root T --id 1 2 3), after another option, or after "--".
  --root TABLE --id V...  rows of TABLE by primary key (--id 1 2 3, or --id 1 --id 2)
  --root-by COLUMN     with --root and --value V...: rows of TABLE by another unique column
  --since DATE         rows created after DATE (2024-01-01 or 2023-01-01T00:00:00), by each
                       table's creation-time column (created_at, creation_date, ..., or the
                       database's "creationColumns" in dbporter.config.json)
  --label NAME...      rows imported under these labels (see import --label-name), with their
                       ledger entries
  --randomize-legacy-ids  replace integer keys below 1,000,000 by random ones of 1,000,000 and up,
                       and rewrite the foreign keys that point at them (recorded in the dump's
                       metadata), so that dumps of two legacy databases merge without collisions
  --delete-exported-data  then, after a backup, delete the chosen rows and what hangs from them
                       (not the parents they needed) from the database, in one transaction;
                       asks first unless --yes`;

export async function run(args: string[], ctx: CliContext): Promise<void> {
  const { values, tokens } = parse(
    args,
    {
      'database-url': { type: 'string' },
      table: { type: 'string', multiple: true },
      format: { type: 'string' },
      indent: { type: 'string' },
      root: { type: 'string' },
      id: { type: 'string', multiple: true },
      'root-by': { type: 'string' },
      value: { type: 'string', multiple: true },
      since: { type: 'string' },
      label: { type: 'string', multiple: true },
      'delete-exported-data': { type: 'boolean' },
      'randomize-legacy-ids': { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
    },
    usage,
  );
  if (values.help) return void process.stdout.write(usage + '\n');
  const { lists, positionals, gathered } = gatherLists(tokens);
  if (positionals.length > 1) throw new DbPorterError('BAD_ARGUMENT', `export takes one destination, got ${positionals.length}.\n\n${usage}`);
  if (!positionals.length) refuseStrayDestination(gathered);
  const select = selectorFrom({ ...values, ...lists });
  const format = checkFormat(values.format ?? (positionals[0] && positionals[0] !== '-' ? containerFromPath(positionals[0]) : 'json'));
  const indent = values.indent === undefined ? undefined : Number(values.indent);
  if (indent !== undefined && (!Number.isInteger(indent) || indent < 0 || indent > 10)) {
    throw new DbPorterError('BAD_ARGUMENT', `--indent takes a whole number from 0 to 10, got "${values.indent}".`);
  }
  if (indent && format !== 'json') throw new DbPorterError('BAD_ARGUMENT', `--indent applies to JSON only: ${format === 'zip' ? 'a zip archive holds NDJSON, which keeps' : 'NDJSON keeps'} one row per line.`);

  if (values['delete-exported-data'] && !select) {
    throw new DbPorterError('BAD_ARGUMENT', '--delete-exported-data deletes the rows of a partial export: give --root, --since or --label too.');
  }
  const db = resolveDatabase(values['database-url'], configFrom(values.config));
  if (select?.kind === 'since') select.creationColumns = db.entry?.creationColumns;
  const adapter = await openResolved(db);
  const destination = positionals[0] ?? defaultDumpName(format);
  const progress = reporter(values.verbose);
  try {
    if (values.verbose) ctx.log(`Exporting ${adapter.description} to ${destination === '-' ? 'standard output' : path.resolve(destination)} as ${format}`);
    const options = { tables: values.table, select, randomizeLegacyIds: values['randomize-legacy-ids'], indent, signal: ctx.signal, onProgress: progress.update };
    const result = await exportFile(adapter, db, destination === '-' ? process.stdout : destination, format, options);
    progress.done();
    const written = destination === '-' ? 'standard output' : `${path.resolve(destination)}${result.files !== undefined ? ` (with ${result.files.toLocaleString('en-US')} files)` : ''}`;
    ctx.log(`Exported ${result.rows.toLocaleString('en-US')} rows from ${result.tables.length} tables to ${written} in ${(result.durationMs / 1000).toFixed(1)} s.`);
    logReport(ctx, result.notes, values.verbose);
    if (values['delete-exported-data'] && result.slice) {
      const owned = [...result.slice.owned].map(([t, keys]) => `${t} ${keys.length}`).join(', ');
      await confirm(`Delete the exported rows from ${db.name} (${owned})?`, values.yes);
      const snapshot = await takeSnapshot(db, 'snapshot-before-delete', { signal: ctx.signal });
      ctx.log(`Backup of ${db.name} before the delete: ${snapshot.file}`);
      const deleted = await deleteOwnedRows(adapter, result.slice, ctx.signal);
      ctx.log(`Deleted ${Object.entries(deleted).map(([t, n]) => `${n} from ${t}`).join(', ')}. The backup ${snapshot.file} brings them back.`);
    }
  } catch (err) {
    progress.done();
    throw err;
  } finally {
    await adapter.close();
  }
}

export function checkFormat(value: string): Container {
  if (!(CONTAINERS as readonly string[]).includes(value)) {
    throw new DbPorterError('BAD_ARGUMENT', `Unknown format "${value}". Use one of: ${CONTAINERS.join(', ')}.`);
  }
  return value as Container;
}

/** Options that take several values after one flag (--id 1 2 3) as well as repeated (--id 1 --id 2). */
const LIST_OPTIONS = ['id', 'value', 'label'] as const;
type ListOption = (typeof LIST_OPTIONS)[number];

type ArgToken = { kind: 'option'; name: string; value?: string } | { kind: 'positional'; value: string } | { kind: 'option-terminator' };

function isListOption(name: string): name is ListOption {
  return (LIST_OPTIONS as readonly string[]).includes(name);
}

/**
 * parseArgs takes one value per flag, so the positionals that follow a list option's value, up to
 * the next option or "--", are read here as more of its values; the others are destinations.
 * `gathered` are the values picked up that way, for refuseStrayDestination.
 */
export function gatherLists(tokens: ArgToken[]): { lists: Partial<Record<ListOption, string[]>>; positionals: string[]; gathered: Array<{ option: ListOption; value: string }> } {
  const lists: Partial<Record<ListOption, string[]>> = {};
  const positionals: string[] = [];
  const gathered: Array<{ option: ListOption; value: string }> = [];
  let open: ListOption | undefined;
  for (const token of tokens) {
    if (token.kind === 'option') {
      open = isListOption(token.name) ? token.name : undefined;
      if (open && token.value !== undefined) (lists[open] ??= []).push(token.value);
    } else if (token.kind === 'positional' && open) {
      lists[open]!.push(token.value);
      gathered.push({ option: open, value: token.value });
    } else if (token.kind === 'positional') positionals.push(token.value);
    else open = undefined;
  }
  return { lists, positionals, gathered };
}

/**
 * `export --root T --id 1 2 out.json` reads out.json as an id; without a destination elsewhere,
 * a value named like a dump file is taken for a misplaced DEST and refused before anything runs.
 */
function refuseStrayDestination(gathered: Array<{ option: ListOption; value: string }>): void {
  const stray = gathered.filter((g) => /\.(json|ndjson|zip)$/i.test(g.value)).pop();
  if (!stray) return;
  throw new DbPorterError(
    'BAD_ARGUMENT',
    `"${stray.value}" after --${stray.option} reads as one more value: the values after --${stray.option} run until the next option. Give DEST before the flags (dbporter export ${stray.value} --root ...) or after --.`,
  );
}

/** The partial-export selector the flags describe; two selectors at once are refused. */
function selectorFrom(values: { root?: string; id?: string[]; 'root-by'?: string; value?: string[]; since?: string; label?: string[]; table?: string[] }): Selector | undefined {
  const root = values.root !== undefined || values.id !== undefined || values['root-by'] !== undefined || values.value !== undefined;
  const chosen = [root && '--root', values.since !== undefined && '--since', values.label?.length && '--label', values.table?.length && '--table'].filter(Boolean);
  if (chosen.length > 1) {
    throw new DbPorterError(
      'BAD_ARGUMENT',
      `${chosen.join(' and ')} cannot be combined: each picks the rows of the export in its own way (${chosen.join(', ')}). Give one.`,
    );
  }
  if (values.since !== undefined) return { kind: 'since', since: values.since };
  if (values.label?.length) return { kind: 'label', labels: values.label };
  if (!root) return undefined;
  if (!values.root) throw new DbPorterError('BAD_ARGUMENT', '--id, --root-by and --value need --root TABLE.');
  if (values['root-by']) {
    if (!values.value?.length) throw new DbPorterError('BAD_ARGUMENT', '--root-by COLUMN needs --value V (one or more).');
    if (values.id?.length) throw new DbPorterError('BAD_ARGUMENT', '--id selects by primary key and --root-by by another column: give one.');
    return { kind: 'root', table: values.root, column: values['root-by'], values: values.value };
  }
  if (!values.id?.length) throw new DbPorterError('BAD_ARGUMENT', '--root TABLE needs --id VALUE (one or more), or --root-by COLUMN --value V.');
  if (values.value?.length) throw new DbPorterError('BAD_ARGUMENT', '--value goes with --root-by COLUMN.');
  return { kind: 'root', table: values.root, values: values.id };
}
