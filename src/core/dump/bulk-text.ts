import type { Column, Row, Table } from '../schema/model';
import { INTEGER_RANGES, portableValue, ValueProblem } from '../values';

/**
 * A dump's rows written straight into the target engine's bulk text (COPY text, LOAD DATA text),
 * byte to byte, for tables that load fresh: most values need no JavaScript value at all. Rows come
 * as NDJSON lines or as a JSON dump's row objects on their lines. What goes in is exactly what
 * reading the rows and formatting them would give:
 *
 * - A line takes the fast way only when it is a row line of this table as `dbporter export` writes
 *   it: no spaces, the columns in schema order, each once. Any other line, and any value the fast
 *   way is not sure of, goes back to the caller, who reads it the ordinary way (JSON.parse, the
 *   row checks) and hands the row to `row()`; a bad value therefore fails with the ordinary error.
 * - Values the fast way does not copy (doubles, JSON documents, bytes, ...) are parsed one by one,
 *   checked with the same portableValue, and formatted with the engine's own field function.
 * - The caller only gives lines of text that is valid UTF-8 (Buffer isUtf8), as decoding would
 *   otherwise have replaced bad bytes.
 * - Literal texts (booleans, the timestamp separator) are taken from the engine's field function
 *   itself, so the engine keeps the one definition of its text.
 */

export interface BulkRequest {
  /** One non-NULL portable value as an escaped field of the engine's bulk text (engines/index.ts nativeField). */
  field: (column: Column) => (v: unknown) => string;
  /** Positions of the columns whose values come with each row (the ledger's keys); empty for none. */
  keys: number[];
  /**
   * The target's columns have the dump's types (the load created the table). A double may then go
   * as the dump writes it rather than as JavaScript prints it: the engine reads either text to the
   * same double, both rounding correctly; only a column of another type (text) would see the
   * difference.
   */
  createdTable: boolean;
}

/** Whole lines of bulk text, how many, and the key values of their rows (tuples, or bare values for one key column). */
export interface BulkPiece {
  text: Buffer;
  rows: number;
  keys: Row[];
  singles: unknown[];
}

/** Bytes a piece collects before the caller hands it on: one packet on the wire, not a large allocation. */
const BULK_PIECE_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const CLOSE = 0x7d;
const TAB = 0x09;
const NEWLINE = 0x0a;

/** What a column's fast writer returns besides a position: this line must be read the ordinary way, or this value must be parsed. */
const READ_LINE = -1;
const PARSE_VALUE = -2;

/** Writes one value starting at `at` (its first byte), returns the position after it, or READ_LINE / PARSE_VALUE. */
type FastWriter = (b: Buffer, at: number, end: number) => number;

export class BulkLines {
  private buf = Buffer.allocUnsafe(BULK_PIECE_BYTES * 2);
  private pos = 0;
  private rows = 0;
  private keys: Row[] = [];
  private singles: unknown[] = [];
  private readonly prefix: Buffer;
  private readonly close: Buffer;
  /** Per column: `"name":` (the first) or `,"name":`. */
  private readonly names: Buffer[];
  private readonly fast: Array<FastWriter | undefined>;
  private readonly fields: Array<(v: unknown) => string>;
  private readonly keyAt: number[];
  /** The value the last fast integer write read, for keys. */
  private integer = 0;

  /**
   * `framing`: how a row line looks, an NDJSON line ({"table": ..., "row": {...}}) or a JSON dump's
   * row object on its line ({...}).
   */
  constructor(
    private readonly table: Table,
    request: BulkRequest,
    framing: 'ndjson' | 'json' = 'ndjson',
  ) {
    const columns = table.columns;
    this.prefix = Buffer.from(framing === 'ndjson' ? `{"table":${JSON.stringify(table.name)},"row":{` : '{');
    this.close = Buffer.from(framing === 'ndjson' ? '}}' : '}');
    this.names = columns.map((c, i) => Buffer.from(`${i ? ',' : ''}${JSON.stringify(c.name)}:`));
    this.fields = columns.map(request.field);
    this.keyAt = request.keys;
    this.fast = columns.map((c, i) => this.fastWriter(c, this.fields[i], request.keys.includes(i), request.createdTable));
  }

