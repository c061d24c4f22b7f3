import type { Column } from '../../schema/model';

/**
 * Turns PostgreSQL's COPY text output straight into JSON row objects in the portable value encoding
 * (../../values.ts), byte to byte, without making a JavaScript string per value. It is the export
 * fast path: rows() gives the same values as arrays, and a test holds the two paths equal.
 *
 * Each row becomes prefix + {"col":value,...} + suffix, so a dump writer gets its lines ready-framed.
 */

const enum Kind {
  Number, // integer, smallint: the COPY text is a JSON number
  BigInt, // a number when within 2^53, else a string
  Float, // a number, except NaN and the infinities, which become strings
  Bool, // t / f
  String, // text and everything else that travels as a string
  Timestamp, // "YYYY-MM-DD HH:MM:SS" gets its T
  TimestampTz, // and a Z for the UTC offset
  Bytes, // \x hex to base64
}

function kindOf(column: Column): Kind {
  switch (column.type) {
    case 'smallint':
    case 'integer':
      return Kind.Number;
    case 'bigint':
      return Kind.BigInt;
    case 'real':
    case 'double':
      return Kind.Float;
    case 'boolean':
      return Kind.Bool;
    case 'timestamp':
      return Kind.Timestamp;
    case 'timestamptz':
      return Kind.TimestampTz;
    case 'bytes':
      return Kind.Bytes;
    default:
      return Kind.String;
  }
}

const TAB = 0x09;
const NL = 0x0a;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const HEX = '0123456789abcdef';
const COPY_ESCAPES: Record<number, number> = { 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x76: 0x0b, 0x5c: 0x5c };
const JSON_ESCAPES: Record<number, string> = { 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x22: '\\"', 0x5c: '\\\\' };
const MAX_SAFE = Buffer.from('9007199254740991');

const NULL = Buffer.from('null');
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

/** A growable output buffer; one per batch. */
class Out {
  buf: Buffer;
  len = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  bytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.reserve(n);
    const buf = this.buf;
    // Most fields are short: a plain loop beats Buffer#copy's per-call cost by far.
    if (n < 48) {
      let len = this.len;
      for (let i = start; i < end; i++) buf[len++] = src[i];
      this.len = len;
    } else {
      buf.set(src.subarray(start, end), this.len);
      this.len += n;
    }
  }

  all(src: Uint8Array): void {
    this.bytes(src, 0, src.length);
  }

  ascii(text: string): void {
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.buf[this.len++] = text.charCodeAt(i);
  }
}

export class CopyJsonTranscoder {
  private readonly kinds: Kind[];
  private readonly keys: Buffer[];
  private readonly prefix: Buffer;
  private readonly suffix: Buffer;
  private rest: Buffer = Buffer.alloc(0);

  constructor(columns: Column[], framing: { prefix: string; suffix: string }) {
    this.kinds = columns.map(kindOf);
    // Each key with its opening brace or comma: {"id": and ,"name":
    this.keys = columns.map((c, i) => Buffer.from(`${i ? ',' : '{'}${JSON.stringify(c.name)}:`));
    this.prefix = Buffer.from(framing.prefix);
    this.suffix = Buffer.from('}' + framing.suffix);
  }

  /** Transcodes every complete row in the chunk; the partial last row waits for the next chunk. */
  push(chunk: Buffer): { bytes: Buffer; rows: number } {
    const data = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const end = data.lastIndexOf(NL);
    if (end < 0) {
      this.rest = data;
      return { bytes: Buffer.alloc(0), rows: 0 };
    }
    this.rest = Buffer.from(data.subarray(end + 1));
    const out = new Out(Math.ceil((end + 1) * 1.3) + 1024);
    let rows = 0;
    let pos = 0;
    while (pos <= end) {
      out.all(this.prefix);
      for (let i = 0; i < this.kinds.length; i++) {
        const fieldEnd = data.indexOf(i === this.kinds.length - 1 ? NL : TAB, pos);
        if (fieldEnd < 0 || fieldEnd > end) throw new Error('COPY row has fewer fields than columns');
        out.all(this.keys[i]);
        this.field(out, this.kinds[i], data, pos, fieldEnd);
        pos = fieldEnd + 1;
      }
      out.all(this.suffix);
      rows++;
    }
    return { bytes: out.buf.subarray(0, out.len), rows };
  }

