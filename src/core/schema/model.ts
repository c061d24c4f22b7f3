import { z } from 'zod';

/**
 * The portable schema model: what a database holds besides its rows, independent of the engine it
 * lives in. Adapters produce it by introspection and create from it; dumps and backups carry it.
 *
 * Two layers in one model:
 * - the portable part (each column's portable type, keys, foreign keys, plain indexes), which
 *   every engine can read and create;
 * - what only the source engine can recreate as it was (native types, collations, expressions,
 *   views, triggers, functions, partitions, ...), each tagged with its engine. Between two
 *   databases of one engine they are recreated exactly; into another engine they are mapped where
 *   a mapping exists and otherwise named in the report as not carried (schema/adapt.ts).
 *
 * A dump is input from outside. Nothing in this model reaches SQL text as it is: native types are
 * rebuilt from their parts by the engine's grammar (engines/x/types.ts), expressions are parsed and
 * rendered again (../sql), and whole statements (views, triggers, functions, rules) run only from
 * a trusted source (a copy, a restore, or an import with --trust-dump).
 *
 * docs/types.md has the type tables; docs/fidelity.md what travels between which engines.
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
  'geometry',
] as const;

export type PortableType = (typeof PORTABLE_TYPES)[number];

export const ENGINES = ['sqlite', 'postgres', 'mysql'] as const;
export const engineSchema = z.enum(ENGINES);

/** A name from a database or a dump: any text an engine allows in a quoted identifier. */
export const identifierSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((s) => !s.includes('\u0000'), { message: 'must not contain a NUL character' });

/**
 * SQL text in one engine's dialect, exactly as that engine printed it. An expression (a default, a
 * CHECK, a generated column, an index part) is parsed and rendered again before it is used; a
 * statement (a view's query, a trigger, a function) is run only from a trusted source.
 */
export const sqlTextSchema = z.object({
  engine: engineSchema,
  sql: z.string().min(1).max(1024 * 1024),
});
export type SqlText = z.infer<typeof sqlTextSchema>;

/** A word of a type name or modifier: letters, digits and underscores. */
const typeWord = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a word of letters, digits and underscores');

/**
 * A column's type as its engine declares it, in parts: each engine's types.ts checks the name
 * against its grammar and writes the type from the parts, never from a string of SQL.
 *
 *   varchar(20)              { name: 'varchar', args: [20] }              (MySQL)
 *   character varying(20)[]  { name: 'character varying', args: [20], array: 1 }  (PostgreSQL)
 *   geometry(Point,4326)     { name: 'geometry', args: ['Point', 4326], user: true, schema: 'public' }
 *   enum('a','b')            { name: 'enum', labels: ['a', 'b'] }        (MySQL)
 *   "mood"                   { name: 'mood', user: true }                 (a PostgreSQL enum)
 */
export const nativeTypeSchema = z
  .object({
    engine: engineSchema,
    /** A built-in type in the engine's own words, or with `user`, the name of a user-defined type. */
    name: z.string().min(1).max(256),
    /** Type modifiers: numbers (lengths, precisions), or words where an extension's type takes them. */
    args: z.array(z.union([z.number().int().min(-1_000_000_000).max(1_000_000_000), typeWord])).max(4).optional(),
    /** A user-defined type (enum, domain, composite, an extension's type), written as a quoted name. */
    user: z.literal(true).optional(),
    /** PostgreSQL: the schema of a user-defined type that is not in the table's own schema. */
    schema: identifierSchema.optional(),
    /** PostgreSQL: array dimensions. */
    array: z.number().int().min(1).max(6).optional(),
    /** MySQL: the members of an ENUM or SET. */
    labels: z.array(z.string().max(65_535)).max(65_535).optional(),
    /** MySQL: UNSIGNED, ZEROFILL, and the column's character set. */
    unsigned: z.literal(true).optional(),
    zerofill: z.literal(true).optional(),
    charset: typeWord.optional(),
  })
  .strict();
export type NativeType = z.infer<typeof nativeTypeSchema>;

/** A collation by name, in the terms of the engine that has it ("C", "utf8mb4_unicode_ci", NOCASE). */
export const collationRefSchema = z.object({ engine: engineSchema, name: identifierSchema }).strict();
export type CollationRef = z.infer<typeof collationRefSchema>;

/** A decimal integer as text: sequence bounds and values exceed 2^53. */
const integerText = z.string().regex(/^-?\d{1,20}$/, 'must be an integer');

