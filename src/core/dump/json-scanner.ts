import { isUtf8 } from 'node:buffer';
import { MAX_ROW_CHARS } from './format';

/**
 * A pull tokenizer for the few structural steps of a JSON dump: it walks the outer objects and
 * arrays itself and hands each row (or the metadata) to JSON.parse as one slice of text. Native
 * JSON.parse does the heavy lifting, and memory holds one row at a time, however big the dump.
 * (A general streaming JSON parser would build every value in JavaScript and be several times slower.)
 */
export class JsonScanner {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private done = false;
  private consumed = 0;
  /** The buffer holds valid UTF-8 up to here (its last newline, where no character is cut). */
  private utf8To = 0;
  /** Where the object lineObject() gave ends. */
  private lineObjectEnd = 0;
  private readonly chunks: AsyncIterator<Buffer | string>;

  constructor(source: AsyncIterable<Buffer | string>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  /** Byte offset in the whole input, for error messages. */
  get offset(): number {
    return this.consumed + this.pos;
  }

  /**
   * Loads more input; false at the end. Keeps the unread tail (and from `keepFrom` on, if given).
   * Reads at least `minBytes` bytes before joining them to the buffer: a long value grows the
   * buffer by doubling, so its scan stays linear in its length. The scan works on bytes: every
   * character it looks for is ASCII, which never occurs inside a UTF-8 character, and text is
   * decoded only where a value is handed out.
   */
  private async more(keepFrom = this.pos, minBytes = 0): Promise<boolean> {
    if (this.done) return false;
    const read: Buffer[] = [];
    let bytes = 0;
    do {
      const next = await this.chunks.next();
      if (next.done) {
        this.done = true;
        break;
      }
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : next.value;
      read.push(chunk);
      bytes += chunk.length;
    } while (bytes < minBytes);
    if (!bytes) return false;
    this.consumed += keepFrom;
    this.buf = Buffer.concat([this.buf.subarray(keepFrom), ...read]);
    this.pos -= keepFrom;
    const lastNewline = this.buf.lastIndexOf(0x0a);
    this.utf8To = lastNewline > 0 && isUtf8(this.buf.subarray(0, lastNewline)) ? lastNewline : 0;
    return true;
  }

  /** Skips whitespace and returns the next character without consuming it ('' at the end). */
  async peek(): Promise<string> {
    for (;;) {
      this.pos = this.skipBlanks(this.pos);
      if (this.pos < this.buf.length) return this.charAt(this.pos);
      if (!(await this.more())) return '';
    }
  }

  /** The character at byte `at`, for comparing and for messages. */
  private charAt(at: number): string {
    const c = this.buf[at];
    return c < 0x80 ? String.fromCharCode(c) : this.buf.toString('utf8', at, Math.min(at + 4, this.buf.length)).charAt(0);
  }

  /** Where the first byte at or after `from` that is not JSON whitespace is (the buffer's length if none). */
  private skipBlanks(from: number): number {
    const buf = this.buf;
    let at = from;
    for (; at < buf.length; at++) {
      const c = buf[at];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    }
    return at;
  }

  async expect(char: string, what: string): Promise<void> {
    const c = await this.peek();
    if (c !== char) throw new ScanError(c === '' ? `the input ends where ${what} should be` : `expected ${what} but found "${c}"`, c === '', this.offset);
    this.pos++;
  }

  /** Consumes `char` if it is next. */
  async accept(char: string): Promise<boolean> {
    if ((await this.peek()) !== char) return false;
    this.pos++;
    return true;
  }

  async string(what: string): Promise<string> {
    const text = await this.valueText(what);
    if (!text.startsWith('"')) throw new ScanError(`expected ${what} (a string)`, false, this.offset);
    try {
      return JSON.parse(text) as string;
    } catch (err) {
      throw new ScanError(`${what} is not a valid JSON string (${(err as Error).message})`, false, this.offset);
    }
  }

  /** The text of the next complete JSON value; it may span any number of chunks. */
  async valueText(what: string): Promise<string> {
    const first = await this.peek();
    if (first === '') throw new ScanError(`the input ends where ${what} should be`, true, this.offset);
    let start = this.pos;
    let i = start;
    let depth = 0;
    let inString = false;
    const scalar = first !== '{' && first !== '[' && first !== '"';
    for (;;) {
      const buf = this.buf;
      const n = buf.length;
      for (; i < n; i++) {
        const c = buf[i];
        if (inString) {
          if (c === 0x5c) i++; // backslash: skip the escaped character
          else if (c === 0x22) {
            inString = false;
            if (depth === 0) {
              this.pos = i + 1;
              return buf.toString('utf8', start, i + 1);
            }
          }
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          if (scalar) {
            this.pos = i;
            return buf.toString('utf8', start, i);
          }
          depth--;
          if (depth === 0) {
            this.pos = i + 1;
            return buf.toString('utf8', start, i + 1);
          }
        } else if (scalar && (c === 0x2c || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) {
          this.pos = i;
          return buf.toString('utf8', start, i);
        }
      }
      // Rebase so that the value being scanned starts the buffer, then read on.
      const offsetInValue = i - start;
      if (offsetInValue > MAX_ROW_CHARS) throw new ScanError(`${what} is longer than ${MAX_ROW_CHARS / 1024 / 1024} MiB, more than a row may be`, false, this.offset);
      const got = await this.more(start, offsetInValue);
      start = 0;
      i = offsetInValue;
      if (!got) {
        if (scalar && !inString) {
          this.pos = this.buf.length;
          return this.buf.toString('utf8');
        }
        throw new ScanError(`the input ends inside ${what}`, true, this.offset);
      }
    }
  }

  /** Parses the next value. */
  async value(what: string): Promise<unknown> {
    const text = await this.valueText(what);
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ScanError(`${what} is not valid JSON (${(err as Error).message})`, false, this.offset);
    }
  }

  /**
   * The common case, one object on a line of its own (how `dbporter export` writes rows): the line
   * goes to JSON.parse whole, and the character-by-character scan is skipped. A JSON text that starts
   * with "{" and parses ends at its matching "}", so this finds exactly what the scan would; any other
   * line (indented, cut by the chunk's end, malformed) returns undefined and takes the scan.
   */
  objectOnItsLine(): object | undefined {
    const line = this.lineObject();
    if (!line) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(line.bytes.toString('utf8', line.start, line.end));
    } catch {
      return undefined;
    }
    this.passLineObject();
    return value as object;
  }

