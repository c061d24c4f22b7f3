import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedDatabase, SecretLookup } from '../core/config';
import { DbPorterError, errorMessage } from '../core/errors';
import { maskSecrets, maskUrlsIn, parseUrl } from '../core/url';
import { VERSION } from '../core/version';
import { hasApiKey, API_KEY_HEADER } from './auth';
import type { RequestContext } from './context';
import { DatabaseHolder } from './databases';
import { ImportLocks } from './import-locks';
import { JobSlots } from './jobs';
import { errorBody, sendJson } from './responses';
import { exportRoute } from './routes/export';
import { importRoute } from './routes/import';
import { refreshRoute } from './routes/refresh';
import { checkExposure, DEFAULT_HOST, DEFAULT_PORT, resolveLimits, type ConfigSource, type Limits } from './settings';
import { answerClientError, timeoutOptions, trackResponse, watchIdle } from './slow-clients';

/**
 * The HTTP admin API: the command line's export and import over HTTP, for automation that cannot
 * run VS Code. node:http and the core; no web framework.
 */

/** The limits (maxBodyBytes, maxJobs, headersTimeoutMs, idleTimeoutMs) default to the config's `server.*`, then to the defaults. */
export interface AdminServerOptions extends Partial<Limits> {
  /** Loopback by default; any other address needs an API key. */
  host?: string;
  /** 8080 by default; 0 picks a free port. */
  port?: number;
  /** When set, every route but /health needs it in the X-API-Key header. */
  apiKey?: string;
  /** --database-url's value (URL or config name); by default the config's server.database, else DATABASE_URL. */
  database?: string;
  config?: ConfigSource;
  lookup?: SecretLookup;
  /** One line per request, and notes on imports and refreshes; secrets are masked before it. */
  log?: (line: string) => void;
}

export interface AdminServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly limits: Limits;
  readonly databases: DatabaseHolder;
  readonly jobs: JobSlots;
  /** Stops listening, cancels running work (which rolls back), and resolves once all is closed. */
  close(): Promise<void>;
}

interface Route {
  method: 'GET' | 'POST';
  /** Answers without a key. */
  open?: boolean;
  /** Works on a database, so it takes one of the server's job slots. */
  job?: boolean;
  handle(ctx: RequestContext): Promise<void>;
}

const ROUTES: Record<string, Route> = {
  // Touches neither a database nor a secret, so load balancers and scripts can poll it freely.
  '/health': { method: 'GET', open: true, handle: async (ctx) => sendJson(ctx.res, 200, { status: 'ok', version: VERSION }) },
  '/admin/migrations/export': { method: 'POST', job: true, handle: exportRoute },
  '/admin/migrations/import': { method: 'POST', job: true, handle: importRoute },
  '/admin/settings/refresh': { method: 'POST', job: true, handle: refreshRoute },
};

const ROUTE_LIST = Object.entries(ROUTES)
  .map(([p, r]) => `${r.method} ${p}`)
  .join(', ');

