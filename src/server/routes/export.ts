import { exportDatabase } from '../../core/export';
import { readJson } from '../body';
import type { RequestContext } from '../context';
import { exportRequest, parseRequest } from '../requests';
import { endSink, responseSink } from '../response-sink';

const CONTENT_TYPES = { json: 'application/json; charset=utf-8', ndjson: 'application/x-ndjson; charset=utf-8' };

/**
 * POST /admin/migrations/export: the dump is the response body, streamed from the database as
 * `dbporter export -` writes it (same options: format, tables, indent). A failure before the first
 * byte answers with a JSON error; one after it cuts the response short, which clients see as an
 * incomplete transfer (and an NDJSON dump without its trailer is refused on import).
 */
export async function exportRoute(ctx: RequestContext): Promise<void> {
  const request = parseRequest(exportRequest, await readJson(ctx.req, ctx.maxBodyBytes, ctx.signal), 'export request');
  const handle = ctx.databases.pick(request.database);
  await handle.use(async (session) => {
    const adapter = await session.open();
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    const sink = responseSink(
      ctx.res,
      {
        'Content-Type': CONTENT_TYPES[request.format],
        'Content-Disposition': `attachment; filename="${session.db.name.replace(/[^A-Za-z0-9._-]+/g, '_')}-${stamp}.${request.format}"`,
        'Cache-Control': 'no-store',
      },
      ctx.signal,
    );
    const result = await exportDatabase(adapter, sink, { format: request.format, tables: request.tables, indent: request.indent, signal: ctx.signal });
    await endSink(sink);
    ctx.log(`exported ${result.rows} rows from ${result.tables.length} tables of ${session.db.name} (${request.format})`);
  });
}
