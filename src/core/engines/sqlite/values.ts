import type { PortableType } from '../../schema/model';
import {
  base64ToBytes,
  bytesToBase64,
  integerFromString,
  normalizeTimestamp,
  normalizeTimestamptz,
  numberToDecimalString,
  ValueProblem,
} from '../../values';
import { ewkbProblem } from '../../geometry';

/** What sql.js hands out and takes: bigint appears where integers exceed 2^53. */
export type SqliteValue = number | bigint | string | Uint8Array | null;


const isText = (v: SqliteValue): v is string => typeof v === 'string';

/**
 * SQLite lets any column hold any value. Values that plainly mean the column's type are converted;
 * anything else is refused with a message, because the other engines would refuse it later anyway.
 */
export function fromSqlite(type: PortableType): (v: SqliteValue) => unknown {
  switch (type) {
    case 'boolean':
      return (v) => {
        if (v === 0 || v === 1) return v === 1;
        if (v === '0' || v === '1') return v === '1';
        if (isText(v) && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
        throw new ValueProblem(`holds ${show(v)}, which is not a boolean (0 or 1)`);
      };
    case 'smallint':
    case 'integer':
    case 'bigint':
      return (v) => {
        if (typeof v === 'number' && Number.isInteger(v)) return v;
        // The SELECT casts integers beyond 2^53 to text so that no digit is lost on the way.
        if (isText(v) && /^-?\d+$/.test(v)) return integerFromString(v);
        throw new ValueProblem(`holds ${show(v)}, which is not an integer`);
      };
    case 'decimal':
      return (v) => {
        if (typeof v === 'number') return numberToDecimalString(v);
        if (isText(v) && /^-?(\d+\.?\d*|\.\d+)$/.test(v)) return v;
        throw new ValueProblem(`holds ${show(v)}, which is not a decimal number`);
      };
    case 'real':
    case 'double':
      return (v) => {
        // JSON has no Infinity; the value encoding spells it as a string.
        if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
        if (isText(v) && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
        throw new ValueProblem(`holds ${show(v)}, which is not a number`);
      };
    case 'bytes':
      return (v) => {
        if (v instanceof Uint8Array) return bytesToBase64(v);
        if (isText(v)) return Buffer.from(v, 'utf8').toString('base64');
        throw new ValueProblem(`holds ${show(v)}, which is not bytes`);
      };
    case 'date':
      return (v) => {
        if (isText(v) && /^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
        // A date column that got a timestamp at midnight is still a date.
        if (isText(v) && /^\d{4}-\d{2}-\d{2}[ T]00:00:00(\.0+)?$/.test(v)) return v.slice(0, 10);
        throw new ValueProblem(`holds ${show(v)}, which is not a date like 2024-01-31`);
      };
    case 'time':
      return (v) => {
        if (isText(v) && /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) return v.length === 5 ? `${v}:00` : v;
        throw new ValueProblem(`holds ${show(v)}, which is not a time like 13:45:00`);
      };
    case 'timestamp':
      return (v) => {
        const normal = isText(v) ? normalizeTimestamp(v) ?? normalizeTimestamp(`${v}:00`) ?? dateOnly(v) : undefined;
        if (normal) return normal;
        throw new ValueProblem(`holds ${show(v)}, which is not a timestamp like 2024-01-31 13:45:00`);
      };
    case 'timestamptz':
      return (v) => {
        const normal = isText(v) ? normalizeTimestamptz(v) ?? normalizeTimestamptz(`${v}Z`) : undefined;
        if (normal) return normal;
        throw new ValueProblem(`holds ${show(v)}, which is not a timestamp like 2024-01-31T13:45:00Z`);
      };
    case 'json':
      return (v) => {
        // JSON affinity is NUMERIC, so a document that is a bare number comes back as one.
        const text = typeof v === 'number' || typeof v === 'bigint' ? String(v) : v;
        if (isText(text)) return text;
        throw new ValueProblem(`holds ${show(v)}, which is not a JSON document`);
      };
    case 'uuid':
      return (v) => {
        if (isText(v)) return v.toLowerCase();
        if (v instanceof Uint8Array && v.length === 16) {
          const hex = Buffer.from(v).toString('hex');
          return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
        }
        throw new ValueProblem(`holds ${show(v)}, which is not a UUID`);
      };
    case 'geometry':
      return (v) => {
        // Kept as EWKB hex text ("GEOMETRY TEXT"); a blob is taken as EWKB itself.
        const hex = isText(v) ? v : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : undefined;
        const problem = hex === undefined ? 'is not EWKB' : ewkbProblem(hex);
        if (problem) throw new ValueProblem(`holds ${show(v)}, which ${problem.replace(/^is not/, 'is not a geometry as')}`);
        return hex!.toUpperCase();
      };
    case 'text':
      return (v) => {
        if (isText(v)) return v;
        if (typeof v === 'number' || typeof v === 'bigint') return String(v);
        throw new ValueProblem(`holds bytes, which a text column cannot carry to other engines`);
      };
  }
}

function dateOnly(v: string): string | undefined {
  return /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00` : undefined;
}

/** Portable value to what sql.js binds; SQL NULL is handled by the caller. */
export function toSqlite(type: PortableType): (v: unknown) => SqliteValue {
  switch (type) {
    case 'boolean':
      return (v) => (v ? 1 : 0);
    case 'smallint':
    case 'integer':
    case 'bigint':
      return (v) => (typeof v === 'string' ? BigInt(v) : (v as number));
    case 'bytes':
      return (v) => base64ToBytes(v as string);
    case 'timestamp':
    case 'timestamptz':
      // SQLite's own date functions write "YYYY-MM-DD HH:MM:SS"; keep to that spelling.
      return (v) => (v as string).replace('T', ' ');
    case 'real':
    case 'double':
      return (v) => (typeof v === 'string' ? Number(v) : (v as number));
    default:
      return (v) => v as string | number;
  }
}

function show(v: SqliteValue): string {
  if (v === null) return 'NULL';
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return String(v);
}
