import { z } from 'zod';
import { TOOL } from '../version';

/**
 * manifest.json, the last entry of every DB Porter zip archive (backups, snapshots and zip exports):
 * what the archive holds and a checksum of every other entry, so that an archive is verified before
 * anything is restored or imported from it.
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
/**
 * Server backups in the engine's own bulk text (kinds `postgres-copy`, `mysql-tsv`): the dump header
 * (metadata and schema, as the first line of an NDJSON dump holds them), then each table's rows in
 * PostgreSQL's COPY text or MySQL's LOAD DATA text, gzipped, table n of the schema in
 * tables/<n>.copy.gz or tables/<n>.tsv.gz (a number, since table names may hold any character).
 */
export const SCHEMA_ENTRY = 'schema.json';
export const NATIVE_KINDS = ['postgres-copy', 'mysql-tsv'] as const;
export type NativeKind = (typeof NATIVE_KINDS)[number];
export function isNativeKind(kind: string): kind is NativeKind {
  return (NATIVE_KINDS as readonly string[]).includes(kind);
}
export function tableEntry(n: number, kind: NativeKind): string {
  return `tables/${n}.${kind === 'mysql-tsv' ? 'tsv' : 'copy'}.gz`;
}
/** Files go under files/<n>/, n the folder's place in the manifest's fileRoots. */
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
  /**
   * Why it was made: a backup someone asked for, the snapshot before an import or restore, or a zip
   * export (`dbporter export out.zip`), which is imported rather than restored.
   */
  reason: z.enum(['backup', 'snapshot-before-import', 'snapshot-before-restore', 'snapshot-before-delete', 'snapshot-before-migrate', 'guard', 'export']),
  database: z.object({
    name: z.string(),
    engine: z.enum(['sqlite', 'postgres', 'mysql']),
    /** Where it came from, password masked. */
    source: z.string(),
  }),
  /**
   * `sqlite-file` archives hold database.sqlite; `dump` archives hold dump.ndjson (zip exports, and
   * server backups of earlier versions); `postgres-copy` and `mysql-tsv` archives hold schema.json
   * and a table an entry under tables/; `empty` ones no rows (a SQLite file that did not exist).
   */
  kind: z.enum(['sqlite-file', 'dump', ...NATIVE_KINDS, 'empty']),
  rowCounts: z.record(z.string(), z.number().int().nonnegative()),
  /**
   * The file folders, as configured (relative to the config file's folder): a backup's `files`, or
   * the distinct roots of an export's file columns.
   */
  fileRoots: z.array(z.string()),
  /** Exports: which folder of fileRoots (by index) holds each file column's files, by "table.column". */
  fileColumns: z.record(z.string(), z.number().int().nonnegative()).optional(),
  entries: z.record(z.string(), entrySchema),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestEntry = z.infer<typeof entrySchema>;

/** A manifest for an archive this version writes now: format, version, tool and time filled in. */
export function newManifest(fields: Omit<Manifest, 'format' | 'version' | 'tool' | 'createdAt'>): Manifest {
  return { format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, tool: { ...TOOL }, createdAt: new Date().toISOString(), ...fields };
}
