import * as path from 'node:path';
import { applyRetention, backupDatabase, listBackups, resolveBackupFile, verifyBackup } from '../../core/backup';
import { resolveDatabase } from '../../core/config';
import { DbPorterError } from '../../core/errors';
import { ArchiveReader } from '../../core/archive/reader';
import { configFrom, parse, reporter, type CliContext } from '../context';

export const usage = `Usage: dbporter backup [--database-url URL] [--backup-file NAME|PATH] [-v]
       dbporter backup verify NAME|PATH [--database-url URL]
       dbporter backup list [--database-url URL]

Writes one zip archive with everything needed to bring the database back: the SQLite file
itself, or the schema and rows of a server database, plus the file folders dbporter.config.json
gives the database, and a manifest with a checksum per entry. Archives go to the backup folder
(default .dbporter/backups/<database>/), named by time; retention keeps the newest N.
  verify   checks every checksum of an archive and names the first bad entry
  list     the archives of a database, newest first`;

export async function run(args: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parse(args, { 'database-url': { type: 'string' }, 'backup-file': { type: 'string' } }, usage);
  if (values.help) return void process.stdout.write(usage + '\n');
  const [sub, ...rest] = positionals;
  const config = configFrom(values.config);
  const named = () => resolveDatabase(values['database-url'], config);

  if (sub === 'verify') {
    if (rest.length !== 1) throw new DbPorterError('BAD_ARGUMENT', `backup verify takes one archive (a name or a path).\n\n${usage}`);
    const file = resolveBackupFile(rest[0], values['database-url'] || process.env.DATABASE_URL ? named() : undefined);
    const manifest = await verifyBackup(file);
    const entries = Object.keys(manifest.entries).length;
    const matched = entries === 1 ? 'its 1 entry matches its checksum' : `all ${entries} entries match their checksums`;
    ctx.log(`${file}: ${matched} (${manifest.database.engine} database "${manifest.database.name}", ${manifest.createdAt}).`);
    return;
  }
  if (sub === 'list') {
    const db = named();
    const backups = listBackups(db.backupDir);
    if (!backups.length) ctx.log(`No backups of ${db.name} in ${db.backupDir}.`);
    for (const b of backups) {
      let rows = '';
      try {
        const reader = await ArchiveReader.open(b.file);
        const manifest = await reader.manifest().finally(() => reader.close());
        rows = `${Object.values(manifest.rowCounts).reduce((n, r) => n + r, 0).toLocaleString('en-US')} rows, ${manifest.reason}`;
      } catch {
        rows = 'unreadable manifest';
      }
      process.stdout.write(`${b.name}\t${(b.size / 1024 / 1024).toFixed(1)} MB\t${b.modified.toISOString()}\t${rows}\n`);
    }
    return;
  }
  if (sub !== undefined) throw new DbPorterError('BAD_ARGUMENT', `Unknown backup command "${sub}".\n\n${usage}`);

  const db = named();
  const progress = reporter(values.verbose);
  const destination = values['backup-file'] ? resolveBackupFile(values['backup-file'], db) : undefined;
  try {
    const { file, manifest } = await backupDatabase(db, { destination, reason: 'backup', signal: ctx.signal, onProgress: progress.update });
    progress.done();
    const rows = Object.values(manifest.rowCounts).reduce((n, r) => n + r, 0);
    const files = Object.keys(manifest.entries).filter((e) => e.startsWith('files/')).length;
    ctx.log(`Backed up ${db.name}: ${rows.toLocaleString('en-US')} rows in ${Object.keys(manifest.rowCounts).length} tables${files ? `, ${files} files` : ''} to ${file}`);
    const removed = destination ? [] : applyRetention(db.backupDir, db.keepBackups);
    if (removed.length) ctx.log(`Retention (keep ${db.keepBackups}): removed ${removed.map((f) => path.basename(f)).join(', ')}`);
  } catch (err) {
    progress.done();
    throw err;
  }
}