  get full(): boolean {
    return this.pos >= BULK_PIECE_BYTES;
  }

  /** The text written so far, or undefined when there is none. */
  take(): BulkPiece | undefined {
    if (!this.rows) return undefined;
    const piece = { text: this.buf.subarray(0, this.pos), rows: this.rows, keys: this.keys, singles: this.singles };
    this.buf = Buffer.allocUnsafe(BULK_PIECE_BYTES * 2);
    this.pos = 0;
    this.rows = 0;
    this.keys = [];
    this.singles = [];
    return piece;
  }

  /** A row already read and checked (RowDecoder), in column order. */
  row(row: Row): void {
    const fields = this.fields;
    let line = '';
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      line += (i ? '\t' : '') + (v === null ? '\\N' : fields[i](v));
    }
    this.text(line + '\n');
    this.rows++;
    this.addKey(row);
  }

  /**
   * Writes the row of line b[start, end) (without its newline or a JSON dump's comma). False, with nothing written,
   * when the line is not one the fast way takes: the caller reads it and passes the row to row().
   */
  line(b: Buffer, start: number, end: number): boolean {
    const prefix = this.prefix;
    if (end - start < prefix.length + this.close.length || !matches(b, start, prefix)) return false;
    // Escapes at most double a value's bytes; parsed values make room for themselves.
    this.ensure(2 * (end - start) + 4 * this.names.length);
    const mark = this.pos;
    const keyed = this.keyAt.length > 0;
    const key: unknown[] | undefined = keyed ? new Array(this.keyAt.length) : undefined;
    let at = start + prefix.length;
    const names = this.names;
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (!matches(b, at, name)) return this.undo(mark);
      at += name.length;
      const writer = this.fast[i];
      let next = writer ? writer(b, at, end) : PARSE_VALUE;
      let value: unknown = this.integer;
      if (next === PARSE_VALUE) {
        const parsed = this.parseValue(b, at, end, i);
        if (!parsed) return this.undo(mark);
        next = parsed.next;
        value = parsed.value;
      }
      if (next < 0) return this.undo(mark);
      if (key) {
        const k = this.keyAt.indexOf(i);
        if (k >= 0) key[k] = value;
      }
      at = next;
      this.buf[this.pos++] = i === names.length - 1 ? NEWLINE : TAB;
    }
    if (at + this.close.length !== end || !matches(b, at, this.close)) return this.undo(mark);
    this.rows++;
    if (key) {
      if (key.length === 1) this.singles.push(key[0]);
      else this.keys.push(key);
    }
    return true;
  }

  private undo(mark: number): false {
    this.pos = mark;
    return false;
  }

  private addKey(row: Row): void {
    const at = this.keyAt;
    if (at.length === 1) this.singles.push(row[at[0]]);
    else if (at.length) this.keys.push(at.map((i) => row[i]));
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  private text(s: string): void {
    this.ensure(3 * s.length);
    const out = this.buf;
    let o = this.pos;
    // Short texts, mostly ASCII: a loop is cheaper than Buffer.write's call.
    for (let k = 0; k < s.length; k++) {
      const c = s.charCodeAt(k);
      if (c >= 0x80) {
        this.pos = o + out.write(s.slice(k), o, 'utf8');
        return;
      }
      out[o++] = c;
    }
    this.pos = o;
  }

  /**
   * The value at `at` read as JSON, checked and formatted the ordinary way. Undefined when it is not
   * a value of this column (the line is then read the ordinary way, which says what is wrong).
   */
  private parseValue(b: Buffer, at: number, end: number, i: number): { next: number; value: unknown } | undefined {
    const next = valueEnd(b, at, end);
    if (next < 0) return undefined;
    let value: unknown;
    try {
      value = portableValue(this.table.columns[i], JSON.parse(b.toString('utf8', at, next)));
    } catch (err) {
      if (err instanceof SyntaxError || err instanceof ValueProblem) return undefined;
      throw err;
    }
    this.text(value === null ? '\\N' : this.fields[i](value));
    // Room again for the rest of the line, which line() reserved before this value took more.
    this.ensure(2 * (end - next) + 4 * this.names.length);
    return { next, value };
  }

  /** The fast writer of a column, or undefined where every value is parsed. */
  private fastWriter(column: Column, field: (v: unknown) => string, isKey: boolean, createdTable: boolean): FastWriter | undefined {
    const nullable = column.nullable;
    const orNull = (write: FastWriter): FastWriter => (b, at, end) => {
      if (b[at] === 0x6e /* n */) {
        if (!nullable || !isLiteral(b, at, end, NULL)) return READ_LINE;
        this.buf[this.pos++] = BACKSLASH;
        this.buf[this.pos++] = 0x4e; // N
        return at + 4;
      }
      return write(b, at, end);
    };
    if (isKey && !isInteger(column)) return undefined; // key values are parsed
    switch (column.type) {
      case 'smallint':
      case 'integer':
      case 'bigint': {
        const { min, max } = INTEGER_RANGES[column.type];
        return orNull((b, at, end) => this.writeInteger(b, at, end, min, max));
      }
      case 'boolean': {
        const yes = Buffer.from(field(true));
        const no = Buffer.from(field(false));
        return orNull((b, at, end) => {
          const literal = isLiteral(b, at, end, TRUE) ? yes : isLiteral(b, at, end, FALSE) ? no : undefined;
          if (!literal) return PARSE_VALUE;
          this.pos = copyBytes(literal, 0, literal.length, this.buf, this.pos);
          return at + (literal === yes ? 4 : 5);
        });
      }
      case 'text':
        return orNull((b, at, end) => this.writeText(b, at, end));
      case 'json':
        return orNull((b, at, end) => this.writeJson(b, at, end));
      case 'double':
        if (!createdTable || field(0.5) !== '0.5') return undefined;
        return orNull((b, at, end) => this.writeDouble(b, at, end));
      case 'decimal':
        return orNull((b, at, end) => this.writeDecimal(b, at, end));
      case 'timestamp': {
        const separator = timestampSeparator(field);
        if (separator === undefined) return undefined;
        return orNull((b, at, end) => this.writeTimestamp(b, at, end, separator));
      }
      case 'date':
        if (field('2024-01-31') !== '2024-01-31') return undefined;
        return orNull((b, at, end) => this.writeDate(b, at, end));
      default:
        return undefined;
    }
  }

  /** -?(0|[1-9][0-9]{0,14}) in range: fifteen digits are always a safe integer. */
  private writeInteger(b: Buffer, at: number, end: number, min: number, max: number): number {
    let i = at;
    const negative = b[i] === 0x2d;
    if (negative) i++;
    const first = i;
    let n = 0;
    while (i < end) {
      const d = b[i] - 0x30;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
      i++;
    }
    const digits = i - first;
    // "-0", leading zeros, fractions, exponents and long numbers go the ordinary way.
    if (digits === 0 || digits > 15 || (b[first] === 0x30 && (digits > 1 || negative)) || (b[i] !== COMMA && b[i] !== CLOSE)) return PARSE_VALUE;
    if (negative) n = -n;
    if (n < min || n > max) return READ_LINE;
    this.integer = n;
    this.pos = copyBytes(b, at, i, this.buf, this.pos);
    return i;
  }

  /** A JSON string as a text field: backslash, tab, newline and CR escaped as both engines escape them. */
  private writeText(b: Buffer, at: number, end: number): number {
    if (b[at] !== QUOTE) return PARSE_VALUE;
    const out = this.buf;
    let o = this.pos;
    let i = at + 1;
    while (i < end) {
      const x = b[i++];
      if (x === QUOTE) {
        this.pos = o;
        return i;
      }
      if (x < 0x20) return READ_LINE; // not JSON: a control character must be escaped
      if (x !== BACKSLASH) {
        out[o++] = x;
        continue;
      }
      const y = b[i++];
      switch (y) {
        case QUOTE:
        case 0x2f: // /
          out[o++] = y;
          break;
        case BACKSLASH:
          out[o++] = BACKSLASH;
          out[o++] = BACKSLASH;
          break;
        case 0x6e: // n
        case 0x74: // t
        case 0x72: // r
          out[o++] = BACKSLASH;
          out[o++] = y;
          break;
        case 0x62: // b
          out[o++] = 0x08;
          break;
        case 0x66: // f
          out[o++] = 0x0c;
          break;
        default:
          return PARSE_VALUE; // \u escapes
      }
    }
    return READ_LINE;
  }

  /**
   * A JSON document in a string, checked with JSON.parse as checkType checks it. Only where the
   * string has no escape but \" : then the field written is the document's text itself.
   */
  private writeJson(b: Buffer, at: number, end: number): number {
    if (b[at] !== QUOTE) return PARSE_VALUE;
    for (let i = at + 1; i < end; i++) {
      const x = b[i];
      if (x === QUOTE) break;
      if (x === BACKSLASH && b[++i] !== QUOTE) return PARSE_VALUE;
    }
    const start = this.pos;
    const next = this.writeText(b, at, end);
    if (next < 0) return next;
    try {
      JSON.parse(this.buf.toString('utf8', start, this.pos));
    } catch {
      this.pos = start;
      return READ_LINE;
    }
    return next;
  }

  /**
   * A plain decimal number, -?(0|[1-9]\d*)(\.\d+)? of at most 24 characters (no exponent, so it
   * can neither overflow nor underflow), as it is; not -0, which JavaScript prints as 0.
   */
  private writeDouble(b: Buffer, at: number, end: number): number {
    let i = at;
    const negative = b[i] === 0x2d;
    if (negative) i++;
    const first = i;
    let nonzero = false;
    for (; i < end && b[i] >= 0x30 && b[i] <= 0x39; i++) if (b[i] !== 0x30) nonzero = true;
    const whole = i - first;
    if (whole === 0 || (whole > 1 && b[first] === 0x30)) return PARSE_VALUE;
    if (b[i] === 0x2e) {
      const point = ++i;
      for (; i < end && b[i] >= 0x30 && b[i] <= 0x39; i++) if (b[i] !== 0x30) nonzero = true;
      if (i === point) return PARSE_VALUE;
    }
    if (i - at > 24 || (negative && !nonzero) || (b[i] !== COMMA && b[i] !== CLOSE)) return PARSE_VALUE;
    this.pos = copyBytes(b, at, i, this.buf, this.pos);
    return i;
  }

  /** A decimal in a string, as checkType's DECIMAL takes it: -?(\d+\.?\d*|\.\d+). */
  private writeDecimal(b: Buffer, at: number, end: number): number {
    if (b[at] !== QUOTE) return PARSE_VALUE;
    let i = at + 1;
    if (b[i] === 0x2d) i++;
    let whole = 0;
    while (i < end && b[i] >= 0x30 && b[i] <= 0x39) (i++, whole++);
    let fraction = 0;
    const point = b[i] === 0x2e;
    if (point) {
      i++;
      while (i < end && b[i] >= 0x30 && b[i] <= 0x39) (i++, fraction++);
    }
    if (b[i] !== QUOTE || i >= end || !(whole > 0 || (point && fraction > 0))) return PARSE_VALUE;
    this.pos = copyBytes(b, at + 1, i, this.buf, this.pos);
    return i + 1;
  }

  /** "YYYY-MM-DD[T ]HH:MM:SS[.f{1,9}]", a possible day and time, written with the engine's separator. */
  private writeTimestamp(b: Buffer, at: number, end: number, separator: number): number {
    const s = at + 1;
    if (b[at] !== QUOTE || s + 20 > end || !isDate(b, s) || (b[s + 10] !== 0x54 && b[s + 10] !== 0x20) || !isTime(b, s + 11)) return PARSE_VALUE;
    let i = s + 19;
    if (b[i] === 0x2e) {
      i++;
      const first = i;
      while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++;
      if (i === first || i - first > 9) return PARSE_VALUE;
    }
    if (b[i] !== QUOTE || i >= end) return PARSE_VALUE;
    const o = this.pos;
    this.pos = copyBytes(b, s, i, this.buf, o);
    this.buf[o + 10] = separator;
    return i + 1;
  }

  /** "YYYY-MM-DD", a possible day. */
  private writeDate(b: Buffer, at: number, end: number): number {
    const s = at + 1;
    if (b[at] !== QUOTE || s + 11 > end || !isDate(b, s) || b[s + 10] !== QUOTE) return PARSE_VALUE;
    this.pos = copyBytes(b, s, s + 10, this.buf, this.pos);
    return s + 11;
  }
}