const referentialAction = z.enum(['CASCADE', 'SET NULL', 'SET DEFAULT', 'RESTRICT', 'NO ACTION']);
export type ReferentialAction = z.infer<typeof referentialAction>;

/** When a deferrable constraint is checked by default: at each statement, or at commit. */
const deferrable = z.enum(['immediate', 'deferred']);

/**
 * What a column default means, so that it can be written in any engine's terms; `sql` keeps the
 * source engine's own text, which a target of the same engine writes instead (for exactness).
 *
 * literal     a constant (typed by the column: 0 in a boolean column is false)
 * now         the current date and time (CURRENT_TIMESTAMP, now(), datetime('now'), ...)
 * uuid        a new random UUID (gen_random_uuid(), uuid())
 * sequence    the next value of the schema's sequence `sequence` (PostgreSQL serial columns)
 * expression  anything else: only its own engine can run it
 */
export const defaultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('literal'), value: z.union([z.string(), z.number(), z.boolean()]), sql: sqlTextSchema.optional() }).strict(),
  z.object({ kind: z.literal('now'), sql: sqlTextSchema.optional() }).strict(),
  z.object({ kind: z.literal('uuid'), sql: sqlTextSchema.optional() }).strict(),
  z.object({ kind: z.literal('sequence'), sequence: identifierSchema, sql: sqlTextSchema.optional() }).strict(),
  z.object({ kind: z.literal('expression'), engine: engineSchema, sql: z.string().min(1).max(65_536) }).strict(),
]);
export type ColumnDefault = z.infer<typeof defaultSchema>;

/** A sequence's settings (PostgreSQL, MariaDB); integers as text because they reach 2^63. */
export const sequenceOptionsSchema = z
  .object({
    type: z.enum(['smallint', 'integer', 'bigint']).optional(),
    start: integerText.optional(),
    increment: integerText.optional(),
    min: integerText.optional(),
    max: integerText.optional(),
    cache: integerText.optional(),
    cycle: z.boolean().optional(),
  })
  .strict();
export type SequenceOptions = z.infer<typeof sequenceOptionsSchema>;

export const columnSchema = z
  .object({
    name: identifierSchema,
    type: z.enum(PORTABLE_TYPES),
    nullable: z.boolean(),
    /** Character length for text, when the engine declared one. */
    length: z.number().int().positive().optional(),
    precision: z.number().int().positive().optional(),
    scale: z.number().int().nonnegative().optional(),
    /** Auto-increment, identity or serial: the engine numbers new rows. */
    autoIncrement: z.boolean().optional(),
    /** PostgreSQL identity columns: GENERATED ALWAYS or BY DEFAULT, and their sequence's name and settings. */
    identity: z.object({ always: z.boolean(), sequence: identifierSchema.optional(), options: sequenceOptionsSchema.optional() }).strict().optional(),
    default: defaultSchema.optional(),
    /** MySQL's ON UPDATE CURRENT_TIMESTAMP: the column takes the current time whenever its row changes. */
    onUpdate: z.literal('now').optional(),
    /** A generated (computed) column: its expression, and whether its values are stored. */
    generated: z.object({ sql: sqlTextSchema, stored: z.boolean() }).strict().optional(),
    collation: collationRefSchema.optional(),
    comment: z.string().max(65_536).optional(),
    /** PostgreSQL: the column comes from a parent table (INHERITS) and is not declared by this one. */
    inherited: z.literal(true).optional(),
    /** The declared type on the source engine, in parts (see nativeTypeSchema). */
    native: nativeTypeSchema.optional(),
  })
  .strict();
export type Column = z.infer<typeof columnSchema>;

export const foreignKeySchema = z
  .object({
    name: identifierSchema.optional(),
    columns: z.array(identifierSchema).min(1),
    references: z.object({ table: identifierSchema, columns: z.array(identifierSchema).min(1) }).strict(),
    onDelete: referentialAction.optional(),
    onUpdate: referentialAction.optional(),
    match: z.enum(['full', 'partial']).optional(),
    deferrable: deferrable.optional(),
  })
  .strict();
export type ForeignKey = z.infer<typeof foreignKeySchema>;

export const uniqueSchema = z
  .object({
    name: identifierSchema.optional(),
    columns: z.array(identifierSchema).min(1),
    /** PostgreSQL 15's NULLS NOT DISTINCT: two NULLs collide. */
    nullsNotDistinct: z.literal(true).optional(),
    deferrable: deferrable.optional(),
  })
  .strict();
