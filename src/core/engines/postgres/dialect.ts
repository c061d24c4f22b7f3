import type { Dialect, Feature } from '../../schema/dialect';
import type { Column } from '../../schema/model';
import { parsePostgresType, renderPostgresType } from './type-names';
import { postgresFromPortable } from './types';

/** Built-in types whose values are text in every engine: nothing to say when they travel as text. */
const TEXTUAL = new Set(['text', 'character varying', 'character', 'varchar', 'char', 'name', '"char"']);

/** What PostgreSQL's DDL (ddl.ts) recreates of a PostgreSQL schema. */
const FEATURES: ReadonlySet<Feature> = new Set<Feature>(['native types', 'expression defaults']);

export const postgresDialect: Dialect = {
  engine: 'postgres',
  features: FEATURES,
  parseType: (text) => parsePostgresType(text),
  renderType: renderPostgresType,
  columnType: (column) => postgresFromPortable(column),
  lossOutside(column: Column): string | undefined {
    const native = column.native;
    if (!native || native.user) return undefined;
    if (native.array) return `an array (${native.name}[]) carried as text in PostgreSQL's array form`;
    if (column.type === 'text' && !TEXTUAL.has(native.name)) return `${native.name} carried as its text form`;
    return undefined;
  },
};