const NULL = Buffer.from('null');
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

function isInteger(column: Column): boolean {
  return column.type === 'smallint' || column.type === 'integer' || column.type === 'bigint';
}

// Values and names are a few bytes long: plain loops beat Buffer's compare and copy, which cross
// into C++ and make a view per call.

/** `bytes` at b[at]. */
function matches(b: Buffer, at: number, bytes: Buffer): boolean {
  for (let k = 0; k < bytes.length; k++) if (b[at + k] !== bytes[k]) return false;
  return true;
}

/** Copies src[from, to) to dst at `at`; returns the position after. */
function copyBytes(src: Buffer, from: number, to: number, dst: Buffer, at: number): number {
  for (let k = from; k < to; k++) dst[at++] = src[k];
  return at;
}

/** A literal (null, true, false) at `at`, followed by the end of the value. */
function isLiteral(b: Buffer, at: number, end: number, literal: Buffer): boolean {
  const after = at + literal.length;
  return after < end && matches(b, at, literal) && (b[after] === COMMA || b[after] === CLOSE);
}

/**
 * Where the JSON value at `at` ends: after the closing quote of a string, or at the "," or "}" after
 * anything else. Objects and arrays end early and then fail to parse, which sends the line the
 * ordinary way.
 */
function valueEnd(b: Buffer, at: number, end: number): number {
  let i = at;
  if (b[i] === QUOTE) {
    for (i++; i < end; i++) {
      if (b[i] === BACKSLASH) i++;
      else if (b[i] === QUOTE) return i + 1;
    }
    return -1;
  }
  while (i < end && b[i] !== COMMA && b[i] !== CLOSE) i++;
  return i < end ? i : -1;
}

