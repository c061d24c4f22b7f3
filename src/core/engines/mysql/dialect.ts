import type { Dialect, Feature } from '../../schema/dialect';
import type { Column } from '../../schema/model';
import { parseMysqlType, renderMysqlType } from './type-names';
import { mysqlFromPortable } from './types';

/** What MySQL's DDL recreates of a MySQL schema. */
const FEATURES: ReadonlySet<Feature> = new Set<Feature>(['native types', 'expression defaults']);

export const mysqlDialect: Dialect = {
  engine: 'mysql',
  features: FEATURES,
  parseType: (text) => parseMysqlType(text),
  renderType: renderMysqlType,
  columnType: (column, table) => {
    const keyed = [...table.primaryKey, ...table.uniques.flatMap((u) => u.columns), ...table.indexes.flatMap((i) => i.columns), ...table.foreignKeys.flatMap((f) => f.columns)];
    return mysqlFromPortable(column, keyed.includes(column.name));
  },
  lossOutside(column: Column): string | undefined {
    const native = column.native;
    if (!native) return undefined;
    switch (native.name) {
      case 'year':
        return 'YEAR carried as a smallint';
      case 'set':
        return 'SET carried as text: its members separated by commas';
      case 'enum':
        return `ENUM carried as text (${native.labels?.length ?? 0} labels, not enforced)`;
      case 'bit':
        return column.type === 'bytes' ? `BIT(${native.args?.[0] ?? 1}) carried as bytes` : undefined;
      case 'bigint':
        return native.unsigned ? 'BIGINT UNSIGNED carried as decimal(20,0)' : undefined;
      case 'inet4':
      case 'inet6':
        return `${native.name.toUpperCase()} carried as text`;
      default:
        return undefined;
    }
  },
};
