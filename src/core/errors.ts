/**
 * The one error class users see. `code` is stable (scripts and the HTTP API switch on it);
 * `message` says what went wrong and what to do about it, with secrets already masked.
 */
export type ErrorCode =
  | 'BAD_URL'
  | 'UNKNOWN_ENGINE'
  | 'CONNECTION_FAILED'
  | 'AUTH_FAILED'
  | 'DATABASE_NOT_FOUND'
  | 'FILE_NOT_FOUND'
  | 'FILE_CHANGED'
  | 'FILE_IN_USE'
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'UNKNOWN_DATABASE'
  | 'ENV_MISSING'
  | 'DUMP_INVALID'
  | 'DUMP_TRUNCATED'
  | 'DUMP_CHECKSUM'
  | 'ARCHIVE_INVALID'
  | 'UNKNOWN_TABLE'
  | 'UNKNOWN_COLUMN'
  | 'BAD_VALUE'
  | 'CONFLICT'
  | 'WRITE_FAILED'
  | 'CANCELLED'
  | 'GUARD_TRIPPED'
  /** A migration was killed half way and its snapshot cannot be put back here. */
  | 'MIGRATION_INTERRUPTED'
  | 'BAD_ARGUMENT'
  | 'UNSUPPORTED'
  // The HTTP admin API's own refusals (BUSY also: a migration runs on the database now).
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'BODY_TOO_LARGE'
  | 'REQUEST_TIMEOUT'
  | 'BUSY'
  | 'TOO_MANY_JOBS';

export class DbPorterError extends Error {
  override readonly name = 'DbPorterError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isDbPorterError(err: unknown, code?: ErrorCode): err is DbPorterError {
  return err instanceof DbPorterError && (code === undefined || err.code === code);
}

export function cancelled(): DbPorterError {
  return new DbPorterError('CANCELLED', 'Cancelled; nothing was written.');
}

/** Throws the cancellation error once the signal has fired; cheap enough to call per batch. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What the operating system's file errors mean for the person, and what to do about them. */
const FILE_ERRORS: Record<string, string> = {
  ENOSPC: 'the disk is full. Free some space, or write somewhere else',
  EDQUOT: 'the disk quota is used up. Free some space, or write somewhere else',
  EFBIG: 'the file would be larger than this file system or process allows. Write somewhere else',
  EROFS: 'the file system is read-only. Write somewhere else',
  EACCES: 'permission was denied. Check the folder\'s permissions, or write somewhere else',
  EPERM: 'the operation was not permitted. Check the folder\'s permissions, or write somewhere else',
  EIO: 'the device reported an input/output error. Check the disk',
};

/**
 * An error from the core or from the system as a DbPorterError: file-system failures (a full disk,
 * a read-only folder) get a plain explanation; anything else passes through unchanged.
 */
export function explainError(err: unknown): unknown {
  if (err instanceof DbPorterError) return err;
  const e = err as NodeJS.ErrnoException;
  const meaning = e && typeof e.code === 'string' ? FILE_ERRORS[e.code] : undefined;
  if (!meaning) return err;
  const where = e.path ? ` (${e.path})` : '';
  return new DbPorterError('WRITE_FAILED', `Could not write${where}: ${meaning}. Nothing was written (${e.code}).`, { cause: err });
}
