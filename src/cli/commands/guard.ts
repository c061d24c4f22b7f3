import { spawn } from 'node:child_process';
import { resolveDatabase } from '../../core/config';
import { DbPorterError } from '../../core/errors';
import { withBackupGuard } from '../../core/guard';
import { configFrom, parse, type CliContext } from '../context';

export const usage = `Usage: dbporter guard [--database-url URL] [--ignore-table T]... [--no-auto-restore] -- COMMAND ARGS...

Runs a maintenance command under a backup guard: a backup and a row count of every table first,
then the command (with DATABASE_URL set to the database). If the command fails, or a table not
named with --ignore-table changed its row count, the backup is restored and the changes are listed.
  --ignore-table T     a table the command is meant to change; repeat for more
  --no-auto-restore    only report; the database keeps whatever the command did`;

export async function run(args: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parse(
    args,
    { 'database-url': { type: 'string' }, 'ignore-table': { type: 'string', multiple: true }, 'no-auto-restore': { type: 'boolean' } },
    usage,
  );
  if (values.help) return void process.stdout.write(usage + '\n');
  if (!positionals.length) throw new DbPorterError('BAD_ARGUMENT', `guard needs a command after --.\n\n${usage}`);
  const db = resolveDatabase(values['database-url'], configFrom(values.config));
  const [command, ...commandArgs] = positionals;

  const { report } = await withBackupGuard(
    db,
    () =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(command, commandArgs, { stdio: 'inherit', env: { ...process.env, DATABASE_URL: db.url } });
        const stop = () => child.kill('SIGTERM');
        ctx.signal.addEventListener('abort', stop, { once: true });
        child.on('error', (err) => reject(new Error(`cannot run ${command}: ${err.message}`)));
        child.on('close', (code, signal) => {
          ctx.signal.removeEventListener('abort', stop);
          if (code === 0) resolve();
          else reject(new Error(`${command} exited with ${signal ? `signal ${signal}` : `code ${code}`}`));
        });
      }),
    { ignoreTables: values['ignore-table'], autoRestoreOnMismatch: !values['no-auto-restore'] },
  );
  ctx.log(report.summary);
  if (report.jobError !== undefined || report.changes.length) {
    throw new DbPorterError('GUARD_TRIPPED', report.restored ? 'The guard restored the database.' : 'The guard found changes it was told not to undo.');
  }
}
