import { z } from 'zod';
import type { Adapter } from './engines/adapter';
import { dialectOf } from './engines/dialects';
import { planTarget, type LoadMode, type SchemaOrigin } from './load';
import { schemaNoteSchema, type Column, type DatabaseSchema, type SchemaNote, type Table } from './schema/model';
import type { Dialect } from './schema/dialect';
import { noteLine, sortNotes } from './schema/report';
import { ENGINES } from './schema/model';
import { isDbPorterError } from './errors';

/**
 * A load's plan (`import --plan`, `copy --plan`, "Preview Plan…"): what would be created in the
 * target and how each column's type maps, the DDL, and what would be adapted or not carried. It
 * reads both sides and changes nothing. Its JSON form is stable (planSchema below, docs/plan.md):
 * fields may be added, none renamed or removed within a major version.
 */

export const PLAN_VERSION = 1;

const mappingSchema = z.enum(['exact', 'adapted', 'not carried', 'computed']);

export const planSchema = z.object({
  plan: z.literal(PLAN_VERSION),
  source: z.object({ engine: z.enum(ENGINES), database: z.string() }),
  target: z.object({ engine: z.enum(ENGINES), database: z.string() }),
  mode: z.enum(['merge', 'replace', 'append']),
  /** Whether the source's SQL (views, triggers, expressions) would run: a copy, or an import with --trust-dump. */
  trusted: z.boolean(),
  tables: z.array(
    z.object({
      name: z.string(),
      /** create: the target lacks it; existing: its rows go into the table that is there (emptied first in replace mode). */
      action: z.enum(['create', 'existing']),
      columns: z.array(
        z.object({
          name: z.string(),
          /** The type as the source declares it (its native type, or its portable type). */
          source: z.string(),
          /** The portable type it travels as. */
          portable: z.string(),
          /** The type it has in the target: what the DDL writes, or what the existing table has. */
          target: z.string(),
          /** exact, adapted (see notes), not carried, or computed (a generated column the target computes: not written). */
          mapping: mappingSchema,
          notes: z.array(z.string()),
        }),
      ),
    }),
  ),
  /** The DDL in the order it would run: before the rows, then at commit. Absent where the target engine cannot print it. */
  statements: z.object({ beforeRows: z.array(z.string()), afterRows: z.array(z.string()) }).optional(),
  /** Every adaptation and everything not carried, with the reason. */
  notes: z.array(schemaNoteSchema),
});
export type LoadPlan = z.infer<typeof planSchema>;

export interface PlanOptions extends SchemaOrigin {
  mode: LoadMode;
  replaceDatabase?: boolean;
  /** Where the incoming schema comes from, as the plan names it (a dump file, a database). */
  sourceName: string;
}

/** The plan of loading `incoming` (a dump's or a database's schema) into `target`. Reads the target; writes nothing. */
export async function planLoad(target: Adapter, incoming: DatabaseSchema, options: PlanOptions): Promise<LoadPlan> {
  // A database file that does not exist yet is one the load would create: empty.
  const existing = await target.introspect().catch((err: unknown) => {
    if (isDbPorterError(err, 'FILE_NOT_FOUND')) return { engine: target.engine, tables: [] };
    throw err;
  });
  const prepared = planTarget(existing, target.dialect, incoming, options.mode, options);
  const sourceDialect = dialectOf(incoming.engine);
  const notes = sortNotes(prepared.notes);
  const created = new Set(prepared.created.tables.map((t) => t.name));
  const tables = incoming.tables.map((source) => {
    const plan = prepared.plans.get(source.name)!;
    const there = created.has(source.name) ? undefined : plan.target;
    return {
      name: source.name,
      action: there ? ('existing' as const) : ('create' as const),
      columns: source.columns.map((column) => columnPlan(source, column, plan.target, there, { sourceDialect, target: target.dialect, notes })),
    };
  });
  const statements = target.dialect.createStatements?.(prepared.created);
  return {
    plan: PLAN_VERSION,
    source: { engine: incoming.engine, database: options.sourceName },
    target: { engine: target.engine, database: target.description },
    mode: options.mode,
    trusted: options.trusted,
    tables,
    ...(statements ? { statements } : {}),
    notes,
  };
}

function columnPlan(
  table: Table,
  column: Column,
  targetTable: Table,
  existing: Table | undefined,
  context: { sourceDialect: Dialect; target: Dialect; notes: SchemaNote[] },
): LoadPlan['tables'][number]['columns'][number] {
  const targetColumn = targetTable.columns.find((c) => c.name === column.name);
  const about = context.notes.filter((n) => n.table === table.name && n.name === column.name && ['column', 'default', 'generated column'].includes(n.kind));
  let mapping: z.infer<typeof mappingSchema> = about.some((n) => n.action === 'adapted') ? 'adapted' : 'exact';
  if (about.some((n) => n.action === 'not carried' && n.kind === 'column')) mapping = 'not carried';
  if (targetColumn?.generated) mapping = 'computed';
  return {
    name: column.name,
    source: typeText(column, context.sourceDialect, table),
    portable: portableText(column),
    target: targetColumn ? typeText(targetColumn, context.target, existing ?? targetTable) : '',
    mapping,
    notes: about.map((n) => `${n.action}: ${n.reason}`),
  };
}

function typeText(column: Column, dialect: Dialect, table: Table): string {
  if (dialect.columnType) return dialect.columnType(column, table);
  return column.native && column.native.engine === dialect.engine ? dialect.renderType(column.native) : portableText(column);
}

function portableText(column: Column): string {
  const size = column.length !== undefined ? `(${column.length})` : column.precision !== undefined ? `(${column.precision}${column.scale !== undefined ? `,${column.scale}` : ''})` : '';
  return `${column.type}${size}`;
}

/** The plan as a person reads it: tables and their type maps, the DDL, then the report. */
export function planText(plan: LoadPlan): string {
  const lines: string[] = [];
  lines.push(`Plan: ${plan.source.database} (${plan.source.engine}) into ${plan.target.database} (${plan.target.engine}), mode ${plan.mode}. Nothing was changed.`);
  if (!plan.trusted) lines.push('The dump\'s SQL (views, triggers, functions, expressions) is not run: add --trust-dump to run it.');
  for (const table of plan.tables) {
    lines.push('', `${table.action === 'create' ? 'Create' : 'Load into existing'} table "${table.name}":`);
    const width = Math.max(...table.columns.map((c) => c.name.length));
    for (const c of table.columns) {
      const flag = c.mapping === 'exact' ? '' : `  [${c.mapping}]`;
      lines.push(`  ${c.name.padEnd(width)}  ${c.source} -> ${c.target || '(none)'}${flag}`);
      for (const note of c.notes) lines.push(`  ${' '.repeat(width)}    ${note}`);
    }
  }
  if (plan.statements) {
    lines.push('', 'DDL before the rows:', ...plan.statements.beforeRows.map((s) => `${s};`));
    if (plan.statements.afterRows.length) lines.push('', 'DDL after the rows (at commit):', ...plan.statements.afterRows.map((s) => `${s};`));
  }
  const others = plan.notes.filter((n) => !['column', 'default', 'generated column'].includes(n.kind));
  if (others.length) lines.push('', 'Adapted or not carried:', ...others.map((n) => `  ${noteLine(n)}`));
  else if (!plan.notes.length) lines.push('', 'Everything is carried exactly.');
  return lines.join('\n');
}

