import type { Column, PortableType } from './schema/model';
import { ewkbProblem } from './geometry';

/**
 * The portable value encoding: how each portable type travels in dumps and between adapters.
 * It is lossless on every engine, which is why a few types travel as strings:
 *
 *   boolean            true / false
 *   smallint, integer  number
 *   bigint             number when it is a safe integer, otherwise a decimal string
 *   decimal            string, exactly as the engine printed it ("12.50")
 *   real, double       number; "NaN", "Infinity", "-Infinity" as strings
 *   text, uuid         string
 *   bytes              base64 string
 *   date               "YYYY-MM-DD"
 *   time               "HH:MM:SS[.ffffff]"
 *   timestamp          "YYYY-MM-DDTHH:MM:SS[.ffffff]"          (no zone)
 *   timestamptz        "YYYY-MM-DDTHH:MM:SS[.ffffff]Z"         (always UTC)
 *   json               the document's text, as a string: numbers of any size survive, and a
 *                      JSON null stays distinct from SQL NULL
 *   geometry           EWKB in upper-case hex, as PostGIS prints it (SRID included; see geometry.ts)
 *   SQL NULL           null
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A decimal integer string as the value encoding wants it: a number when safe, the string otherwise. */
export function integerFromString(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

/** Writes a finite number in plain decimal notation (no exponent), as decimals need. */
export function numberToDecimalString(n: number): string {
  const cents = centsText(n);
  if (cents !== undefined) return cents;
  const s = String(n);
  if (s.indexOf('e') === -1) return s;
  const [mantissa, expText] = s.toLowerCase().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '');
  const [intPart, fracPart = ''] = digits.split('.');
  const all = intPart + fracPart;
  const point = intPart.length + exp;
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + all;
  else if (point >= all.length) out = all + '0'.repeat(point - all.length);
  else out = all.slice(0, point) + '.' + all.slice(point);
  return (negative ? '-' : '') + out;
}

/**
 * String(n) for the commonest decimals, amounts with at most two places, four times faster: when
 * n is exactly the nearest double to c/100, the digits of c with the point put back are the
 * shortest text that reads back as n, which is what String(n) gives.
 */
function centsText(n: number): string | undefined {
  if (!(n < 1e13 && n > -1e13)) return undefined;
  const c = Math.round(n * 100);
  if (c / 100 !== n) return undefined;
  const abs = Math.abs(c);
  const whole = Math.floor(abs / 100);
  const frac = abs - whole * 100;
  const point = frac === 0 ? '' : frac % 10 === 0 ? '.' + frac / 10 : frac < 10 ? '.0' + frac : '.' + frac;
  return (c < 0 ? '-' : '') + whole + point;
}

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function base64ToBytes(text: string): Buffer {
  return Buffer.from(text, 'base64');
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?$/;
const TIMESTAMPTZ = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?\s?(Z|[+-]\d{2}(?::?\d{2})?)$/i;
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)$/;
const INTEGER = /^-?\d+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** "2009-01-01 00:00:00" (what engines print) to "2009-01-01T00:00:00"; undefined if it is no timestamp. */
export function normalizeTimestamp(text: string): string | undefined {
  // Called once per value on large tables: a test without captures, then a slice.
  if (!TIMESTAMP.test(text)) return undefined;
  return text.charCodeAt(10) === 0x20 ? text.slice(0, 10) + 'T' + text.slice(11) : text;
}

/** Any ISO-like timestamp with an offset, moved to UTC and written with a Z; undefined if unreadable. */
export function normalizeTimestamptz(text: string): string | undefined {
  const m = TIMESTAMPTZ.exec(text);
  if (!m) return undefined;
  const zone = m[8].toUpperCase();
  const fraction = m[7] ?? '';
  if (zone === 'Z' || /^[+-]00(:?00)?$/.test(zone)) {
    return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${fraction}Z`;
  }
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  // Date.UTC handles years before 1970 and the carry across days; the fraction is kept as text.
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) - offsetMinutes * 60_000;
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction}Z`;
}

/** Two decimal digits at position i, as a number (the formats above fix the positions). */
function twoDigits(text: string, i: number): number {
  return (text.charCodeAt(i) - 48) * 10 + text.charCodeAt(i + 1) - 48;
}

/** YYYY-MM-DD at the start of the text names a possible calendar day (year 1 or later). */
function validDate(text: string): boolean {
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  return text.slice(0, 4) !== '0000' && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** HH:MM:SS at position i is a possible time of day (24:00:00 and a leap second allowed). */
function validTime(text: string, i: number): boolean {
  return twoDigits(text, i) <= 24 && twoDigits(text, i + 3) <= 59 && twoDigits(text, i + 6) <= 60;
}

/**
 * A value that does not fit its column. Thrown by portableValue and the adapters' converters; the
 * caller adds table, row and column to the message.
 */
export class ValueProblem extends Error {}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

const bad = (problem: string): never => {
  throw new ValueProblem(problem);
};

/** The integer types' ranges (bigint's as the nearest doubles), for every check of an integer value. */
export const INTEGER_RANGES = {
  smallint: { min: -32768, max: 32767, what: 'a smallint (16-bit integer)' },
  integer: { min: -2147483648, max: 2147483647, what: 'an integer (32-bit)' },
  bigint: { min: Number(INT64_MIN), max: Number(INT64_MAX), what: 'a bigint (64-bit integer)' },
};

function integerValue(type: 'smallint' | 'integer' | 'bigint', value: unknown): number | string {
  const { min, max, what } = INTEGER_RANGES[type];
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) bad(`expected ${what}, got ${describe(value)}`);
    if (value < min || value > max) bad(`${value} is out of range for ${what}`);
    return value;
  }
  if (typeof value === 'string' && INTEGER.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) {
      if (n < min || n > max) bad(`${value} is out of range for ${what}`);
      return n;
    }
    // Beyond 2^53 only BigInt compares exactly.
    const big = BigInt(value);
    if (type !== 'bigint' || big < INT64_MIN || big > INT64_MAX) bad(`${value} is out of range for ${what}`);
    return value;
  }
  return bad(`expected ${what}, got ${describe(value)}`);
}