export type UniqueConstraint = z.infer<typeof uniqueSchema>;

/** One part of an index that is more than a plain column in ascending order. */
export const indexPartSchema = z
  .object({
    column: identifierSchema.optional(),
    /** An expression instead of a column. */
    expression: sqlTextSchema.optional(),
    descending: z.literal(true).optional(),
    nullsFirst: z.boolean().optional(),
    /** MySQL prefix indexes: the first `length` characters (or bytes) of the column. */
    length: z.number().int().positive().optional(),
    /** PostgreSQL operator class, such as text_pattern_ops or gin_trgm_ops. */
    opclass: typeWord.optional(),
    collation: collationRefSchema.optional(),
  })
  .strict()
  .refine((p) => (p.column === undefined) !== (p.expression === undefined), { message: 'an index part has a column or an expression' });
export type IndexPart = z.infer<typeof indexPartSchema>;

/** How an index is built: what creates it in its engine (USING gin, FULLTEXT KEY, ...). */
export const INDEX_METHODS = ['btree', 'hash', 'gin', 'gist', 'spgist', 'brin', 'fulltext', 'spatial'] as const;
export type IndexMethod = (typeof INDEX_METHODS)[number];

export const indexSchema = z
  .object({
    name: identifierSchema,
    /** The index's columns when it is a plain one: each a column, ascending. */
    columns: z.array(identifierSchema),
    unique: z.boolean(),
    /** Every part, when any is more than a plain ascending column (then `columns` holds only the plain ones). */
    parts: z.array(indexPartSchema).min(1).optional(),
    /** The build method where it is not the engine's default (a B-tree). */
    method: z.enum(INDEX_METHODS).optional(),
    /** A partial index: the rows it covers. */
    where: sqlTextSchema.optional(),
    /** PostgreSQL INCLUDE columns. */
    include: z.array(identifierSchema).optional(),
    /** The engine that defined parts, method or predicate (their meaning is that engine's). */
    engine: engineSchema.optional(),
  })
  .strict()
  .refine((i) => i.columns.length > 0 || (i.parts?.length ?? 0) > 0, { message: 'an index has at least one column or part' });
export type Index = z.infer<typeof indexSchema>;

export const checkSchema = z
  .object({
    name: identifierSchema.optional(),
    sql: sqlTextSchema,
    /** PostgreSQL NO INHERIT: the check holds for this table only, not its children. */
    noInherit: z.literal(true).optional(),
  })
  .strict();
export type CheckConstraint = z.infer<typeof checkSchema>;

/** A constraint that only its engine can state (a PostgreSQL EXCLUDE): its definition as the engine printed it. */
export const engineConstraintSchema = z.object({ name: identifierSchema, sql: sqlTextSchema }).strict();
export type EngineConstraint = z.infer<typeof engineConstraintSchema>;

/**
 * How a partitioned table splits its rows: the method and key as the engine printed them
 * (PostgreSQL: "RANGE (created_at)"; MySQL: method RANGE and expression "year(`created_at`)").
 */
export const partitioningSchema = z
  .object({
    engine: engineSchema,
    method: z.enum(['range', 'list', 'hash', 'key']),
    /** RANGE COLUMNS / LIST COLUMNS and KEY (MySQL), or a plain column key (PostgreSQL). */
    columns: z.array(identifierSchema).optional(),
    /** The key when it is an expression (or, in PostgreSQL, anything beyond plain columns). */
    expression: z.string().min(1).max(65_536).optional(),
    /** MySQL LINEAR HASH / LINEAR KEY. */
    linear: z.literal(true).optional(),
  })
  .strict();
export type Partitioning = z.infer<typeof partitioningSchema>;

export interface Partition {
  name: string;
  /** The partition's bound as its engine prints it: "FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')", "VALUES LESS THAN (2000)". */
  bound: SqlText;
  /** A partition that is itself partitioned (PostgreSQL), and its partitions. */
  partitioning?: Partitioning;
  partitions?: Partition[];
}
export const partitionSchema: z.ZodType<Partition> = z.lazy(() =>
  z
    .object({
      name: identifierSchema,
      bound: sqlTextSchema,
      partitioning: partitioningSchema.optional(),
      partitions: z.array(partitionSchema).optional(),
    })
    .strict(),
);

