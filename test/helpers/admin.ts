import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { startAdminServer, type AdminServer, type AdminServerOptions } from '../../src/server/server';

/** A random-looking key long enough for the server's minimum. */
export const TEST_KEY = 'test-key-0123456789abcdef';

/** Writes dbporter.config.json into `dir`. */
export function writeConfig(dir: string, config: object): void {
  fs.writeFileSync(path.join(dir, 'dbporter.config.json'), JSON.stringify(config, null, 2));
}

/** An admin API in this process, on a free loopback port, reading the config in `dir`. */
export function startTestServer(dir: string, options: AdminServerOptions = {}): Promise<AdminServer> {
  return startAdminServer({ port: 0, apiKey: TEST_KEY, config: { dir }, log: () => undefined, ...options });
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // Parsed JSON as the test reads it; shapes are asserted, not typed.
  json: any;
}

/** One request with fetch, the key sent unless `key` is null. */
export async function call(server: AdminServer, route: string, init: { method?: string; key?: string | null; json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  const key = init.key === undefined ? TEST_KEY : init.key;
  if (key !== null) headers['X-API-Key'] = key;
  let body = init.body;
  if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const res = await fetch(server.url + route, { method: init.method ?? 'POST', headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A multipart form whose parts keep the given order (fields and the file). */
export function form(parts: Array<[string, string] | [string, Buffer | string, string]>): FormData {
  const data = new FormData();
  for (const part of parts) {
    if (part.length === 2) data.append(part[0], part[1]);
    else data.append(part[0], new Blob([part[1]]), part[2]);
  }
  return data;
}

/** A raw request through node:http, for what fetch hides: bodies without a length, paused reading. */
export function rawRequest(server: AdminServer, route: string, headers: Record<string, string | number>): http.ClientRequest {
  const url = new URL(server.url + route);
  return http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers: { 'X-API-Key': TEST_KEY, ...headers } });
}

/** The response of a raw request, read whole. */
export function readResponse(req: http.ClientRequest): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.once('end', () => resolve({ status: res.statusCode!, text }));
      res.once('error', reject);
    });
    // Also after the answer: a server that stopped listening to the rest of a refused body may reset.
    req.on('error', reject);
  });
}
