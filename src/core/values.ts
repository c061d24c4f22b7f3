import type { Column, PortableType } from './schema/model';

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

function validDate(y: string, mo: string, d: string): boolean {
  const month = Number(mo);
  const day = Number(d);
  return Number(y) >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

function validTime(h: string, mi: string, s: string): boolean {
  return Number(h) <= 24 && Number(mi) <= 59 && Number(s) <= 60;
}

/**
 * Checks one incoming value against its column and returns it in canonical encoding.
 * Returns an Error-like string describing the problem instead of throwing, so the caller
 * can name table, row and column in one message.
 */
export type Checked = { ok: true; value: unknown } | { ok: false; problem: string };

const ok = (value: unknown): Checked => ({ ok: true, value });
const bad = (problem: string): Checked => ({ ok: false, problem });

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function checkInteger(value: unknown, min: bigint, max: bigint, what: string): Checked {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return bad(`expected ${what}, got ${describe(value)}`);
    if (BigInt(value) < min || BigInt(value) > max) return bad(`${value} is out of range for ${what}`);
    return ok(value);
  }
  if (typeof value === 'string' && INTEGER.test(value)) {
    const big = BigInt(value);
    if (big < min || big > max) return bad(`${value} is out of range for ${what}`);
    return ok(integerFromString(value));
  }
  return bad(`expected ${what}, got ${describe(value)}`);
}

export function checkValue(column: Column, value: unknown): Checked {
  if (value === null || value === undefined) {
    return column.nullable ? ok(null) : bad('is NULL but the column is NOT NULL');
  }
  return checkType(column.type, value);
}

export function checkType(type: PortableType, value: unknown): Checked {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' ? ok(value) : bad(`expected true or false, got ${describe(value)}`);
    case 'smallint':
      return checkInteger(value, -32768n, 32767n, 'a smallint (16-bit integer)');
    case 'integer':
      return checkInteger(value, -2147483648n, 2147483647n, 'an integer (32-bit)');
    case 'bigint':
      return checkInteger(value, INT64_MIN, INT64_MAX, 'a bigint (64-bit integer)');
    case 'decimal':
      if (typeof value === 'string' && (DECIMAL.test(value) || value === 'NaN')) return ok(value);
      if (typeof value === 'number' && Number.isFinite(value)) return ok(numberToDecimalString(value));
      return bad(`expected a decimal as a string like "12.50", got ${describe(value)}`);
    case 'real':
    case 'double':
      if (typeof value === 'number') return ok(value);
      if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return ok(value);
      return bad(`expected a number, got ${describe(value)}`);
    case 'text':
      return typeof value === 'string' ? ok(value) : bad(`expected a string, got ${describe(value)}`);
    case 'uuid':
      return typeof value === 'string' && UUID.test(value) ? ok(value.toLowerCase()) : bad(`expected a UUID, got ${describe(value)}`);
    case 'bytes':
      return typeof value === 'string' && BASE64.test(value) ? ok(value) : bad(`expected base64-encoded bytes, got ${describe(value)}`);
    case 'date': {
      const m = typeof value === 'string' ? DATE.exec(value) : null;
      return m && validDate(m[1], m[2], m[3]) ? ok(value) : bad(`expected a date like "2024-01-31", got ${describe(value)}`);
    }
    case 'time': {
      const m = typeof value === 'string' ? TIME.exec(value) : null;
      return m && validTime(m[1], m[2], m[3]) ? ok(value) : bad(`expected a time like "13:45:00", got ${describe(value)}`);
    }
    case 'timestamp': {
      const m = typeof value === 'string' ? TIMESTAMP.exec(value) : null;
      if (!m || !validDate(m[1], m[2], m[3]) || !validTime(m[4], m[5], m[6])) {
        return bad(`expected a timestamp like "2024-01-31T13:45:00", got ${describe(value)}`);
      }
      return ok(normalizeTimestamp(value as string));
    }
    case 'timestamptz': {
      const normal = typeof value === 'string' ? normalizeTimestamptz(value) : undefined;
      return normal ? ok(normal) : bad(`expected a timestamp with zone like "2024-01-31T13:45:00Z", got ${describe(value)}`);
    }
    case 'json':
      if (typeof value !== 'string') return bad(`expected the JSON document as a string, got ${describe(value)}`);
      try {
        JSON.parse(value);
        return ok(value);
      } catch {
        return bad(`is not valid JSON text: ${describe(value)}`);
      }
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
    default:
      return String(value);
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
