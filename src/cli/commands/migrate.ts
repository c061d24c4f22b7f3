import { resolveDatabase } from '../../core/config';
import { DbPorterError } from '../../core/errors';
import { migrateUp, migrationStates, migrationsDirectory, runMigration } from '../../core/migrate';
import { configFrom, parse, type CliContext } from '../context';

export const usage = `Usage: dbporter migrate list [--include-archived] [--database-url URL]
       dbporter migrate run NAME [--database-url URL] [--dry-run]
       dbporter migrate up [--database-url URL] [--no-guard]

Schema migrations from a folder (default scripts/migrations/, or migrationsDirectory in
dbporter.config.json, or --migrations-dir): SQL files run in a transaction where the engine allows;
.js/.mjs run with node, .sh with bash, .py with python3, others by their #! line, each with
DATABASE_URL set. The first comment line of a file describes it; archive/ holds retired ones.
Applied migrations are recorded in the table dbporter_migrations of the target. A migration that
cannot be atomic (any on MySQL, scripts everywhere) runs after a snapshot; if it is killed half way,
the next migrate command puts that snapshot back first and says so.
  list      name, description, and applied / pending / changed
  run NAME  one migration; --dry-run prints what would run and changes nothing
  up        every pending migration in order, each under the backup guard unless --no-guard`;

export async function run(args: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parse(
    args,
    {
      'database-url': { type: 'string' },
      'migrations-dir': { type: 'string' },
      'include-archived': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      'no-guard': { type: 'boolean' },
    },
    usage,
  );
  if (values.help) return void process.stdout.write(usage + '\n');
  const [sub, name, ...extra] = positionals;
  if (extra.length) throw new DbPorterError('BAD_ARGUMENT', `Too many arguments.\n\n${usage}`);
  const config = configFrom(values.config);
  const db = resolveDatabase(values['database-url'], config);
  const dir = migrationsDirectory(config, values['migrations-dir']);
  // A migration killed half way is undone before anything else; the user hears of it.
  const onNote = (message: string) => ctx.log(message);

  switch (sub) {
    case 'list': {
      const states = await migrationStates(db, dir, values['include-archived'], { onNote });
      if (!states.length) ctx.log(`No migrations in ${dir}.`);
      for (const s of states) {
        process.stdout.write(`${s.status.padEnd(8)}  ${s.name}${s.description ? `  — ${s.description}` : ''}${s.appliedAt ? `  (applied ${s.appliedAt})` : ''}\n`);
      }
      return;
    }
    case 'run': {
      if (!name) throw new DbPorterError('BAD_ARGUMENT', `migrate run needs the migration's name.\n\n${usage}`);
      const result = await runMigration(db, dir, name, { dryRun: values['dry-run'], onNote });
      ctx.log(result.message);
      if (result.outcome === 'changed-not-run') throw new DbPorterError('BAD_ARGUMENT', 'The migration was not run.');
      return;
    }
    case 'up': {
      const result = await migrateUp(db, dir, { guard: !values['no-guard'], onNote });
      for (const r of result.applied) ctx.log(r.message);
      for (const r of result.skipped.filter((s) => s.outcome === 'changed-not-run')) ctx.log(`Skipped: ${r.message}`);
      if (result.failed) {
        const restored = result.failed.guard?.restored ? ` The guard restored the database from ${result.failed.guard.backup}.` : '';
        throw new DbPorterError('WRITE_FAILED', `${result.failed.migration.name} failed: ${result.failed.error.replace(/\.$/, "")}.${restored} It is not recorded as applied; later migrations did not run.`);
      }
      if (!result.applied.length) ctx.log('Nothing to do: no pending migrations.');
      return;
    }
    default:
      throw new DbPorterError('BAD_ARGUMENT', `migrate needs list, run or up.\n\n${usage}`);
  }
}
