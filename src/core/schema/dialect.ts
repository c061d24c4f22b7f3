import type { Engine } from '../url';
import type { Column, NativeType, Table } from './model';
import type { TargetSchema } from './adapt';

/**
 * The parts of a schema an engine's DDL (engines/x/ddl.ts) recreates, beyond tables with their
 * portable columns, keys, foreign keys and plain indexes. adapt.ts keeps a part for a target only
 * where the target's engine names it here; anything else is reported, never dropped in silence.
 */
export const FEATURES = [
  'native types',
  'enum types',
  'domains',
  'composite types',
  'collations',
  'column collations',
  'sequences',
  'identity',
  'expression defaults',
  'on update now',
  'generated columns',
  'checks',
  'engine constraints',
  'deferrable constraints',
  'nulls not distinct',
  'index parts',
  'index methods',
  'partial indexes',
  'index include',
  'partitions',
  'inheritance',
  'table options',
  'comments',
  'views',
  'materialized views',
  'routines',
  'triggers',
  'rules',
  'extensions',
] as const;
export type Feature = (typeof FEATURES)[number];

/**
 * What the engine-neutral code needs to know of an engine to write a schema for it (Kysely's
 * Dialect in spirit): what its DDL can recreate and how its types are written. Each engine folder
 * has one (engines/x/dialect.ts).
 */
export interface Dialect {
  readonly engine: Engine;
  /** What this engine's DDL recreates of a schema read from this same engine. */
  readonly features: ReadonlySet<Feature>;
  /** Reads a type as this engine's catalog prints it into parts; throws SchemaProblem outside its grammar. */
  parseType(text: string): NativeType;
  /** Writes a native type of this engine from its parts; throws SchemaProblem for parts outside its grammar. */
  renderType(native: NativeType): string;
  /**
   * Why a column of this engine does not keep its meaning as its portable type elsewhere (an
   * interval travels as text, a YEAR as a smallint), or undefined where the portable type holds it.
   */
  lossOutside(column: Column): string | undefined;
  /**
   * The statements this engine's DDL (engines/x/ddl.ts) runs to create a schema: those before the
   * rows and those at commit. Pure: a plan prints them without running them.
   */
  createStatements?(schema: TargetSchema): DdlStatements;
  /** The type this engine's DDL gives a column of `table` (its native type, or its portable type's). */
  columnType?(column: Column, table: Table): string;
}

export interface DdlStatements {
  beforeRows: string[];
  afterRows: string[];
}