  finish(): void {
    if (this.rest.length) throw new Error('COPY output ended in the middle of a row');
  }

  private field(out: Out, kind: Kind, data: Buffer, start: number, end: number): void {
    if (end - start === 2 && data[start] === BACKSLASH && data[start + 1] === 0x4e) {
      out.all(NULL); // \N
      return;
    }
    switch (kind) {
      case Kind.Number:
        out.bytes(data, start, end);
        return;
      case Kind.BigInt:
        if (safeInteger(data, start, end)) out.bytes(data, start, end);
        else quoted(out, data, start, end);
        return;
      case Kind.Float: {
        const c = data[start];
        // NaN, Infinity, -Infinity: JSON has no such numbers.
        if (c === 0x4e || c === 0x49 || (c === 0x2d && data[start + 1] === 0x49)) quoted(out, data, start, end);
        else out.bytes(data, start, end);
        return;
      }
      case Kind.Bool:
        out.all(data[start] === 0x74 ? TRUE : FALSE);
        return;
      case Kind.Timestamp:
      case Kind.TimestampTz: {
        out.byte(QUOTE);
        const from = out.len;
        let stop = end;
        // The session runs in UTC: the server ends timestamptz with "+00".
        const utc = kind === Kind.TimestampTz && data[end - 3] === 0x2b && data[end - 2] === 0x30 && data[end - 1] === 0x30;
        if (utc) stop = end - 3;
        out.bytes(data, start, stop);
        if (out.buf[from + 10] === 0x20) out.buf[from + 10] = 0x54; // ' ' → 'T'
        if (utc) out.byte(0x5a); // Z
        out.byte(QUOTE);
        return;
      }
      case Kind.Bytes: {
        // COPY escapes the backslash of bytea's "\x" prefix: the field reads \\x0a1b...
        const hex = data.toString('latin1', start + 3, end);
        out.byte(QUOTE);
        out.ascii(Buffer.from(hex, 'hex').toString('base64'));
        out.byte(QUOTE);
        return;
      }
      default:
        jsonString(out, data, start, end);
    }
  }
}

function safeInteger(data: Buffer, start: number, end: number): boolean {
  const digits = end - start - (data[start] === 0x2d ? 1 : 0);
  if (digits < 16) return true;
  if (digits > 16) return false;
  // Sixteen digits are safe up to 9007199254740991.
  return data.compare(MAX_SAFE, 0, 16, end - 16, end) <= 0;
}

function quoted(out: Out, data: Buffer, start: number, end: number): void {
  out.byte(QUOTE);
  out.bytes(data, start, end);
  out.byte(QUOTE);
}

/** A COPY text field as a JSON string: COPY's escapes undone, JSON's applied, UTF-8 copied as is. */
function jsonString(out: Out, data: Buffer, start: number, end: number): void {
  out.byte(QUOTE);
  let run = start;
  for (let i = start; i < end; i++) {
    const c = data[i];
    if (c >= 0x20 && c !== QUOTE && c !== BACKSLASH) continue;
    out.bytes(data, run, i);
    let value = c;
    if (c === BACKSLASH) {
      const e = data[++i];
      if (e >= 0x30 && e <= 0x37) {
        // \ooo: one to three octal digits
        let n = 0;
        let k = 0;
        while (k < 3 && data[i] >= 0x30 && data[i] <= 0x37) n = n * 8 + (data[i++] - 0x30), k++;
        i--;
        value = n;
      } else if (e === 0x78 && isHex(data[i + 1])) {
        let n = 0;
        let k = 0;
        i++;
        while (k < 2 && isHex(data[i])) n = n * 16 + parseInt(String.fromCharCode(data[i++]), 16), k++;
        i--;
        value = n;
      } else {
        value = COPY_ESCAPES[e] ?? e;
      }
    }
    const escape = JSON_ESCAPES[value];
    if (escape) out.ascii(escape);
    else if (value < 0x20) out.ascii(`\\u00${HEX[value >> 4]}${HEX[value & 15]}`);
    else out.byte(value);
    run = i + 1;
  }
  out.bytes(data, run, end);
  out.byte(QUOTE);
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}