/**
 * Checks one incoming value against its column and returns it in canonical encoding; throws a
 * ValueProblem saying what is wrong. Runs once per value of an import, so it allocates nothing
 * on the way for valid values.
 */
export function portableValue(column: Column, value: unknown): unknown {
  if (value === null || value === undefined) {
    return column.nullable ? null : bad('is NULL but the column is NOT NULL');
  }
  return checkType(column.type, value);
}

export function checkType(type: PortableType, value: unknown): unknown {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' ? value : bad(`expected true or false, got ${describe(value)}`);
    case 'smallint':
    case 'integer':
    case 'bigint':
      return integerValue(type, value);
    case 'decimal':
      if (typeof value === 'string' && (DECIMAL.test(value) || value === 'NaN')) return value;
      if (typeof value === 'number' && Number.isFinite(value)) return numberToDecimalString(value);
      return bad(`expected a decimal as a string like "12.50", got ${describe(value)}`);
    case 'real':
    case 'double':
      if (typeof value === 'number') return value;
      if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return value;
      return bad(`expected a number, got ${describe(value)}`);
    case 'text':
      return typeof value === 'string' ? value : bad(`expected a string, got ${describe(value)}`);
    case 'uuid':
      return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : bad(`expected a UUID, got ${describe(value)}`);
    case 'bytes':
      return typeof value === 'string' && BASE64.test(value) ? value : bad(`expected base64-encoded bytes, got ${describe(value)}`);
    case 'date':
      return typeof value === 'string' && DATE.test(value) && validDate(value) ? value : bad(`expected a date like "2024-01-31", got ${describe(value)}`);
    case 'time':
      return typeof value === 'string' && TIME.test(value) && validTime(value, 0) ? value : bad(`expected a time like "13:45:00", got ${describe(value)}`);
    case 'timestamp':
      if (typeof value !== 'string' || !TIMESTAMP.test(value) || !validDate(value) || !validTime(value, 11)) {
        return bad(`expected a timestamp like "2024-01-31T13:45:00", got ${describe(value)}`);
      }
      return value.charCodeAt(10) === 0x20 ? value.slice(0, 10) + 'T' + value.slice(11) : value;
    case 'timestamptz': {
      const normal = typeof value === 'string' ? normalizeTimestamptz(value) : undefined;
      return normal ?? bad(`expected a timestamp with zone like "2024-01-31T13:45:00Z", got ${describe(value)}`);
    }
    case 'geometry': {
      const problem = typeof value === 'string' ? ewkbProblem(value) : 'expected a geometry as EWKB in hex (as PostGIS prints it)';
      return problem ? bad(`${problem}, got ${describe(value)}`) : (value as string).toUpperCase();
    }
    case 'json':
      if (typeof value !== 'string') return bad(`expected the JSON document as a string, got ${describe(value)}`);
      try {
        JSON.parse(value);
      } catch {
        return bad(`is not valid JSON text: ${describe(value)}`);
      }
      return value;
  }
}

/**
 * One value in the form used to compare databases across engines: engines print the same
 * decimal, timestamp or JSON document differently, and a checksum must not see that.
 */
export function canonicalValue(type: PortableType, value: unknown): string {
  if (value === null || value === undefined) return '\u0000NULL';
  switch (type) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return BigInt(value as number | string).toString();
    case 'decimal': {
      let s = String(value);
      if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
      if (s === '-0' || s === '') s = '0';
      return s.replace(/^(-?)0+(?=\d)/, '$1');
    }
    case 'real':
      return typeof value === 'number' ? String(Math.fround(value)) : String(value);
    case 'timestamp':
    case 'time':
      return trimFraction(String(value).replace(' ', 'T'));
    case 'timestamptz':
      // Without its Z: a UTC instant compares equal to the same time in a zone-less column.
      return trimFraction(normalizeTimestamptz(String(value)) ?? String(value)).replace(/Z$/, '');
    case 'json':
      return stableJson(JSON.parse(String(value)));
    case 'uuid':
      return String(value).toLowerCase();
    case 'geometry':
      return String(value).toUpperCase();
    default:
      return String(value);
  }
}

/**
 * Orders two non-NULL values of one column (negative when `a` comes first): merging picks the
 * earlier, later, smaller or larger of two rows by it.
 */
export function compareValues(type: PortableType, a: unknown, b: unknown): number {
  switch (type) {
    case 'smallint':
    case 'integer':
    case 'bigint': {
      const x = BigInt(a as number | string);
      const y = BigInt(b as number | string);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'decimal':
    case 'real':
    case 'double':
      return Number(a) - Number(b);
    case 'boolean':
      return Number(a) - Number(b);
    default: {
      // Canonical dates, times and UTC timestamps order as text.
      const x = canonicalValue(type, a);
      const y = canonicalValue(type, b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
}

/** "10:00:00.500" to "10:00:00.5", "10:00:00.000Z" to "10:00:00Z". */
function trimFraction(text: string): string {
  return text.replace(/(\.\d*?)0+(?=Z?$)/, '$1').replace(/\.(?=Z?$)/, '');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
