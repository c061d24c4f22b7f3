import { z } from 'zod';

/**
 * The portable schema model: what a table looks like, independent of the engine it lives in.
 * Dumps carry it, adapters produce it by introspection and consume it to create tables.
 * docs/types.md has the table of how each portable type maps onto each engine.
 */
export const PORTABLE_TYPES = [
  'boolean',
  'smallint',
  'integer',
  'bigint',
  'decimal',
  'real',
  'double',
  'text',
  'bytes',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'json',
  'uuid',
] as const;

export type PortableType = (typeof PORTABLE_TYPES)[number];

const engineSchema = z.enum(['sqlite', 'postgres', 'mysql']);

/**
 * Native types and default expressions from a dump end up inside CREATE TABLE; a dump is input
 * from outside, so anything that could end a statement or open a comment is refused.
 */
const sqlFragment = z
  .string()
  .min(1)
  .max(500)
  .refine((s) => !/;|--|\/\*|\*\//.test(s), { message: 'must not contain ";", "--" or comments' });

const referentialAction = z.enum(['CASCADE', 'SET NULL', 'SET DEFAULT', 'RESTRICT', 'NO ACTION']);

/** Column defaults: literals and "now" travel between engines; other expressions only to their own engine. */
export const defaultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('literal'), value: z.union([z.string(), z.number(), z.boolean()]) }),
  z.object({ kind: z.literal('now') }),
  z.object({ kind: z.literal('expression'), engine: engineSchema, sql: sqlFragment }),
]);
export type ColumnDefault = z.infer<typeof defaultSchema>;

export const columnSchema = z.object({
  name: z.string().min(1),
  type: z.enum(PORTABLE_TYPES),
  nullable: z.boolean(),
  /** Character length for text, when the engine declared one. */
  length: z.number().int().positive().optional(),
  precision: z.number().int().positive().optional(),
  scale: z.number().int().nonnegative().optional(),
  /** Auto-increment, identity or serial: the engine numbers new rows. */
  autoIncrement: z.boolean().optional(),
  default: defaultSchema.optional(),
  /** The declared type on the source engine; used verbatim when the target is the same engine. */
  native: z.object({ engine: engineSchema, type: sqlFragment }).optional(),
});
export type Column = z.infer<typeof columnSchema>;

export const foreignKeySchema = z.object({
  name: z.string().optional(),
  columns: z.array(z.string()).min(1),
  references: z.object({ table: z.string(), columns: z.array(z.string()).min(1) }),
  onDelete: referentialAction.optional(),
  onUpdate: referentialAction.optional(),
});
export type ForeignKey = z.infer<typeof foreignKeySchema>;

export const uniqueSchema = z.object({ name: z.string().optional(), columns: z.array(z.string()).min(1) });
export type UniqueConstraint = z.infer<typeof uniqueSchema>;

export const indexSchema = z.object({
  name: z.string(),
  columns: z.array(z.string()).min(1),
  unique: z.boolean(),
});
export type Index = z.infer<typeof indexSchema>;

export const tableSchema = z.object({
  name: z.string().min(1),
  columns: z.array(columnSchema).min(1),
  primaryKey: z.array(z.string()),
  uniques: z.array(uniqueSchema),
  foreignKeys: z.array(foreignKeySchema),
  /** Plain and unique indexes that are not constraints of their own. */
  indexes: z.array(indexSchema),
});
export type Table = z.infer<typeof tableSchema>;

export const schemaSchema = z.object({
  engine: engineSchema,
  tables: z.array(tableSchema),
});
export type DatabaseSchema = z.infer<typeof schemaSchema>;

/** What an engine's type mapper reads off a native type: the portable type and its size. */
export interface PortableShape {
  type: PortableType;
  length?: number;
  precision?: number;
  scale?: number;
}

export function decimalShape(precision: number | undefined, scale: number | undefined): PortableShape {
  return { type: 'decimal', ...(precision !== undefined ? { precision } : {}), ...(scale !== undefined ? { scale } : {}) };
}

/** A row travels as an array of portable values, in the order of its table's columns. */
export type Row = unknown[];

export function findTable(schema: DatabaseSchema, name: string): Table | undefined {
  return schema.tables.find((t) => t.name === name);
}
