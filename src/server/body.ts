import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { cancelled, DbPorterError } from '../core/errors';

/** Request bodies: the size limit, enforced on what arrives (not only on what is announced). */

export function tooLarge(limit: number): DbPorterError {
  return new DbPorterError(
    'BODY_TOO_LARGE',
    `The request body is larger than the server's limit of ${formatBytes(limit)}; nothing was written. Send a smaller dump, or raise the limit (dbporter serve --max-body, or server.maxBodyBytes in dbporter.config.json).`,
  );
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3} GiB`;
  if (n >= 1024 ** 2 && n % 1024 ** 2 === 0) return `${n / 1024 ** 2} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** Refuses a body whose Content-Length already says it is too large, before reading any of it. */
export function checkDeclaredLength(req: IncomingMessage, limit: number): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
}

/** Passes bytes through until there are more than `limit`, then fails with BODY_TOO_LARGE. */
export class BodyLimit extends Transform {
  private seen = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) done(tooLarge(this.limit));
    else done(null, chunk);
  }
}

/**
 * The whole body, for the small JSON ones; too large a body fails as soon as it is. The rest of
 * it is drained rather than the socket destroyed, so the 413 still reaches the caller. The signal
 * ends the wait for a body that stopped arriving.
 */
export function readBody(req: IncomingMessage, limit: number, signal: AbortSignal): Promise<Buffer> {
  checkDeclaredLength(req, limit);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      reject(tooLarge(limit));
    };
    const onAbort = () => reject(abortReason(signal));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      signal.removeEventListener('abort', onAbort);
      if (!req.complete) reject(clientGone());
    });
  });
}

/** Why a request's work was stopped: the error it was aborted with (a stalled body), else a cancellation. */
export function abortReason(signal: AbortSignal): DbPorterError {
  return signal.reason instanceof DbPorterError ? signal.reason : cancelled();
}

export function clientGone(): DbPorterError {
  return new DbPorterError('CANCELLED', 'The client closed the connection before its request was complete; nothing was written.');
}

/** The body parsed as JSON; undefined for an empty body. */
export async function readJson(req: IncomingMessage, limit: number, signal: AbortSignal): Promise<unknown> {
  const text = (await readBody(req, limit, signal)).toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DbPorterError('BAD_ARGUMENT', `The request body is not valid JSON (${(err as Error).message}). Send a JSON object, with Content-Type: application/json.`);
  }
}

export function mediaType(req: IncomingMessage): string {
  return String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}
