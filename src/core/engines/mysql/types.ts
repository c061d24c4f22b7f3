import { decimalShape, type Column, type PortableShape } from '../../schema/model';
import { base64ToBytes, bytesToBase64, integerFromString } from '../../values';
import { renderMysqlType } from './type-names';

/** MySQL/MariaDB types to portable ones and back; docs/types.md has the table. */
export function portableFromMysql(dataType: string, columnType: string, jsonChecked: boolean): PortableShape {
  const unsigned = /unsigned/i.test(columnType);
  const params = /\((\d+)(?:,(\d+))?\)/.exec(columnType);
  const first = params ? Number(params[1]) : undefined;
  const second = params?.[2] !== undefined ? Number(params[2]) : undefined;
  switch (dataType.toLowerCase()) {
    case 'tinyint':
      return /^tinyint\(1\)/i.test(columnType) ? { type: 'boolean' } : { type: 'smallint' };
    case 'smallint':
      return { type: unsigned ? 'integer' : 'smallint' };
    case 'mediumint':
      return { type: 'integer' };
    case 'int':
    case 'integer':
      return { type: unsigned ? 'bigint' : 'integer' };
    case 'bigint':
      // An unsigned 64-bit value can exceed every signed bigint; an exact decimal holds it.
      return unsigned ? { type: 'decimal', precision: 20, scale: 0 } : { type: 'bigint' };
    case 'year':
      return { type: 'smallint' };
    case 'decimal':
    case 'numeric':
      return decimalShape(first, second);
    case 'float':
      return { type: 'real' };
    case 'double':
    case 'real':
      return { type: 'double' };
    case 'bit':
      return first === 1 || first === undefined ? { type: 'boolean' } : { type: 'bytes' };
    case 'char':
    case 'varchar':
      return first !== undefined ? { type: 'text', length: first } : { type: 'text' };
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
      // MariaDB's JSON is LONGTEXT with a json_valid() check.
      return jsonChecked ? { type: 'json' } : { type: 'text' };
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return { type: 'bytes' };
    case 'date':
      return { type: 'date' };
    case 'time':
      return { type: 'time' };
    case 'datetime':
      return { type: 'timestamp' };
    case 'timestamp':
      // TIMESTAMP is stored in UTC and shown in the session's zone, which DB Porter sets to UTC.
      return { type: 'timestamptz' };
    case 'json':
      return { type: 'json' };
    case 'uuid':
      return { type: 'uuid' };
    default:
      return { type: 'text' };
  }
}

/**
 * `keyed` columns are part of a key or index: MySQL cannot index unbounded TEXT or BLOB, so
 * those get the widest type an index takes (3072 bytes, 768 utf8mb4 characters).
 */
export function mysqlFromPortable(column: Column, keyed: boolean): string {
  // MariaDB's JSON is LONGTEXT with a json_valid CHECK: its native type alone would lose the check.
  if (column.native?.engine === 'mysql' && column.type !== 'json') return renderMysqlType(column.native);
  switch (column.type) {
    case 'boolean':
      return 'TINYINT(1)';
    case 'smallint':
      return 'SMALLINT';
    case 'integer':
      return 'INT';
    case 'bigint':
      return 'BIGINT';
    case 'decimal':
      // MySQL caps decimals at 65 digits, 30 after the point; unbounded decimals take the cap.
      if (column.precision === undefined) return 'DECIMAL(65,30)';
      return `DECIMAL(${Math.min(column.precision, 65)},${Math.min(column.scale ?? 0, 30)})`;
    case 'real':
      return 'FLOAT';
    case 'double':
      return 'DOUBLE';
    case 'text':
      if (column.length !== undefined && column.length <= 16383) return `VARCHAR(${column.length})`;
      return keyed ? 'VARCHAR(768)' : 'LONGTEXT';
    case 'bytes':
      return keyed ? 'VARBINARY(3072)' : 'LONGBLOB';
    case 'date':
      return 'DATE';
    case 'time':
      return 'TIME(6)';
    case 'timestamp':
      return 'DATETIME(6)';
    case 'timestamptz':
      // TIMESTAMP ends in 2038 and starts in 1970; DATETIME holds the UTC time for any date.
      return 'DATETIME(6)';
    case 'json':
      return 'JSON';
    case 'uuid':
      return 'CHAR(36)';
    case 'geometry':
      // Until geometry values are read and written as MySQL geometries: their EWKB hex as text.
      return 'LONGTEXT';
  }
}

/** A value as mysql2 gives it, with the connection's options (dateStrings, bigNumberStrings, jsonStrings). */
export type MysqlRaw = string | number | Buffer | null;

/** What mysql2 returns (dateStrings, bigNumberStrings, JSON as text) to a portable value. */
export function fromMysql(column: Column): (v: MysqlRaw) => unknown {
  switch (column.type) {
    case 'boolean':
      return (v) => (Buffer.isBuffer(v) ? v[v.length - 1] === 1 : Number(v) !== 0);
    case 'smallint':
    case 'integer':
      return (v) => Number(v);
    case 'bigint':
      return (v) => integerFromString(String(v));
    case 'decimal':
      return (v) => String(v);
    case 'real':
    case 'double':
      return (v) => Number(v);
    case 'bytes':
      return (v) => (Buffer.isBuffer(v) ? bytesToBase64(v) : Buffer.from(String(v), 'utf8').toString('base64'));
    case 'timestamp':
      return (v) => String(v).replace(' ', 'T');
    case 'timestamptz':
      return (v) => `${String(v).replace(' ', 'T')}Z`;
    default:
      return (v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
  }
}

/** A portable value to what mysql2 escapes into an INSERT. */
export function toMysql(column: Column): (v: unknown) => unknown {
  switch (column.type) {
    case 'boolean':
      return (v) => (v ? 1 : 0);
    case 'bytes':
      return (v) => base64ToBytes(v as string);
    case 'timestamp':
      return (v) => (v as string).replace('T', ' ');
    case 'timestamptz':
      return (v) => (v as string).replace('T', ' ').replace(/Z$/, '');
    default:
      return (v) => v;
  }
}
