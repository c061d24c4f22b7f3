import { DbPorterError } from '../core/errors';

/**
 * A cap on the exports, imports and refreshes running at once. Each holds a database connection
 * (and on SQLite a copy of the file in memory), so a flood of requests would exhaust the machine
 * or the database's connections. Beyond the cap a request is refused at once (503, Retry-After)
 * rather than queued: a queue without bound is the same exhaustion, only later.
 */
export class JobSlots {
  private taken = 0;

  constructor(readonly limit: number) {}

  /** Jobs running now. */
  get running(): number {
    return this.taken;
  }

  /** Takes a slot, or throws TOO_MANY_JOBS; returns the release function. */
  take(): () => void {
    if (this.taken >= this.limit) {
      throw new DbPorterError(
        'TOO_MANY_JOBS',
        `The server is already running ${this.limit} jobs (exports, imports, refreshes), as many as it allows; nothing was done. Send this request again in a few seconds, or raise the limit (dbporter serve --max-jobs, or server.maxJobs in dbporter.config.json).`,
      );
    }
    this.taken++;
    let released = false;
    return () => {
      if (!released) this.taken--;
      released = true;
    };
  }
}
