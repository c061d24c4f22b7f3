import { withSnapshot } from '../../core/backup';
import { formatFromPath, type DumpFormat } from '../../core/dump/format';
import { DbPorterError } from '../../core/errors';
import { importDump, type ImportResult } from '../../core/import';
import { loadModeFrom, type LoadMode } from '../../core/load';
import { checkDeclaredLength, mediaType, readJson } from '../body';
import type { RequestContext } from '../context';
import type { DatabaseInfo } from '../databases';
import { readImportForm } from '../multipart';
import { formImportRequest, jsonImportRequest, parseRequest } from '../requests';
import { sendJson } from '../responses';
import type { SchemaNote } from '../../core/schema/model';

export interface ImportResponse {
  database: DatabaseInfo;
  mode: LoadMode;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Rows that came in, and rows written (in merge mode the rest collided and were kept as they were). */
  rows: number;
  inserted: number;
  /** Rows that came in, per table. */
  rowsPerTable: Record<string, number>;
  tables: ImportResult['tables'];
  /** Where the dump came from, as its metadata says. */
  source: ImportResult['source'];
  /** The backup of the database taken just before the import: `dbporter restore --backup-file` puts it back. */
  snapshot: string;
  /** What the import adapted to the database or did not carry, with the reasons (docs/fidelity.md). */
  notes: SchemaNote[];
}

interface ImportPlan {
  format: DumpFormat;
  mode: LoadMode;
  database?: string;
  /** Run the SQL the dump carries (views, triggers, functions, expressions); see import --trust-dump. */
  trustDump: boolean;
}

/**
 * POST /admin/migrations/import: a dump as a multipart upload (streamed into the importer) or
 * inside a JSON body, loaded the way `dbporter import` loads it: a snapshot first, then all or
 * nothing, one import at a time per database.
 */
export async function importRoute(ctx: RequestContext): Promise<void> {
  const type = mediaType(ctx.req);
  checkDeclaredLength(ctx.req, ctx.maxBodyBytes);
  if (type === 'multipart/form-data') {
    const query = Object.fromEntries(ctx.url.searchParams);
    const form = await readImportForm(ctx.req, ctx.maxBodyBytes, { fieldsKnown: Object.keys(query).length > 0, signal: ctx.signal });
    try {
      const fields = parseRequest(formImportRequest, { ...query, ...form.fields }, 'import form');
      const plan = {
        format: fields.format ?? (form.filename ? formatFromPath(form.filename) : 'json'),
        mode: loadModeFrom({ mode: fields.mode, truncate: fields.truncate === undefined ? undefined : fields.truncate === 'true' }),
        database: fields.database,
        trustDump: fields.trustDump === 'true',
      };
      sendJson(ctx.res, 200, await runImport(ctx, plan, form.file));
    } finally {
      await form.cleanup();
    }
  } else if (type === 'application/json') {
    const body = parseRequest(jsonImportRequest, await readJson(ctx.req, ctx.maxBodyBytes, ctx.signal), 'import request');
    const plan = { format: body.format, mode: loadModeFrom({ mode: body.mode, truncate: body.truncate }), database: body.database, trustDump: Boolean(body.trustDump) };
    const text = typeof body.data === 'string' ? body.data : JSON.stringify(body.data);
    sendJson(ctx.res, 200, await runImport(ctx, plan, [Buffer.from(text, 'utf8')]));
  } else {
    throw new DbPorterError(
      'BAD_ARGUMENT',
      `An import takes multipart/form-data (curl -F file=@dump.json) or application/json ({"format": "json", "data": {...}}), not "${type || 'no Content-Type'}".`,
    );
  }
}

async function runImport(ctx: RequestContext, plan: ImportPlan, source: AsyncIterable<Buffer> | Buffer[]): Promise<ImportResponse> {
  const handle = ctx.databases.pick(plan.database);
  const release = ctx.imports.acquire(handle.db);
  try {
    return await handle.use(async (session) => {
      const db = session.db;
      const startedAt = new Date();
      const result = await withSnapshot(db, 'snapshot-before-import', { signal: ctx.signal, onSnapshot: (f) => ctx.log(`snapshot of ${db.name} before the import: ${f}`) }, async () =>
        importDump(await session.open(), toIterable(source), { format: plan.format, mode: plan.mode, trustDump: plan.trustDump, signal: ctx.signal }),
      );
      const finishedAt = new Date();
      ctx.log(`imported ${result.inserted} of ${result.rows} rows into ${result.tables.length} tables of ${db.name} (${result.mode})`);
      return {
        database: handle.info,
        mode: result.mode,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationMs: finishedAt.getTime() - startedAt.getTime(),
        rows: result.rows,
        inserted: result.inserted,
        rowsPerTable: Object.fromEntries(result.tables.map((t) => [t.table, t.rows])),
        tables: result.tables,
        source: result.source,
        snapshot: result.snapshot,
        notes: result.notes,
      };
    });
  } finally {
    release();
  }
}

function toIterable(source: AsyncIterable<Buffer> | Buffer[]): AsyncIterable<Buffer> {
  return Symbol.asyncIterator in source
    ? source
    : (async function* () {
        yield* source;
      })();
}
