import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DatabaseHolder } from './databases';
import type { ImportLocks } from './import-locks';

/** What a route gets for one request. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Fires when the client goes away or the server stops: the work stops and rolls back. */
  signal: AbortSignal;
  databases: DatabaseHolder;
  imports: ImportLocks;
  maxBodyBytes: number;
  /** A line for the server's log; already free of secrets when it gets here. */
  log(line: string): void;
}
