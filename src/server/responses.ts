import type { ServerResponse } from 'node:http';
import { DbPorterError, type ErrorCode, explainError } from '../core/errors';
import { maskSecrets, maskUrlsIn } from '../core/url';

/** HTTP statuses for the error codes the command line prints; anything unknown is a 500. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_ARGUMENT: 400,
  BAD_URL: 400,
  UNKNOWN_ENGINE: 400,
  DUMP_INVALID: 400,
  DUMP_TRUNCATED: 400,
  DUMP_CHECKSUM: 400,
  ARCHIVE_INVALID: 400,
  UNKNOWN_TABLE: 400,
  BAD_VALUE: 400,
  UNSUPPORTED: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  UNKNOWN_DATABASE: 404,
  FILE_NOT_FOUND: 404,
  CONFLICT: 409,
  UNKNOWN_COLUMN: 409,
  BUSY: 409,
  FILE_CHANGED: 409,
  FILE_IN_USE: 409,
  GUARD_TRIPPED: 409,
  BODY_TOO_LARGE: 413,
  REQUEST_TIMEOUT: 408,
  // The server has as many jobs running as it allows; the request can be sent again.
  TOO_MANY_JOBS: 503,
  // The database behind the server did not answer as it should.
  CONNECTION_FAILED: 502,
  AUTH_FAILED: 502,
  DATABASE_NOT_FOUND: 502,
  // The server is stopping and rolled the work back.
  CANCELLED: 503,
};

/** How long a caller refused for load should wait before sending the request again. */
export const RETRY_AFTER_SECONDS = 5;

/** Headers some answers need: when to come back, or that the connection ends with this answer. */
const HEADERS: Partial<Record<ErrorCode, Record<string, string>>> = {
  TOO_MANY_JOBS: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  // The client stalled: waiting for the rest of its body would only hold the connection longer.
  REQUEST_TIMEOUT: { Connection: 'close' },
};

export function statusFor(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

export interface ErrorBody {
  error: { code: string; message: string };
}

/**
 * The JSON error body for any failure: a DbPorterError keeps its code and (masked) message;
 * anything else is INTERNAL with a generic message, so no driver text or stack reaches a caller.
 */
export function errorBody(thrown: unknown, secrets: Array<string | undefined>): { status: number; body: ErrorBody; headers: Record<string, string> } {
  const err = explainError(thrown);
  if (err instanceof DbPorterError) {
    return { status: statusFor(err.code), body: { error: { code: err.code, message: maskSecrets(maskUrlsIn(err.message), secrets) } }, headers: HEADERS[err.code] ?? {} };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Unexpected error in the admin API; the server log says more.' } }, headers: {} };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}
