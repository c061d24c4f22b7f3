import type { z } from 'zod';
import { ENGINES } from '../schema/model';
import { SchemaProblem } from '../schema/problem';
import { dialectOf } from '../engines/dialects';
import { FORMAT_NAME, FORMAT_VERSION, READABLE_VERSIONS, headerSchema, type DumpHeader } from './format';
import type { Engine } from '../url';

/**
 * A dump header of any version this DB Porter reads, brought up to the current one; or what is
 * wrong with it, as a path and a problem ("schema.tables.0.columns.2.native: ...").
 *
 * Version 1 kept a column's native type as text ({ engine, type: "varchar(20)" }). That text is
 * read with its engine's type grammar here, once: a type outside the grammar (text that would add
 * SQL of its own to a CREATE TABLE) is refused like any other bad header.
 */
export function parseDumpHeader(value: unknown): { header: DumpHeader } | { problem: string } {
  const version = versionOf(value);
  if (typeof version === 'number' && !(READABLE_VERSIONS as readonly number[]).includes(version)) {
    return { problem: `metadata.version: version ${version} is not one this DB Porter reads (${READABLE_VERSIONS.join(', ')}); a newer DB Porter wrote it, so update DB Porter` };
  }
  let current = value;
  if (version === 1) {
    const upgraded = upgradeVersion1(value);
    if ('problem' in upgraded) return upgraded;
    current = upgraded.value;
  }
  const parsed = headerSchema.safeParse(current);
  if (!parsed.success) return { problem: zodProblem(parsed.error) };
  return { header: parsed.data };
}

export function zodProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue.path.join('.') || '(top)'}: ${issue.message}`;
}

function versionOf(value: unknown): unknown {
  if (!isObject(value) || !isObject(value.metadata) || value.metadata.format !== FORMAT_NAME) return undefined;
  return value.metadata.version;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A copy of a version 1 header in version 2's shape: native types in parts, the version number moved on. */
function upgradeVersion1(value: unknown): { value: unknown } | { problem: string } {
  const header = structuredClone(value) as Record<string, Record<string, unknown>>;
  header.metadata.version = FORMAT_VERSION;
  const tables = header.schema?.tables;
  if (!Array.isArray(tables)) return { value: header };
  for (const [t, table] of tables.entries()) {
    if (!isObject(table) || !Array.isArray(table.columns)) continue;
    for (const [c, column] of table.columns.entries()) {
      if (!isObject(column) || !isObject(column.native)) continue;
      const { engine, type } = column.native;
      const where = `schema.tables.${t}.columns.${c}.native`;
      if (typeof type !== 'string' || !(ENGINES as readonly string[]).includes(String(engine))) return { problem: `${where}: a version 1 native type is { engine, type }` };
      try {
        column.native = dialectOf(engine as Engine).parseType(type);
      } catch (err) {
        if (!(err instanceof SchemaProblem)) throw err;
        return { problem: `${where}: table "${String(table.name)}", column "${String(column.name)}": ${err.message}` };
      }
    }
  }
  return { value: header };
}
