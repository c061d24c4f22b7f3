import { copyInto, planCopy } from '../../core/copy-into';
import { planText } from '../../core/plan';
import { DbPorterError } from '../../core/errors';
import { resolveDatabase } from '../../core/config';
import { configFrom, openDatabase, parse, reporter, type CliContext } from '../context';
import { modeFrom } from './import';
import { logReport } from '../io';
import { loadSummary as summary } from '../../core/report';

export const usage = `Usage: dbporter copy --from URL --to URL [--table T]... [--mode merge|replace|append] [-v]

Streams tables from one database into another with no file in between, creating missing tables
with mapped types: promoting a SQLite file to PostgreSQL or MySQL is one command. All or nothing,
after a snapshot of the target (named on stderr).
  --from URL, --to URL sqlite:file.db, postgresql://..., mysql://..., or names from dbporter.config.json
  --table T            copy only this table; repeat for more
  --mode M             merge (default), replace or append, as for import
  --plan               print what the copy would create (the DDL), each column's type on both
                       sides, and what would be adapted or not carried; change nothing
                       (--json: as JSON, docs/plan.md)
  -v, --verbose        say more`;

export async function run(args: string[], ctx: CliContext): Promise<void> {
  const { values } = parse(
    args,
    {
      from: { type: 'string' },
      to: { type: 'string' },
      table: { type: 'string', multiple: true },
      mode: { type: 'string' },
      truncate: { type: 'boolean' },
      plan: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    usage,
  );
  if (values.help) return void process.stdout.write(usage + '\n');
  const mode = modeFrom(values.mode, values.truncate, undefined);
  const config = configFrom(values.config);
  const to = resolveDatabase(values.to ?? missing('--to', usage), config);
  if (values.json && !values.plan) throw new DbPorterError('BAD_ARGUMENT', '--json goes with --plan (the plan as JSON, docs/plan.md).');
  const source = await openDatabase(values.from ?? missing('--from', usage), config);
  if (values.plan) {
    try {
      const plan = await planCopy(source, to, { tables: values.table, mode });
      process.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : `${planText(plan)}\n`);
    } finally {
      await source.close();
    }
    return;
  }
  const progress = reporter(values.verbose);
  try {
    const result = await copyInto(source, to, {
      tables: values.table,
      mode,
      signal: ctx.signal,
      onProgress: progress.update,
      onSnapshot: (f) => ctx.log(`Snapshot of ${to.name} before the copy: ${f}`),
      onOpen: (target) => values.verbose && ctx.log(`Copying ${source.description} to ${target.description} (${mode})`),
    });
    progress.done();
    ctx.log(summary('Copied', result, values.verbose));
    logReport(ctx, result.notes, values.verbose);
  } catch (err) {
    progress.done();
    throw err;
  } finally {
    await source.close();
  }
}

function missing(flag: string, usage: string): never {
  throw new DbPorterError('BAD_ARGUMENT', `copy needs ${flag}.\n\n${usage}`);
}
