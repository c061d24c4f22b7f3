import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { DbPorterError } from '../core/errors';
import type { ErrorBody } from './responses';
import { formatDuration, type Limits } from './settings';

/**
 * Clients that hold a connection without moving: headers that trickle in (slowloris), a body that
 * stops arriving, a response nobody reads. Each is cut off after a bound, so a handful of such
 * connections cannot hold the server's job slots or its database connections for ever. A client
 * that keeps moving is never cut: there is no limit on a request's total time, so a big upload
 * over a slow line goes through.
 */

/** node:http's own timers: the headers' bound, checked often enough to hold it within a quarter. */
export function timeoutOptions(limits: Limits): http.ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    // No total limit: a long upload that keeps sending must go through (the idle watch covers stalls).
    requestTimeout: 0,
    connectionsCheckingInterval: Math.max(10, Math.round(limits.headersTimeoutMs / 4)),
  };
}

/** The response in progress on each connection, so an answer here never cuts into one already begun. */
const responses = new WeakMap<Duplex, http.ServerResponse>();

export function trackResponse(req: http.IncomingMessage, res: http.ServerResponse): void {
  const socket = req.socket;
  responses.set(socket, res);
  res.once('close', () => {
    if (responses.get(socket) === res) responses.delete(socket);
  });
}

/**
 * node:http's 'clientError': a request whose headers did not arrive in time, or that is not HTTP.
 * The answer is a JSON error as every other route gives (node:http's default is a bare status
 * line), then the connection closes.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, limits: Limits): void {
  if (err.code === 'ECONNRESET' || !socket.writable || responses.get(socket)?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, error] = clientErrorAnswer(err, limits);
  const text = JSON.stringify({ error: { code: error.code, message: error.message } } satisfies ErrorBody);
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${text}`,
    // A slowloris client would keep a half-closed connection open: close it once the answer is out.
    () => socket.destroy(),
  );
}

function clientErrorAnswer(err: NodeJS.ErrnoException, limits: Limits): [number, DbPorterError] {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return [
      408,
      new DbPorterError(
        'REQUEST_TIMEOUT',
        `The request's headers did not arrive whole within ${formatDuration(limits.headersTimeoutMs)}; nothing was done. Send the headers at once, or raise the limit (dbporter serve --headers-timeout, or server.headersTimeoutMs in dbporter.config.json).`,
      ),
    ];
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return [431, new DbPorterError('BAD_ARGUMENT', `The request's headers are larger than the server accepts (${http.maxHeaderSize} bytes); nothing was done. Send fewer or shorter headers.`)];
  }
  return [400, new DbPorterError('BAD_ARGUMENT', `The request is not valid HTTP (${err.code ?? 'unreadable'}); nothing was done.`)];
}

/** Checks per idle period: a stall is cut between one and one and a quarter periods after the last byte. */
const CHECKS_PER_PERIOD = 4;

/**
 * Watches one request while the server waits on its client: for body bytes (the server is reading
 * and the connection is not paused by the server's own backpressure), or for the client to read
 * the response (output is queued that the connection cannot send). When nothing moves for `idleMs`, `onIdle` gets
 * the error to end the request with. Time the server spends on its own work (a snapshot, a slow
 * database) never counts. Stops by itself when the response ends; returns a function to stop it.
 *
 * The watch counts checks in a row that saw no progress rather than measuring time, so an event
 * loop held up by the server's own work (sql.js is synchronous) cannot look like a stalled client.
 */
export function watchIdle(req: http.IncomingMessage, res: http.ServerResponse, idleMs: number, onIdle: (err: DbPorterError) => void): () => void {
  const socket = req.socket;
  // Bytes that crossed the connection: read, and written out (not those still queued for a client that does not read).
  const transferred = () => socket.bytesRead + socket.bytesWritten - socket.writableLength;
  let moved = transferred();
  let still = 0;
  const check = () => {
    if (socket.destroyed) return stop();
    const now = transferred();
    const waitingForBody = !req.complete && !socket.isPaused();
    const waitingForReader = socket.writableLength > 0;
    if (now !== moved || !(waitingForBody || waitingForReader)) {
      moved = now;
      still = 0;
      return;
    }
    if (++still < CHECKS_PER_PERIOD) return;
    stop();
    onIdle(waitingForReader ? readerGone(idleMs) : bodyStalled(idleMs));
  };
  const timer = setInterval(check, Math.max(1, Math.round(idleMs / CHECKS_PER_PERIOD)));
  timer.unref();
  const stop = () => clearInterval(timer);
  res.once('close', stop);
  res.once('finish', stop);
  return stop;
}

function bodyStalled(idleMs: number): DbPorterError {
  return new DbPorterError(
    'REQUEST_TIMEOUT',
    `No bytes of the request body arrived for ${formatDuration(idleMs)}, so the request was cut off; nothing was written. Send the body without long pauses, or raise the limit (dbporter serve --idle-timeout, or server.idleTimeoutMs in dbporter.config.json).`,
  );
}

function readerGone(idleMs: number): DbPorterError {
  return new DbPorterError('REQUEST_TIMEOUT', `The client read nothing of the response for ${formatDuration(idleMs)}, so the response was cut short.`);
}
