import type { Dialect, Feature } from '../../schema/dialect';
import { parseSqliteType, renderSqliteType } from './type-names';
import { declaredFromPortable } from './types';

/** What SQLite's DDL recreates of a SQLite schema. */
const FEATURES: ReadonlySet<Feature> = new Set<Feature>(['native types', 'expression defaults']);

export const sqliteDialect: Dialect = {
  engine: 'sqlite',
  features: FEATURES,
  parseType: (text) => parseSqliteType(text),
  renderType: renderSqliteType,
  columnType: (column) => declaredFromPortable(column),
  // A declared type means only its affinity, which the portable type keeps.
  lossOutside: () => undefined,
};
