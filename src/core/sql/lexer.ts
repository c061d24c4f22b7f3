import type { Engine } from '../url';
import { shown, SqlSyntaxError, syntaxError } from './errors';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'bytes' | 'op' | 'end';

export interface Token {
  kind: TokenKind;
  /** The source text of the token, for messages. */
  text: string;
  /** 0-based offset of the token's first character. */
  pos: number;
  /**
   * word: lower-cased; quoted: the decoded identifier; string: the decoded text; number: the
   * text as written; bytes: lower-case hex; op: the operator or punctuation.
   */
  value: string;
  /** MySQL character set introducer (`_utf8mb4'x'`). */
  charset?: string;
}

export const MAX_EXPRESSION_BYTES = 64 * 1024;

/** Character sets MySQL/MariaDB accept as introducers; anything else after `_` is a name. */
export const MYSQL_CHARSETS = new Set([
  'armscii8', 'ascii', 'big5', 'binary', 'cp1250', 'cp1251', 'cp1256', 'cp1257', 'cp850', 'cp852', 'cp866', 'cp932',
  'dec8', 'eucjpms', 'euckr', 'gb18030', 'gb2312', 'gbk', 'geostd8', 'greek', 'hebrew', 'hp8', 'keybcs2', 'koi8r',
  'koi8u', 'latin1', 'latin2', 'latin5', 'latin7', 'macce', 'macroman', 'sjis', 'swe7', 'tis620', 'ucs2', 'ujis',
  'utf16', 'utf16le', 'utf32', 'utf8', 'utf8mb3', 'utf8mb4',
]);

/** Operators each dialect's parser knows; any other operator text is refused by the lexer. */
const PG_OPERATORS = new Set([
  '+', '-', '*', '/', '%', '^', '<', '>', '=', '<=', '>=', '<>', '!=', '~', '~*', '!~', '!~*', '~~', '~~*', '!~~', '!~~*',
  '||', '&', '|', '#', '<<', '>>', '->', '->>', '#>', '#>>', '@>', '<@', '?', '&&',
]);
const MYSQL_OPERATORS = ['<=>', '->>', '<=', '>=', '<>', '!=', '<<', '>>', '&&', '||', ':=', '->', '=', '<', '>', '!', '~', '^', '&', '|', '+', '-', '*', '/', '%'];
const SQLITE_OPERATORS = ['->>', '||', '->', '<<', '>>', '<=', '>=', '<>', '!=', '==', '=', '<', '>', '&', '|', '~', '+', '-', '*', '/', '%'];
const PG_OP_CHARS = '+-*/<>=~!@#%^&|`?';

