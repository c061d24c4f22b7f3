import { z } from 'zod';
import { schemaNoteSchema, schemaSchema, type Column, type Row } from '../schema/model';
import type { NativeFormat } from '../engines/adapter';
import type { BulkPiece } from './bulk-text';

/**
 * Dump format version 2 (see docs/dump-format.md); version 1 dumps are read too (header.ts).
 * Three containers, one content:
 *
 * JSON    { "metadata": {...}, "schema": {...}, "data": { "<table>": [ {row}, ... ], ... } }
 * NDJSON  {"metadata": {...}, "schema": {...}}         header line
 *         {"table": "<table>", "row": {...}}            one line per row
 *         {"trailer": {"rowCounts": {...}, "checksum": "sha256:<hex>"}}
 *         The checksum covers every byte before the trailer line; a file without a trailer is
 *         truncated and refused.
 */
export const FORMAT_NAME = 'dbporter-dump';
export const FORMAT_VERSION = 2;
/** The versions a reader takes; an older one is brought up to date as its header is read (header.ts). */
export const READABLE_VERSIONS = [1, 2] as const;

/**
 * The longest row (an NDJSON line, a JSON row object) a reader accepts: the row is held in memory
 * whole, so a longer one (a damaged file, or a bomb) is refused rather than allowed to exhaust it.
 */
export const MAX_ROW_CHARS = 256 * 1024 * 1024;

export type DumpFormat = 'json' | 'ndjson';
export const DUMP_FORMATS: readonly DumpFormat[] = ['json', 'ndjson'];

export const metadataSchema = z.object({
  format: z.literal(FORMAT_NAME),
  version: z.literal(FORMAT_VERSION),
  tool: z.object({ name: z.string(), version: z.string() }),
  source: z.object({ engine: z.enum(['sqlite', 'postgres', 'mysql']), database: z.string() }),
  createdAt: z.string(),
  options: z.object({ tables: z.array(z.string()).optional() }).passthrough(),
  /** Rows per table, counted in the same snapshot the rows were read from. */
  rowCounts: z.record(z.string(), z.number().int().nonnegative()),
  /** Rewritten ids (partial exports); absent when nothing was rewritten. */
  idSubstitutions: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  /** What the export adapted or could not carry (schema/report.ts). */
  report: z.array(schemaNoteSchema).optional(),
});
export type DumpMetadata = z.infer<typeof metadataSchema>;

export const headerSchema = z.object({ metadata: metadataSchema, schema: schemaSchema });
export type DumpHeader = z.infer<typeof headerSchema>;

export const trailerSchema = z.object({
  trailer: z.object({
    rowCounts: z.record(z.string(), z.number().int().nonnegative()),
    checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  }),
});
export type DumpTrailer = z.infer<typeof trailerSchema>['trailer'];

/**
 * What a reader hands out: the header first, then rows table by table, already validated: as
 * values, or, for tables the caller asked for so (ReadOptions.bulk), as the target's bulk text.
 */
export type DumpEvent =
  | { kind: 'header'; header: DumpHeader }
  | { kind: 'rows'; table: string; rows: unknown[][] }
  | { kind: 'bulk'; table: string; piece: BulkPiece };

/**
 * A whole table's rows at once, as an archive that keeps each table apart gives them (a PostgreSQL
 * backup): as rows of portable values for any engine, or, when they are stored in an engine's own
 * bulk text, also as those bytes, which a target of that engine loads as they are. Each can be
 * read once; nothing is read until then.
 */
export interface TableEvent {
  kind: 'table';
  table: string;
  /** How many rows the archive says the table holds: reading them must find as many. */
  rows: number;
  /** The columns of its rows: those the backup read (a generated column's values are computed, not kept). */
  columns: Column[];
  batches(signal?: AbortSignal): AsyncIterable<Row[]>;
  native?: { format: NativeFormat; bytes(): AsyncIterable<Buffer> };
}

/** What an import reads: a dump's events, or an archive's whole tables (../archive/contents.ts). */
export type ImportEvent = DumpEvent | TableEvent;

/** Picks a format from a file name; JSON unless the name says NDJSON. */
export function formatFromPath(file: string): DumpFormat {
  return /\.(ndjson|jsonl)(\.gz)?$/i.test(file) ? 'ndjson' : 'json';
}

/**
 * What export writes and import reads: a dump as such, or a zip archive holding an NDJSON dump and
 * the files its rows name (see ../export-archive.ts).
 */
export type Container = DumpFormat | 'zip';
export const CONTAINERS: readonly Container[] = [...DUMP_FORMATS, 'zip'];

/** Picks a container from a file name: zip for .zip, otherwise as formatFromPath. */
export function containerFromPath(file: string): Container {
  return /\.zip$/i.test(file) ? 'zip' : formatFromPath(file);
}
