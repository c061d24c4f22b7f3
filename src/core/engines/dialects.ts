import type { Dialect } from '../schema/dialect';
import type { Engine } from '../url';
import { postgresDialect } from './postgres/dialect';
import { mysqlDialect } from './mysql/dialect';
import { sqliteDialect } from './sqlite/dialect';

const DIALECTS: Record<Engine, Dialect> = { sqlite: sqliteDialect, postgres: postgresDialect, mysql: mysqlDialect };

/** The dialect of an engine: what its DDL recreates and how its types are written. */
export function dialectOf(engine: Engine): Dialect {
  return DIALECTS[engine];
}