const DIGIT = /[0-9]/;
const HEX = /^[0-9a-fA-F]$/;
const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DECIMAL = /(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const HEX_NUMBER = /0x([0-9a-fA-F]+)/y;
const BIT_NUMBER = /0b([01]+)/y;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Splits expression text into tokens by the dialect's rules; refuses comments, separators, parameters. */
export function tokenize(sql: string, dialect: Engine): Token[] {
  checkText(sql);
  const lexer = new Lexer(sql, dialect);
  const tokens: Token[] = [];
  for (;;) {
    const t = lexer.next();
    tokens.push(t);
    if (t.kind === 'end') return tokens;
  }
}

function checkText(sql: string): void {
  if (sql.length * 3 > MAX_EXPRESSION_BYTES && Buffer.byteLength(sql, 'utf8') > MAX_EXPRESSION_BYTES) {
    let bytes = 0;
    let i = 0;
    for (const ch of sql) {
      bytes += Buffer.byteLength(ch, 'utf8');
      if (bytes > MAX_EXPRESSION_BYTES) break;
      i += ch.length;
    }
    throw syntaxError(i, 'expression too long', `expressions are limited to ${MAX_EXPRESSION_BYTES / 1024} KiB`);
  }
  const nul = sql.indexOf('\0');
  if (nul >= 0) throw syntaxError(nul, 'NUL character', 'expressions cannot contain NUL characters');
  const lone = LONE_SURROGATE.exec(sql);
  if (lone) throw syntaxError(lone.index, 'invalid Unicode text', 'a lone surrogate is not a character');
}

class Lexer {
  private i = 0;
  constructor(
    private readonly sql: string,
    private readonly dialect: Engine,
  ) {}

  next(): Token {
    this.skipSpace();
    const { sql, i } = this;
    if (i >= sql.length) return { kind: 'end', text: '', pos: i, value: '' };
    const c = sql[i];
    const c2 = sql[i + 1] ?? '';
    if (c === ';') throw syntaxError(i, 'unexpected ";"', 'statement separators are not allowed in an expression');
    if (this.startsComment()) throw syntaxError(i, `unexpected ${shown(sql.slice(i, i + 2).trim())}`, 'comments are not allowed in an expression');
    if (c === "'") return this.string(i, i, "'", this.dialect === 'mysql' ? 'backslash' : 'plain');
    if (c === '"') return this.dialect === 'mysql' ? this.string(i, i, '"', 'backslash') : this.quoted(i, '"');
    if (c === '`' && this.dialect !== 'postgres') return this.quoted(i, '`');
    if (c === '[' && this.dialect === 'sqlite') return this.quoted(i, ']');
    const prefixed = this.prefixed(c, c2);
    if (prefixed) return prefixed;
    if (DIGIT.test(c) || (c === '.' && DIGIT.test(c2))) return this.number();
    if (IDENT_START.test(c) || (c === '$' && this.dialect === 'mysql')) return this.word();
    return this.punctuation(c, c2);
  }

  private skipSpace(): void {
    while (this.i < this.sql.length && ' \t\n\r\f'.includes(this.sql[this.i])) this.i++;
  }

  private startsComment(): boolean {
    const { sql, i } = this;
    if (sql.startsWith('/*', i)) return true;
    if (this.dialect === 'mysql' && sql[i] === '#') return true;
    if (!sql.startsWith('--', i)) return false;
    // MySQL reads `--` as a comment only before a space or control character: MariaDB prints
    // `--x` for the negation of a negation.
    if (this.dialect !== 'mysql') return true;
    const after = sql.charCodeAt(i + 2);
    return Number.isNaN(after) || after <= 0x20;
  }

  /** Literals introduced by a letter or `_charset` right before the quote. */
  private prefixed(c: string, c2: string): Token | undefined {
    const { sql, i, dialect } = this;
    const letter = c.toLowerCase();
    if (c2 === "'" || (c2 === '&' && letter === 'u' && (sql[i + 2] === "'" || sql[i + 2] === '"'))) {
      if (dialect === 'postgres') {
        if (letter === 'e') return this.string(i, i + 1, "'", 'escape');
        if (letter === 'b' || letter === 'x') throw syntaxError(i, `unexpected ${shown(c + c2)}`, 'bit-string literals are not supported');
        if (letter === 'n') throw syntaxError(i, `unexpected ${shown(c + c2)}`, 'national character literals are not supported');
        if (letter === 'u') throw syntaxError(i, `unexpected ${shown(sql.slice(i, i + 3))}`, 'Unicode escape literals are not supported');
      }
      if (letter === 'x' && dialect !== 'postgres') return this.hexString(i);
      if (letter === 'b' && dialect === 'mysql') return this.bitString(i);
      if (letter === 'n' && dialect === 'mysql') return this.string(i, i + 1, "'", 'backslash');
    }
    if (c === '_' && dialect === 'mysql') {
      const m = /^_([A-Za-z0-9]+)[ \t\n\r\f]*(?=['"])/.exec(sql.slice(i, i + 64));
      if (m && MYSQL_CHARSETS.has(m[1].toLowerCase())) {
        const t = this.string(i, i + m[0].length, sql[i + m[0].length], 'backslash');
        return { ...t, charset: m[1].toLowerCase() };
      }
    }
    return undefined;
  }

  /**
   * A string literal starting at `quoteAt`; `start` is where the token starts (before a prefix).
   * plain: only doubled quotes; backslash: MySQL's escapes too; escape: PostgreSQL's E'' escapes.
   */
  private string(start: number, quoteAt: number, quote: string, style: 'plain' | 'backslash' | 'escape'): Token {
    const { sql } = this;
    const bytes: number[] = [];
    let out = '';
    let j = quoteAt + 1;
    for (;;) {
      if (j >= sql.length) throw syntaxError(start, 'unterminated string', 'the closing quote is missing');
      const ch = sql[j];
      if (ch === quote) {
        out = flushBytes(bytes, out, start);
        if (sql[j + 1] === quote) {
          out += quote;
          j += 2;
          continue;
        }
        j++;
        break;
      }
      if (ch === '\\' && style !== 'plain') {
        if (j + 1 >= sql.length) throw syntaxError(start, 'unterminated string', 'the closing quote is missing');
        if (style === 'backslash') {
          out += mysqlEscape(sql[j + 1]);
          j += 2;
        } else {
          const r = pgEscape(sql, j, start);
          if (r.byte !== undefined) bytes.push(r.byte);
          else out = flushBytes(bytes, out, start) + r.text;
          j = r.end;
        }
        continue;
      }
      out = flushBytes(bytes, out, start) + ch;
      j++;
    }
    if (style === 'escape' && out.includes('\0')) throw syntaxError(start, 'NUL character in string', 'PostgreSQL text cannot contain NUL');
    this.i = j;
    return { kind: 'string', text: sql.slice(start, j), pos: start, value: out };
  }

  private quoted(start: number, close: string): Token {
    const { sql } = this;
    let out = '';
    let j = start + 1;
    for (;;) {
      if (j >= sql.length) throw syntaxError(start, 'unterminated quoted identifier', 'the closing quote is missing');
      if (sql[j] === close) {
        // [name] has no escape for `]`; the other quotes are doubled.
        if (close !== ']' && sql[j + 1] === close) {
          out += close;
          j += 2;
          continue;
        }
        j++;
        break;
      }
      out += sql[j++];
    }
    if (!out) throw syntaxError(start, 'empty quoted identifier', 'a quoted name cannot be empty');
    this.i = j;
    return { kind: 'quoted', text: sql.slice(start, j), pos: start, value: out };
  }

  /** X'00ff' (MySQL, SQLite): an even number of hex digits. */
  private hexString(start: number): Token {
    const end = this.sql.indexOf("'", start + 2);
    if (end < 0) throw syntaxError(start, 'unterminated hex literal', 'the closing quote is missing');
    const digits = this.sql.slice(start + 2, end);
    if (!/^[0-9a-fA-F]*$/.test(digits) || digits.length % 2) throw syntaxError(start, `bad hex literal ${shown(this.sql.slice(start, end + 1))}`, 'it needs an even number of hex digits');
    this.i = end + 1;
    return { kind: 'bytes', text: this.sql.slice(start, end + 1), pos: start, value: digits.toLowerCase() };
  }

  /** MySQL b'0101' is a binary string, like X'05': read as bytes, padded on the left to whole bytes. */
  private bitString(start: number): Token {
    const end = this.sql.indexOf("'", start + 2);
    if (end < 0) throw syntaxError(start, 'unterminated bit literal', 'the closing quote is missing');
    const bits = this.sql.slice(start + 2, end);
    if (!/^[01]*$/.test(bits)) throw syntaxError(start, `bad bit literal ${shown(this.sql.slice(start, end + 1))}`, 'only 0 and 1 may appear in it');
    this.i = end + 1;
    return { kind: 'bytes', text: this.sql.slice(start, end + 1), pos: start, value: bitsToHex(bits) };
  }

  private number(): Token {
    const { sql, i, dialect } = this;
    const at = (re: RegExp) => {
      re.lastIndex = i;
      return re.exec(sql);
    };
    let m: RegExpExecArray | null;
    let token: Token;
    if (dialect !== 'postgres' && (m = at(HEX_NUMBER))) {
      token =
        dialect === 'mysql'
          ? { kind: 'bytes', text: m[0], pos: i, value: (m[1].length % 2 ? '0' : '') + m[1].toLowerCase() }
          : { kind: 'number', text: m[0], pos: i, value: m[0] };
    } else if (dialect === 'mysql' && (m = at(BIT_NUMBER))) {
      token = { kind: 'bytes', text: m[0], pos: i, value: bitsToHex(m[1]) };
    } else {
      m = at(DECIMAL)!;
      token = { kind: 'number', text: m[0], pos: i, value: m[0] };
    }
    const after = i + m[0].length;
    if (after < sql.length && (IDENT_PART.test(sql[after]) || sql[after] === '.')) {
      throw syntaxError(i, `bad number ${shown(sql.slice(i, after + 1))}`, 'a number cannot run into a name or another dot');
    }
    this.i = after;
    return token;
  }

  private word(): Token {
    const { sql, i } = this;
    let j = i + 1;
    while (j < sql.length && IDENT_PART.test(sql[j])) j++;
    this.i = j;
    const text = sql.slice(i, j);
    return { kind: 'word', text, pos: i, value: text.toLowerCase() };
  }

  private punctuation(c: string, c2: string): Token {
    const { sql, i, dialect } = this;
    const punct = (text: string): Token => {
      this.i = i + text.length;
      return { kind: 'op', text, pos: i, value: text };
    };
    if ('(),'.includes(c)) return punct(c);
    if (c === '.') return punct(c);
    if (dialect === 'postgres') {
      if (c === ':' && c2 === ':') return punct('::');
      if (c === '[' || c === ']') return punct(c);
      if (c === '$') throw syntaxError(i, `unexpected ${shown(sql.slice(i, i + 2))}`, 'parameters and dollar-quoted strings are not allowed');
      if (PG_OP_CHARS.includes(c)) return this.pgOperator();
    } else {
      if ((c === '?' || c === ':' || c === '@' || c === '$') && !(dialect === 'mysql' && c === ':' && c2 === '=')) {
        const why = dialect === 'mysql' && c === '@' ? 'variables are not allowed in an expression' : 'parameters are not allowed in an expression';
        throw syntaxError(i, `unexpected ${shown(sql.slice(i, i + 2))}`, why);
      }
      const ops = dialect === 'mysql' ? MYSQL_OPERATORS : SQLITE_OPERATORS;
      const op = ops.find((o) => sql.startsWith(o, i));
      if (op) return punct(op);
    }
    const ch = String.fromCodePoint(sql.codePointAt(i)!);
    throw syntaxError(i, `unexpected ${shown(ch)}`, 'this character has no meaning here');
  }

  /** PostgreSQL's rule: the longest run of operator characters, less trailing + and - in plain runs. */
  private pgOperator(): Token {
    const { sql, i } = this;
    let j = i;
    while (j < sql.length && PG_OP_CHARS.includes(sql[j])) j++;
    let text = sql.slice(i, j);
    const cut = Math.min(...['--', '/*'].map((c) => text.indexOf(c)).filter((k) => k > 0), text.length);
    text = text.slice(0, cut);
    if (text.length > 1 && !/[~!@#%^&|`?]/.test(text)) {
      while (text.length > 1 && (text.endsWith('+') || text.endsWith('-'))) text = text.slice(0, -1);
    }
    if (!PG_OPERATORS.has(text)) throw syntaxError(i, `unexpected ${shown(text)}`, 'unknown operator');
    this.i = i + text.length;
    return { kind: 'op', text, pos: i, value: text };
  }
}

function mysqlEscape(c: string): string {
  switch (c) {
    case '0':
      return '\0';
    case 'b':
      return '\b';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'Z':
      return '\x1a';
    // LIKE's wildcards keep their backslash, so that '\%' still matches a percent sign.
    case '%':
    case '_':
      return `\\${c}`;
    default:
      return c;
  }
}

const PG_SIMPLE_ESCAPES = new Map(Object.entries({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }));

/** One E'' escape at `j` (the backslash): either text, or a raw byte to be decoded as UTF-8. */
function pgEscape(sql: string, j: number, start: number): { text?: string; byte?: number; end: number } {
  const c = sql[j + 1];
  const simple = PG_SIMPLE_ESCAPES.get(c);
  if (simple) return { text: simple, end: j + 2 };
  let m: RegExpExecArray | null;
  const rest = sql.slice(j + 1, j + 10);
  if ((m = /^[0-7]{1,3}/.exec(rest))) return { byte: parseInt(m[0], 8) & 0xff, end: j + 1 + m[0].length };
  if ((m = /^x([0-9a-fA-F]{1,2})/.exec(rest))) return { byte: parseInt(m[1], 16), end: j + 1 + m[0].length };
  if (c === 'u' || c === 'U') {
    const n = c === 'u' ? 4 : 8;
    const digits = sql.slice(j + 2, j + 2 + n);
    if (digits.length < n || ![...digits].every((d) => HEX.test(d))) throw syntaxError(j, 'bad Unicode escape', `\\${c} needs ${n} hex digits`);
    let cp = parseInt(digits, 16);
    let end = j + 2 + n;
    if (cp >= 0xd800 && cp <= 0xdbff) {
      const low = /^\\u([0-9a-fA-F]{4})/.exec(sql.slice(end, end + 6));
      const lo = low ? parseInt(low[1], 16) : 0;
      if (lo < 0xdc00 || lo > 0xdfff) throw syntaxError(j, 'bad Unicode escape', 'a surrogate must come in a pair');
      cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      end += 6;
    }
    if (cp === 0 || cp > 0x10ffff || (cp >= 0xdc00 && cp <= 0xdfff)) throw syntaxError(start, 'bad Unicode escape', 'not a valid character');
    return { text: String.fromCodePoint(cp), end };
  }
  return { text: c, end: j + 2 };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Raw bytes from E'' octal and hex escapes, decoded as the UTF-8 they must form. */
function flushBytes(bytes: number[], out: string, start: number): string {
  if (!bytes.length) return out;
  try {
    const text = utf8.decode(Uint8Array.from(bytes));
    bytes.length = 0;
    return out + text;
  } catch {
    throw syntaxError(start, 'invalid byte sequence in string', 'escaped bytes must form UTF-8 text');
  }
}

function bitsToHex(bits: string): string {
  if (!bits) return '';
  const padded = bits.padStart(Math.ceil(bits.length / 8) * 8, '0');
  let hex = '';
  for (let k = 0; k < padded.length; k += 8) hex += parseInt(padded.slice(k, k + 8), 2).toString(16).padStart(2, '0');
  return hex;
}

/** A cursor over the tokens, with the small look-ahead helpers the parsers share. */
export class Tokens {
  private i = 0;
  constructor(private readonly list: Token[]) {}

  peek(ahead = 0): Token {
    return this.list[Math.min(this.i + ahead, this.list.length - 1)];
  }

  next(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.i++;
    return t;
  }

  get mark(): number {
    return this.i;
  }

  reset(mark: number): void {
    this.i = mark;
  }

  isWord(value: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'word' && t.value === value;
  }

  isOp(value: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'op' && t.value === value;
  }

  /** Consumes the word if it is next. */
  acceptWord(value: string): boolean {
    if (!this.isWord(value)) return false;
    this.i++;
    return true;
  }

  acceptOp(value: string): boolean {
    if (!this.isOp(value)) return false;
    this.i++;
    return true;
  }

  expectWord(value: string, why?: string): Token {
    if (!this.isWord(value)) throw this.unexpected(this.peek(), why ?? `${value.toUpperCase()} was expected`);
    return this.next();
  }

  expectOp(value: string, why?: string): Token {
    if (!this.isOp(value)) throw this.unexpected(this.peek(), why ?? `"${value}" was expected`);
    return this.next();
  }

  unexpected(t: Token, why?: string): SqlSyntaxError {
    return syntaxError(t.pos, t.kind === 'end' ? 'unexpected end of expression' : `unexpected ${shown(t.text)}`, why);
  }
}
