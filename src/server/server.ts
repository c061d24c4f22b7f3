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
import { errorBody, sendJson } from './responses';
import { exportRoute } from './routes/export';
import { importRoute } from './routes/import';
import { refreshRoute } from './routes/refresh';
import { checkExposure, DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT, type ConfigSource } from './settings';

/**
 * The HTTP admin API: the command line's export and import over HTTP, for automation that cannot
 * run VS Code. node:http and the core; no web framework.
 */

export interface AdminServerOptions {
  /** Loopback by default; any other address needs an API key. */
  host?: string;
  /** 8080 by default; 0 picks a free port. */
  port?: number;
  /** When set, every route but /health needs it in the X-API-Key header. */
  apiKey?: string;
  /** Largest request body; by default the config's server.maxBodyBytes, else 100 MiB. */
  maxBodyBytes?: number;
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
  readonly maxBodyBytes: number;
  readonly databases: DatabaseHolder;
  /** Stops listening, cancels running work (which rolls back), and resolves once all is closed. */
  close(): Promise<void>;
}

interface Route {
  method: 'GET' | 'POST';
  /** Answers without a key. */
  open?: boolean;
  handle(ctx: RequestContext): Promise<void>;
}

const ROUTES: Record<string, Route> = {
  // Touches neither a database nor a secret, so load balancers and scripts can poll it freely.
  '/health': { method: 'GET', open: true, handle: async (ctx) => sendJson(ctx.res, 200, { status: 'ok', version: VERSION }) },
  '/admin/migrations/export': { method: 'POST', handle: exportRoute },
  '/admin/migrations/import': { method: 'POST', handle: importRoute },
  '/admin/settings/refresh': { method: 'POST', handle: refreshRoute },
};

const ROUTE_LIST = Object.entries(ROUTES)
  .map(([p, r]) => `${r.method} ${p}`)
  .join(', ');

export async function startAdminServer(options: AdminServerOptions = {}): Promise<AdminServer> {
  const host = options.host ?? DEFAULT_HOST;
  checkExposure(host, options.apiKey);
  const databases = await DatabaseHolder.open({ config: options.config ?? {}, database: options.database, lookup: options.lookup });
  const maxBodyBytes = options.maxBodyBytes ?? databases.current.config?.config.server?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
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
      await route.handle({ req, res, url, signal: controller.signal, databases, imports, maxBodyBytes, log });
    } catch (err) {
      note = answerFailure(req, res, err);
    } finally {
      stopping.signal.removeEventListener('abort', abort);
      log(`${req.method} ${url.pathname} ${res.headersSent ? res.statusCode : '-'} ${Date.now() - started} ms${note}`);
    }
  }

  /** Answers with the JSON error, or cuts the response short when it had already begun. */
  function answerFailure(req: http.IncomingMessage, res: http.ServerResponse, err: unknown): string {
    const { status, body } = errorBody(err, secrets());
    const what = err instanceof DbPorterError ? `${body.error.code}: ${body.error.message}` : `unexpected error: ${errorMessage(err)}`;
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return ` cut short, ${what}`;
    }
    lingerAfter(req, res);
    sendJson(res, status, body);
    return ` ${what}`;
  }

  const server = http.createServer({ requestTimeout: 0 }, (req, res) => {
    const work = serve(req, res).finally(() => running.delete(work));
    running.add(work);
  });
  const port = await listen(server, host, options.port ?? DEFAULT_PORT);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    maxBodyBytes,
    databases,
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