/** Table options of one engine that have no portable meaning. */
export const tableOptionsSchema = z
  .object({
    engine: engineSchema,
    /** MySQL: ENGINE, DEFAULT CHARSET, COLLATE and ROW_FORMAT. */
    storageEngine: typeWord.optional(),
    charset: typeWord.optional(),
    collation: typeWord.optional(),
    rowFormat: typeWord.optional(),
    /** PostgreSQL UNLOGGED. */
    unlogged: z.literal(true).optional(),
    /** SQLite WITHOUT ROWID and STRICT. */
    withoutRowid: z.literal(true).optional(),
    strict: z.literal(true).optional(),
  })
  .strict();
export type TableOptions = z.infer<typeof tableOptionsSchema>;

export const tableSchema = z
  .object({
    name: identifierSchema,
    columns: z.array(columnSchema).min(1),
    primaryKey: z.array(identifierSchema),
    /** The primary key constraint's name, where the engine names it. */
    primaryKeyName: identifierSchema.optional(),
    uniques: z.array(uniqueSchema),
    foreignKeys: z.array(foreignKeySchema),
    /** Indexes that are not constraints of their own. */
    indexes: z.array(indexSchema),
    checks: z.array(checkSchema).optional(),
    /** Constraints only the source engine can state (PostgreSQL EXCLUDE). */
    constraints: z.array(engineConstraintSchema).optional(),
    /** A partitioned table: how it splits its rows, and its partitions (whose rows it reads and writes). */
    partitioning: partitioningSchema.optional(),
    partitions: z.array(partitionSchema).optional(),
    /** PostgreSQL table inheritance: the parents, in order. */
    inherits: z.array(identifierSchema).optional(),
    comment: z.string().max(65_536).optional(),
    options: tableOptionsSchema.optional(),
  })
  .strict();
export type Table = z.infer<typeof tableSchema>;

/** A PostgreSQL enum type. */
export const enumTypeSchema = z.object({ kind: z.literal('enum'), name: identifierSchema, labels: z.array(z.string().max(1024)).max(65_535), comment: z.string().optional() }).strict();
/** A PostgreSQL domain: a base type with a NOT NULL, a default and checks of its own. */
export const domainTypeSchema = z
  .object({
    kind: z.literal('domain'),
    name: identifierSchema,
    base: nativeTypeSchema,
    /** The base's portable shape, so that other engines can take the domain as its base type. */
    portable: z.object({ type: z.enum(PORTABLE_TYPES), length: z.number().int().positive().optional(), precision: z.number().int().positive().optional(), scale: z.number().int().nonnegative().optional() }).strict(),
    nullable: z.boolean(),
    default: defaultSchema.optional(),
    checks: z.array(checkSchema),
    collation: collationRefSchema.optional(),
    comment: z.string().optional(),
  })
  .strict();
/** A PostgreSQL composite type. */
export const compositeTypeSchema = z
  .object({
    kind: z.literal('composite'),
    name: identifierSchema,
    attributes: z.array(z.object({ name: identifierSchema, native: nativeTypeSchema, collation: collationRefSchema.optional() }).strict()).min(1),
    comment: z.string().optional(),
  })
  .strict();
export const userTypeSchema = z.discriminatedUnion('kind', [enumTypeSchema, domainTypeSchema, compositeTypeSchema]);
export type UserType = z.infer<typeof userTypeSchema>;
export type EnumType = z.infer<typeof enumTypeSchema>;
export type DomainType = z.infer<typeof domainTypeSchema>;
export type CompositeType = z.infer<typeof compositeTypeSchema>;

/** A sequence of its own (PostgreSQL, MariaDB), with the value it has reached. */
export const sequenceSchema = z
  .object({
    name: identifierSchema,
    options: sequenceOptionsSchema,
    /** The last value handed out, when any was. */
    last: integerText.optional(),
    /** The column whose sequence it is (OWNED BY): dropped with it. */
    ownedBy: z.object({ table: identifierSchema, column: identifierSchema }).strict().optional(),
  })
  .strict();
export type Sequence = z.infer<typeof sequenceSchema>;

/** A view: its query, as its engine printed it (the SELECT, not the CREATE statement). */
export const viewSchema = z
  .object({
    name: identifierSchema,
    query: sqlTextSchema,
    /** The view's own column names, where it declares them. */
    columns: z.array(identifierSchema).optional(),
    materialized: z.literal(true).optional(),
    /** WITH [LOCAL | CASCADED] CHECK OPTION. */
    checkOption: z.enum(['local', 'cascaded']).optional(),
    /** PostgreSQL view options (security_barrier, security_invoker) and MySQL's SQL SECURITY / ALGORITHM, as words. */
    options: z.record(z.string().regex(/^[a-z_]+$/), typeWord).optional(),
    comment: z.string().optional(),
  })
  .strict();
