import { DbPorterError } from '../../core/errors';
import { startAdminServer } from '../../server/server';
import { apiKeyFrom, DEFAULT_HOST, DEFAULT_MAX_JOBS, DEFAULT_PORT, parseByteSize, parseDuration, readConfig } from '../../server/settings';
import { formatBytes } from '../../server/body';
import { parse, type CliContext } from '../context';

export const usage = `Usage: dbporter serve [--host 127.0.0.1] [--port 8080] [--database-url URL] [--config FILE]
                      [--max-body SIZE] [--max-jobs N] [--headers-timeout TIME] [--idle-timeout TIME]

Serves the HTTP admin API: export and import over HTTP, with the same logic as the command line.
  POST /admin/migrations/export    the dump as the response body ({"format": "ndjson", "tables": [...]})
  POST /admin/migrations/import    a dump as multipart (file=@dump.json) or JSON; snapshot first
  POST /admin/settings/refresh     re-read dbporter.config.json and switch databases
  GET  /health                     answers without a key
  --host H             address to listen on (default ${DEFAULT_HOST}, this machine only); any other
                       address needs an API key
  --port N             port (default ${DEFAULT_PORT}; 0 picks a free one)
  --database-url URL   the database served: a URL or a name from dbporter.config.json
                       (default: the config's server.database, then $DATABASE_URL)
  --max-body SIZE      largest request body, e.g. 500m (default: server.maxBodyBytes, else 100m)
  --max-jobs N         exports, imports and refreshes at once; more get 503 (default: server.maxJobs, else ${DEFAULT_MAX_JOBS})
  --headers-timeout T  time for a request's headers to arrive, e.g. 30s (default: server.headersTimeoutMs, else 30s)
  --idle-timeout T     longest pause in a request body or in reading a response, e.g. 2m
                       (default: server.idleTimeoutMs, else 60s); there is no limit on the total time
The API key comes from server.apiKey ("\${env:NAME}") in dbporter.config.json, else from
DBPORTER_API_KEY; with a key, every route but /health needs the header X-API-Key.
Ctrl-C stops the server; imports still running are rolled back.`;

export async function run(args: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parse(
    args,
    {
      host: { type: 'string' },
      port: { type: 'string' },
      'database-url': { type: 'string' },
      'max-body': { type: 'string' },
      'max-jobs': { type: 'string' },
      'headers-timeout': { type: 'string' },
      'idle-timeout': { type: 'string' },
    },
    usage,
  );
  if (values.help) return void process.stdout.write(usage + '\n');
  if (positionals.length) throw new DbPorterError('BAD_ARGUMENT', `serve takes no arguments, got "${positionals.join(' ')}".\n\n${usage}`);
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DbPorterError('BAD_ARGUMENT', `--port takes a port number from 0 to 65535, got "${values.port}".`);
  const config = { file: values.config };
  const apiKey = apiKeyFrom(readConfig(config));

  const server = await startAdminServer({
    host: values.host,
    port,
    apiKey,
    maxBodyBytes: values['max-body'] === undefined ? undefined : parseByteSize(values['max-body']),
    maxJobs: values['max-jobs'] === undefined ? undefined : parseCount(values['max-jobs']),
    headersTimeoutMs: values['headers-timeout'] === undefined ? undefined : parseDuration(values['headers-timeout']),
    idleTimeoutMs: values['idle-timeout'] === undefined ? undefined : parseDuration(values['idle-timeout']),
    database: values['database-url'],
    config,
    log: (line) => ctx.log(`${new Date().toISOString()} ${line}`),
  });
  const db = server.databases.current.info;
  ctx.log(`DB Porter admin API on ${server.url}, serving ${db.name} (${db.engine} ${db.location})`);
  ctx.log(`${apiKey ? 'Every route but /health needs the X-API-Key header.' : 'No API key set: reachable from this machine only, without a key.'} Bodies up to ${formatBytes(server.limits.maxBodyBytes)}, ${server.limits.maxJobs} jobs at a time. Ctrl-C stops it.`);

  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  ctx.log('Stopping the admin API...');
  await server.close();
  ctx.log('Stopped.');
}

function parseCount(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new DbPorterError('BAD_ARGUMENT', `--max-jobs takes a whole number of at least 1, got "${text}".`);
  return n;
}
