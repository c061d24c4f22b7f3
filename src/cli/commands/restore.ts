import { resolveBackupFile, restoreWithSnapshot } from '../../core/backup';
import { resolveDatabase } from '../../core/config';
import { DbPorterError } from '../../core/errors';
import { maskUrl } from '../../core/url';
import { configFrom, confirm, parse, reporter, type CliContext } from '../context';
import { logReport } from '../io';

export const usage = `Usage: dbporter restore --backup-file NAME|PATH [--database-url URL] [--yes] [-v]

Erases the database's current data and puts the archive's back, files included. The archive is
verified first, and a snapshot of the database is taken before anything changes; a restore that
fails half way, or is killed, leaves the database as it was. Asks for confirmation unless --yes is given.
  --backup-file NAME|PATH   an archive: a name in the database's backup folder, or a path`;

export async function run(args: string[], ctx: CliContext): Promise<void> {
  const { values } = parse(args, { 'database-url': { type: 'string' }, 'backup-file': { type: 'string' }, yes: { type: 'boolean', short: 'y' } }, usage);
  if (values.help) return void process.stdout.write(usage + '\n');
  if (!values['backup-file']) throw new DbPorterError('BAD_ARGUMENT', `restore needs --backup-file.\n\n${usage}`);
  const db = resolveDatabase(values['database-url'], configFrom(values.config));
  const file = resolveBackupFile(values['backup-file'], db);
  await confirm(`Replace all data of ${db.name} (${maskUrl(db.url)}) with ${file}?`, values.yes);
  const progress = reporter(values.verbose);
  try {
    const result = await restoreWithSnapshot(file, db, {
      signal: ctx.signal,
      onProgress: progress.update,
      onSnapshot: (f) => ctx.log(`Snapshot of ${db.name} before the restore: ${f}`),
      onNote: (m) => ctx.log(m),
    });
    progress.done();
    const rows = Object.values(result.rowCounts).reduce((n, r) => n + r, 0);
    ctx.log(`Restored ${db.name} from ${file}: ${rows.toLocaleString('en-US')} rows in ${Object.keys(result.rowCounts).length} tables${result.filesRestored ? `, ${result.filesRestored} files` : ''}.`);
    if (values.verbose) ctx.log(`  archive made ${result.manifest.createdAt} from ${result.manifest.database.source} (${result.manifest.kind})`);
    logReport(ctx, result.notes, values.verbose);
  } catch (err) {
    progress.done();
    throw err;
  }
}
