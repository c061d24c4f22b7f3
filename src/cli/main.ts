import { DbPorterError, explainError, errorMessage } from '../core/errors';
import { VERSION } from '../core/version';
import { maskUrlsIn } from '../core/url';
import type { CliContext } from './context';
import * as exportCommand from './commands/export';
import * as importCommand from './commands/import';
import * as copyCommand from './commands/copy';
import * as backupCommand from './commands/backup';
import * as restoreCommand from './commands/restore';
import * as guardCommand from './commands/guard';
import * as migrateCommand from './commands/migrate';
import * as serveCommand from './commands/serve';

const COMMANDS: Record<string, { run(args: string[], ctx: CliContext): Promise<void>; usage: string }> = {
  export: exportCommand,
  import: importCommand,
  copy: copyCommand,
  backup: backupCommand,
  restore: restoreCommand,
  guard: guardCommand,
  migrate: migrateCommand,
  serve: serveCommand,
};

const USAGE = `DB Porter ${VERSION}: move data between SQLite, PostgreSQL and MySQL/MariaDB.

Usage: dbporter <command> [options]

Commands:
  export    write a database (or some tables) to a JSON or NDJSON dump
  import    read a dump into a database (merge, replace or append)
  copy      stream tables from one database into another
  backup    write a zip archive of a database and its files (also: backup verify, backup list)
  restore   put a backup archive back, after a snapshot of the current state
  guard     run a maintenance command; restore the database if it changes what it should not
  migrate   schema migrations from a folder of scripts: list, run (--dry-run), up
  serve     the HTTP admin API: export and import over HTTP, guarded by an API key

Run "dbporter <command> --help" for a command's options. A database is a URL
(sqlite:file.db, postgresql://user@host/db, mysql://user@host/db) or a name from
dbporter.config.json; DATABASE_URL is the default.`;

/** Exit codes: 0 done, 1 failed, 2 bad usage, 130 cancelled (Ctrl-C). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(VERSION + '\n');
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`dbporter: unknown command "${name}".\n\n${USAGE}\n`);
    return 2;
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nCancelling; rolling back (press Ctrl-C again to quit at once)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader that goes away (dbporter export - | head) is not an error of ours.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') controller.abort();
  });

  const ctx: CliContext = { signal: controller.signal, log: (m) => process.stderr.write(m + '\n') };
  try {
    await command.run(args, ctx);
    return 0;
  } catch (thrown) {
    const err = explainError(thrown);
    if (err instanceof DbPorterError) {
      process.stderr.write(`dbporter ${name}: ${maskUrlsIn(err.message)} [${err.code}]\n`);
      return err.code === 'CANCELLED' ? 130 : err.code === 'BAD_ARGUMENT' ? 2 : 1;
    }
    process.stderr.write(`dbporter ${name}: unexpected error: ${maskUrlsIn(errorMessage(err))}\n`);
    if (process.env.DBPORTER_DEBUG) process.stderr.write(`${maskUrlsIn(String((err as Error).stack))}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
