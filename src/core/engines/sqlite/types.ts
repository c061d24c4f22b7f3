import { decimalShape, type Column, type PortableShape } from '../../schema/model';
import { renderSqliteType } from './type-names';

/**
 * SQLite declares types loosely (any words, optional "(n)" or "(p,s)") and stores values by
 * affinity. These two functions map declared types to portable ones and back; docs/types.md
 * has the table.
 */
export function portableFromDeclared(declared: string): PortableShape {
  const text = declared.trim().toUpperCase();
  const m = /^([A-Z_ ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/.exec(text);
  const base = (m?.[1] ?? text).trim();
  const first = m?.[2] !== undefined ? Number(m[2]) : undefined;
  const second = m?.[3] !== undefined ? Number(m[3]) : undefined;

  if (base.includes('BOOL')) return { type: 'boolean' };
  if (base === 'SMALLINT' || base === 'TINYINT' || base === 'INT2') return { type: 'smallint' };
  if (base === 'INT' || base === 'MEDIUMINT' || base === 'INT4') return { type: 'integer' };
  // SQLite stores every integer in up to 64 bits, so INTEGER and unknown *INT* names are bigint.
  if (base.includes('INT') && !base.includes('POINT') && !base.includes('INTERVAL')) return { type: 'bigint' };
  if (base.startsWith('DECIMAL') || base.startsWith('NUMERIC')) {
    return decimalShape(first, second);
  }
  if (base.includes('REAL') || base.includes('FLOA') || base.includes('DOUB')) return { type: 'double' };
  if (base === 'DATE') return { type: 'date' };
  if (base === 'TIME') return { type: 'time' };
  if (base === 'TIMESTAMPTZ' || base.includes('WITH TIME ZONE')) return { type: 'timestamptz' };
  if (base === 'DATETIME' || base.startsWith('TIMESTAMP')) return { type: 'timestamp' };
  if (base === 'JSON' || base === 'JSONB') return { type: 'json' };
  if (base === 'UUID') return { type: 'uuid' };
  if (base === 'GEOMETRY TEXT') return { type: 'geometry' };
  if (base.includes('BLOB') || base.includes('BINARY') || base === 'BYTEA') return { type: 'bytes' };
  if (base.includes('CHAR') && first !== undefined) return { type: 'text', length: first };
  return { type: 'text' };
}

/** The declared type for a column DB Porter creates in SQLite. */
export function declaredFromPortable(column: Column): string {
  if (column.native?.engine === 'sqlite') return renderSqliteType(column.native);
  switch (column.type) {
    case 'boolean':
      return 'BOOLEAN';
    case 'smallint':
      return 'SMALLINT';
    case 'integer':
      return 'INT';
    case 'bigint':
      return 'BIGINT';
    case 'decimal': {
      const params = column.precision !== undefined ? `(${column.precision}${column.scale !== undefined ? `,${column.scale}` : ''})` : '';
      // NUMERIC affinity turns "0.99" into a REAL, exact only to 15 digits; wider decimals must keep
      // TEXT affinity (the word TEXT gives it) to stay lossless.
      return column.precision !== undefined && column.precision <= 15 ? `NUMERIC${params}` : `DECIMAL TEXT${params}`;
    }
    case 'real':
    case 'double':
      return 'REAL';
    case 'text':
      return column.length !== undefined ? `VARCHAR(${column.length})` : 'TEXT';
    case 'bytes':
      return 'BLOB';
    case 'date':
      return 'DATE';
    case 'time':
      return 'TIME';
    case 'timestamp':
      return 'DATETIME';
    case 'timestamptz':
      return 'TIMESTAMPTZ';
    case 'json':
      return 'JSON';
    case 'uuid':
      return 'UUID';
    case 'geometry':
      // TEXT affinity keeps the hex as it is (a declared GEOMETRY alone has NUMERIC affinity).
      return 'GEOMETRY TEXT';
  }
}
