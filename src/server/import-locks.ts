import type { ResolvedDatabase } from '../core/config';
import { DbPorterError } from '../core/errors';
import { describeLocation, parseUrl } from '../core/url';

/**
 * One import at a time per database. Two imports into one target would each take a snapshot and
 * race for its tables; the second is refused at once, so its caller can retry, rather than queued.
 */
export class ImportLocks {
  private readonly held = new Set<string>();

  /** Takes the database's lock, or throws BUSY; returns the release function. */
  acquire(db: ResolvedDatabase): () => void {
    const key = databaseKey(db);
    if (this.held.has(key)) {
      throw new DbPorterError('BUSY', `An import into ${db.name} is already running. One import at a time per database: send this one again when it has finished.`);
    }
    this.held.add(key);
    let released = false;
    return () => {
      if (!released) this.held.delete(key);
      released = true;
    };
  }
}

/** The same database reached under two config names is still one database. */
function databaseKey(db: ResolvedDatabase): string {
  const location = parseUrl(db.url, db.baseDir);
  return `${location.engine}:${describeLocation(location)}`;
}