  /**
   * The bytes of what may be an object on a line of its own, from the read position to the line's
   * last "}" (before a comma), without reading past it; passLineObject() then moves past it. Not
   * checked: the caller parses it, or reads it the ordinary way. `utf8`: the line is valid UTF-8.
   */
  lineObject(): { bytes: Buffer; start: number; end: number; utf8: boolean } | undefined {
    const buf = this.buf;
    const start = this.skipBlanks(this.pos);
    if (buf[start] !== 0x7b) return undefined;
    const newline = buf.indexOf(0x0a, start);
    if (newline < 0) return undefined;
    let end = newline;
    if (buf[end - 1] === 0x0d) end--;
    if (buf[end - 1] === 0x2c) end--;
    if (buf[end - 1] !== 0x7d) return undefined;
    this.pos = start;
    this.lineObjectEnd = end;
    return { bytes: buf, start, end, utf8: newline <= this.utf8To };
  }

  passLineObject(): void {
    this.pos = this.lineObjectEnd;
  }

  /** Consumes `char` if it is next in what is read already; false also when more must be read to know. */
  acceptNow(char: string): boolean {
    const at = this.skipBlanks(this.pos);
    if (this.buf[at] !== char.charCodeAt(0)) return false;
    this.pos = at + 1;
    return true;
  }

  async atEnd(): Promise<boolean> {
    return (await this.peek()) === '';
  }
}

export class ScanError extends Error {
  constructor(
    message: string,
    readonly truncated: boolean,
    readonly offset: number,
  ) {
    super(message);
  }
}
