import { z } from 'zod';

/**
 * manifest.json, the last entry of every DB Porter zip archive (backups and snapshots): what the
 * archive holds and a checksum of every other entry, so that an archive is verified before anything
 * is restored from it.
 */
export const ARCHIVE_FORMAT = 'dbporter-backup';
export const ARCHIVE_VERSION = 1;
export const MANIFEST_ENTRY = 'manifest.json';

/**
 * The large entries are gzip streams stored as they are: node's zlib compresses in C on its own
 * thread while rows are read, several times faster than deflating inside JSZip.
 */
/** The SQLite file itself (a physical backup), gzipped. */
export const SQLITE_ENTRY = 'database.sqlite.gz';
/** The schema and rows of a server database, in the dump format (NDJSON), gzipped. */
export const DUMP_ENTRY = 'dump.ndjson.gz';
/** Files of the database's folders go under files/<folder as configured>/. */
export const FILES_PREFIX = 'files/';

const entrySchema = z.object({
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const manifestSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  version: z.literal(ARCHIVE_VERSION),
  tool: z.object({ name: z.string(), version: z.string() }),
  createdAt: z.string(),
  /** Why it was made: a backup someone asked for, or the snapshot before an import or restore. */
  reason: z.enum(['backup', 'snapshot-before-import', 'snapshot-before-restore', 'snapshot-before-delete', 'guard']),
  database: z.object({
    name: z.string(),
    engine: z.enum(['sqlite', 'postgres', 'mysql']),
    /** Where it came from, password masked. */
    source: z.string(),
  }),
  /** `sqlite-file` archives hold database.sqlite; `dump` archives hold dump.ndjson. */
  kind: z.enum(['sqlite-file', 'dump', 'empty']),
  rowCounts: z.record(z.string(), z.number().int().nonnegative()),
  /** The database's file folders, as configured (relative to the config file's folder). */
  fileRoots: z.array(z.string()),
  entries: z.record(z.string(), entrySchema),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestEntry = z.infer<typeof entrySchema>;
