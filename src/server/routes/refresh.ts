import { readJson } from '../body';
import type { RequestContext } from '../context';
import { parseRequest, refreshRequest } from '../requests';
import { sendJson } from '../responses';

/**
 * POST /admin/settings/refresh: re-reads dbporter.config.json and points the server at the
 * database it names now (or at `database`, a name from it). Requests already running finish on
 * the database they started with; their connections close as they end.
 */
export async function refreshRoute(ctx: RequestContext): Promise<void> {
  const request = parseRequest(refreshRequest, await readJson(ctx.req, ctx.maxBodyBytes, ctx.signal), 'refresh request');
  const { previous, current } = await ctx.databases.refresh(request.database);
  ctx.log(`refreshed: now ${current.info.name} (${current.info.engine} ${current.info.location}); ${previous.inUse} request(s) still on ${previous.info.name}`);
  sendJson(ctx.res, 200, { database: current.info, previous: { ...previous.info, requestsInFlight: previous.inUse } });
}
