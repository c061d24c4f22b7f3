import { decimalShape, type Column, type PortableShape } from '../../schema/model';
import { base64ToBytes, integerFromString } from '../../values';
import { escapeField } from './copy-text';
import { renderPostgresType } from './type-names';

/**
 * PostgreSQL types to portable ones and back (docs/types.md has the table). Types with no portable
 * meaning (interval, arrays, enums, inet, ...) travel as their text form with the native type kept,
 * so a PostgreSQL-to-PostgreSQL move recreates them exactly.
 */
export function portableFromPostgres(typname: string, formatted: string): PortableShape {
  const params = /\((\d+)(?:,(\d+))?\)/.exec(formatted);
  const first = params ? Number(params[1]) : undefined;
  const second = params?.[2] !== undefined ? Number(params[2]) : undefined;
  switch (typname) {
    case 'bool':
      return { type: 'boolean' };
    case 'int2':
      return { type: 'smallint' };
    case 'int4':
      return { type: 'integer' };
    case 'int8':
      return { type: 'bigint' };
    case 'numeric':
      return decimalShape(first, second);
    case 'float4':
      return { type: 'real' };
    case 'float8':
      return { type: 'double' };
    case 'varchar':
    case 'bpchar':
      return first !== undefined ? { type: 'text', length: first } : { type: 'text' };
    case 'text':
    case 'citext':
    case 'name':
      return { type: 'text' };
    case 'bytea':
      return { type: 'bytes' };
    case 'date':
      return { type: 'date' };
    case 'time':
      return { type: 'time' };
    case 'timestamp':
      return { type: 'timestamp' };
    case 'timestamptz':
      return { type: 'timestamptz' };
    case 'json':
    case 'jsonb':
      return { type: 'json' };
    case 'uuid':
      return { type: 'uuid' };
    default:
      return { type: 'text' };
  }
}

export function postgresFromPortable(column: Column): string {
  if (column.native?.engine === 'postgres') return renderPostgresType(column.native);
  switch (column.type) {
    case 'boolean':
      return 'boolean';
    case 'smallint':
      return 'smallint';
    case 'integer':
      return 'integer';
    case 'bigint':
      return 'bigint';
    case 'decimal':
      return column.precision !== undefined ? `numeric(${column.precision},${column.scale ?? 0})` : 'numeric';
    case 'real':
      return 'real';
    case 'double':
      return 'double precision';
    case 'text':
      return column.length !== undefined ? `varchar(${column.length})` : 'text';
    case 'bytes':
      return 'bytea';
    case 'date':
      return 'date';
    case 'time':
      return 'time';
    case 'timestamp':
      return 'timestamp';
    case 'timestamptz':
      return 'timestamptz';
    case 'json':
      return 'jsonb';
    case 'uuid':
      return 'uuid';
    case 'geometry':
      // Without PostGIS: the EWKB hex as text, which ST_GeomFromEWKB(decode(col, 'hex')) reads.
      return 'text';
  }
}

/** COPY text output of one field (already unescaped) to its portable value. */
export function fromCopyText(column: Column): (text: string) => unknown {
  switch (column.type) {
    case 'boolean':
      return (t) => t === 't';
    case 'smallint':
    case 'integer':
      return Number;
    case 'bigint':
      return integerFromString;
    case 'real':
    case 'double':
      return (t) => {
        const n = Number(t);
        return Number.isFinite(n) ? n : t;
      };
    case 'bytes':
      // bytea_output is hex: "\x" then two hex digits a byte.
      return (t) => Buffer.from(t.slice(2), 'hex').toString('base64');
    case 'timestamp':
      return (t) => t.replace(' ', 'T');
    case 'timestamptz':
      // The session runs in UTC, so the server prints "+00".
      return (t) => t.replace(' ', 'T').replace(/\+00$/, 'Z');
    default:
      return (t) => t;
  }
}

/** A portable value to its escaped COPY text field. */
export function toCopyText(column: Column): (v: unknown) => string {
  switch (column.type) {
    case 'boolean':
      return (v) => (v ? 't' : 'f');
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'real':
    case 'double':
    case 'decimal':
      return (v) => String(v);
    case 'bytes':
      return (v) => '\\\\x' + base64ToBytes(v as string).toString('hex');
    default:
      return (v) => escapeField(String(v));
  }
}