export async function startAdminServer(options: AdminServerOptions = {}): Promise<AdminServer> {
  const host = options.host ?? DEFAULT_HOST;
  checkExposure(host, options.apiKey);
  const databases = await DatabaseHolder.open({ config: options.config ?? {}, database: options.database, lookup: options.lookup });
  const limits = resolveLimits(options, databases.current.config);
  const jobs = new JobSlots(limits.maxJobs);
  const imports = new ImportLocks();
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  const secrets = () => [options.apiKey, passwordOf(databases.current.db)];
  const log = (line: string) => options.log?.(maskSecrets(maskUrlsIn(line), secrets()));

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    const controller = new AbortController();
    const abort = () => controller.abort();
    stopping.signal.addEventListener('abort', abort, { once: true });
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    trackResponse(req, res);
    // A client that stops sending its body or reading the answer: the work stops and rolls back.
    const stopWatch = watchIdle(req, res, limits.idleTimeoutMs, (err) => {
      controller.abort(err);
      if (res.headersSent) res.destroy();
    });
    let release: (() => void) | undefined;
    let note = '';
    try {
      const route = ROUTES[url.pathname];
      if (!route?.open && options.apiKey && !hasApiKey(req, options.apiKey)) {
        throw new DbPorterError('UNAUTHORIZED', req.headers[API_KEY_HEADER] === undefined ? 'This route needs the API key in the X-API-Key header.' : 'The X-API-Key header does not hold the server\'s API key.');
      }
      if (!route) throw new DbPorterError('NOT_FOUND', `No route ${req.method} ${url.pathname}. The admin API has: ${ROUTE_LIST}.`);
      if (req.method !== route.method) {
        const message = `${url.pathname} takes ${route.method}, not ${req.method}.`;
        lingerAfter(req, res);
        sendJson(res, 405, { error: { code: 'NOT_FOUND', message } }, { Allow: route.method });
        note = ` NOT_FOUND: ${message}`;
        return;
      }
      if (route.job) release = jobs.take();
      await route.handle({ req, res, url, signal: controller.signal, databases, imports, maxBodyBytes: limits.maxBodyBytes, log });
    } catch (err) {
      // A request cut off for stalling fails in whatever it was waiting on; the stall is the cause to report.
      note = answerFailure(req, res, controller.signal.reason instanceof DbPorterError ? controller.signal.reason : err);
    } finally {
      release?.();
      stopWatch();
      stopping.signal.removeEventListener('abort', abort);
      log(`${req.method} ${url.pathname} ${res.headersSent ? res.statusCode : '-'} ${Date.now() - started} ms${note}`);
    }
  }

  /** Answers with the JSON error, or cuts the response short when it had already begun. */
  function answerFailure(req: http.IncomingMessage, res: http.ServerResponse, err: unknown): string {
    const { status, body, headers } = errorBody(err, secrets());
    const what = err instanceof DbPorterError ? `${body.error.code}: ${body.error.message}` : `unexpected error: ${errorMessage(err)}`;
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return ` cut short, ${what}`;
    }
    lingerAfter(req, res);
    sendJson(res, status, body, headers);
    return ` ${what}`;
  }

  const server = http.createServer(timeoutOptions(limits), (req, res) => {
    const work = serve(req, res).finally(() => running.delete(work));
    running.add(work);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => answerClientError(err, socket, limits));
  const port = await listen(server, host, options.port ?? DEFAULT_PORT);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    limits,
    databases,
    jobs,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        stopping.abort();
        server.closeAllConnections();
        await Promise.allSettled([...running]);
        await closed;
      })()),
  };
}

/** How long a refused request may go on sending its body before the connection is cut. */
const LINGER_MS = 5000;

/**
 * After an answer to a request whose body was not read to its end (refused early, or too large):
 * the rest of the body is read and dropped for a while, as nginx's lingering close does. Cutting the
 * connection at once would make the client's next write fail, and many clients then report that
 * failure instead of the answer that was already on its way.
 */
function lingerAfter(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.complete) return;
  res.once('finish', () => {
    if (req.complete) return;
    // A multipart importer that stopped reading would hold the body up: drop it instead.
    req.unpipe();
    req.resume();
    const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
    timer.unref();
    req.once('end', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
  });
}

function passwordOf(db: ResolvedDatabase): string | undefined {
  try {
    const location = parseUrl(db.url, db.baseDir);
    return location.engine === 'sqlite' ? undefined : location.password;
  } catch {
    return undefined;
  }
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new DbPorterError('BAD_ARGUMENT', `Port ${port} on ${host} is already in use. Stop what uses it, or choose another port (--port).`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new DbPorterError('BAD_ARGUMENT', `${host} is not an address of this machine; give one of its addresses with --host.`));
      else if (err.code === 'EACCES') reject(new DbPorterError('BAD_ARGUMENT', `Not allowed to listen on port ${port}; choose a port above 1023.`));
      else reject(err);
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
