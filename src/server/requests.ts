import { z } from 'zod';
import { DbPorterError } from '../core/errors';
import { DUMP_FORMATS } from '../core/dump/format';
import { parseDumpHeader } from '../core/dump/header';
import { LOAD_MODES } from '../core/load';

/** The bodies the admin API takes, checked with zod before anything is read from or written to a database. */

const database = z.string().min(1).describe('A database of dbporter.config.json by name; the server\'s own when absent.');

/** As import --trust-dump: run the SQL the dump carries (views, triggers, functions, expressions). */
const trustDump = z.boolean().describe("Run the SQL the dump carries, as `dbporter import --trust-dump` does; otherwise it is reported as not carried.");

export const exportRequest = z
  .object({
    format: z.enum(DUMP_FORMATS).default('json'),
    tables: z.array(z.string().min(1)).min(1).optional(),
    indent: z.number().int().min(0).max(10).optional(),
    database: database.optional(),
  })
  .strict()
  .refine((r) => !(r.indent && r.format === 'ndjson'), { message: 'indent applies to JSON only: NDJSON keeps one row per line', path: ['indent'] });

/** A whole JSON dump as export writes it; its rows are checked value by value as they load. */
const jsonDump = z
  .object({ metadata: z.unknown(), schema: z.unknown(), data: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))) })
  .superRefine((dump, ctx) => {
    const parsed = parseDumpHeader({ metadata: dump.metadata, schema: dump.schema });
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
  });

/** JSON is the default format, as on the command line. */
const withFormat = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) && !('format' in v) ? { ...v, format: 'json' } : v);

export const jsonImportRequest = z.preprocess(withFormat, z.discriminatedUnion('format', [
  z.object({ format: z.literal('json'), truncate: z.boolean().optional(), mode: z.enum(LOAD_MODES).optional(), database: database.optional(), trustDump: trustDump.optional(), data: jsonDump }).strict(),
  z.object({ format: z.literal('ndjson'), truncate: z.boolean().optional(), mode: z.enum(LOAD_MODES).optional(), database: database.optional(), trustDump: trustDump.optional(), data: z.string().min(1) }).strict(),
]));

/** The fields of a multipart import (or its query string): all text. */
export const formImportRequest = z
  .object({
    format: z.enum(DUMP_FORMATS).optional(),
    truncate: z.enum(['true', 'false']).optional(),
    mode: z.enum(LOAD_MODES).optional(),
    database: database.optional(),
    trustDump: z.enum(['true', 'false']).optional(),
  })
  .strict();

export const refreshRequest = z.object({ database: database.optional() }).strict();

/** Parses a body or fails with BAD_ARGUMENT (or DUMP_INVALID for the dump inside), naming the place. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.join('.') || '(top level)';
  const inDump = issue.path[0] === 'data';
  throw new DbPorterError(
    inDump ? 'DUMP_INVALID' : 'BAD_ARGUMENT',
    inDump
      ? `The dump in the request is not a DB Porter dump: ${where}: ${issue.message}. Send what dbporter export writes; nothing was written.`
      : `The ${what} is not valid: ${where}: ${issue.message}.`,
  );
}