function digit(b: Buffer, i: number): number {
  const d = b[i] - 0x30;
  return d >= 0 && d <= 9 ? d : -100;
}

function twoDigits(b: Buffer, i: number): number {
  return digit(b, i) * 10 + digit(b, i + 1);
}

/** YYYY-MM-DD at s, as values.ts's validDate takes it: year 0001 or later, month 1-12, day 1-31. */
function isDate(b: Buffer, s: number): boolean {
  const century = twoDigits(b, s);
  const year = twoDigits(b, s + 2);
  const month = twoDigits(b, s + 5);
  const day = twoDigits(b, s + 8);
  return century >= 0 && year >= 0 && century + year > 0 && b[s + 4] === 0x2d && b[s + 7] === 0x2d && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** HH:MM:SS at s, as values.ts's validTime takes it (24:00:00 and a leap second allowed). */
function isTime(b: Buffer, s: number): boolean {
  const h = twoDigits(b, s);
  const m = twoDigits(b, s + 3);
  const sec = twoDigits(b, s + 6);
  return h >= 0 && h <= 24 && m >= 0 && m <= 59 && sec >= 0 && sec <= 60 && b[s + 2] === 0x3a && b[s + 5] === 0x3a;
}

/** The byte between date and time in the engine's text of a timestamp, when it writes one as it reads. */
function timestampSeparator(field: (v: unknown) => string): number | undefined {
  const text = field('2024-01-31T13:45:00.5');
  if (text.length !== 21 || text.slice(0, 10) !== '2024-01-31' || text.slice(11) !== '13:45:00.5') return undefined;
  const c = text.charCodeAt(10);
  return c === 0x54 || c === 0x20 ? c : undefined;
}