export type View = z.infer<typeof viewSchema>;

/**
 * A function, procedure, trigger or rule: the whole statement that creates it, as its engine
 * printed it. Only its own engine can run it, and only from a trusted source.
 */
export const routineSchema = z
  .object({
    kind: z.enum(['function', 'procedure']),
    name: identifierSchema,
    /** Its argument types, for telling overloads apart in reports: "(integer, text)". */
    signature: z.string().max(4096).optional(),
    definition: sqlTextSchema,
  })
  .strict();
export type Routine = z.infer<typeof routineSchema>;

export const triggerSchema = z.object({ name: identifierSchema, table: identifierSchema, definition: sqlTextSchema }).strict();
export type Trigger = z.infer<typeof triggerSchema>;

export const ruleSchema = z.object({ name: identifierSchema, table: identifierSchema, definition: sqlTextSchema }).strict();
export type Rule = z.infer<typeof ruleSchema>;

/** A PostgreSQL extension the database has installed (postgis, citext, ...). */
export const extensionSchema = z.object({ name: typeWord, version: z.string().max(64).optional(), schema: identifierSchema.optional() }).strict();
export type Extension = z.infer<typeof extensionSchema>;

/** A PostgreSQL collation made with CREATE COLLATION: its parts, never SQL. */
export const collationSchema = z
  .object({
    name: identifierSchema,
    provider: z.enum(['icu', 'libc']),
    locale: z.string().regex(/^[A-Za-z0-9_.@=;-]{0,128}$/).optional(),
    lcCollate: z.string().regex(/^[A-Za-z0-9_.@=;-]{0,128}$/).optional(),
    lcCtype: z.string().regex(/^[A-Za-z0-9_.@=;-]{0,128}$/).optional(),
    deterministic: z.boolean(),
  })
  .strict();
export type Collation = z.infer<typeof collationSchema>;

/** Something a schema holds, as reports name it. */
export const OBJECT_KINDS = [
  'table',
  'column',
  'type',
  'enum',
  'domain',
  'composite type',
  'collation',
  'sequence',
  'default',
  'generated column',
  'primary key',
  'unique constraint',
  'foreign key',
  'check constraint',
  'constraint',
  'index',
  'partitioning',
  'partition',
  'inheritance',
  'view',
  'materialized view',
  'function',
  'procedure',
  'trigger',
  'rule',
  'extension',
  'comment',
  'table option',
  'policy',
  'event',
  'schema',
  'privilege',
] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

/**
 * One line of a schema report: something that was adapted to the target (and how), or that was
 * not carried (and why). Introspection adds notes for what the model cannot hold at all.
 */
export const schemaNoteSchema = z
  .object({
    action: z.enum(['adapted', 'not carried']),
    kind: z.enum(OBJECT_KINDS),
    /** The object's name; for a column or constraint, its own name (the table is in `table`). */
    name: z.string().max(1024),
    table: z.string().max(1024).optional(),
    reason: z.string().max(4096),
  })
  .strict();
export type SchemaNote = z.infer<typeof schemaNoteSchema>;

export const schemaSchema = z
  .object({
    engine: engineSchema,
    tables: z.array(tableSchema),
    types: z.array(userTypeSchema).optional(),
    collations: z.array(collationSchema).optional(),
    sequences: z.array(sequenceSchema).optional(),
    views: z.array(viewSchema).optional(),
    routines: z.array(routineSchema).optional(),
    triggers: z.array(triggerSchema).optional(),
    rules: z.array(ruleSchema).optional(),
    extensions: z.array(extensionSchema).optional(),
    /** What the source holds that the model cannot carry at all, found when it was read. */
    notes: z.array(schemaNoteSchema).optional(),
  })
  .strict();
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

/** The columns of an index that holds plain columns only (no expression, no predicate): what can collide. */
export function plainIndexColumns(index: Index): string[] | undefined {
  if (index.where) return undefined;
  if (!index.parts) return index.columns;
  if (index.parts.some((p) => p.column === undefined || p.length !== undefined)) return undefined;
  return index.parts.map((p) => p.column!);
}

/** The columns rows are written to: a generated column computes its own values. */
export function writableColumns(table: Table): Column[] {
  return table.columns.filter((c) => !c.generated);
}
