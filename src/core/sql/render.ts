import type { Engine } from '../url';
import type { BinaryOp, Expr, ExprOf, KeywordName } from './ast';
import { checkDialect, SqlRenderError } from './errors';
import { MYSQL_NOT_CALLABLE, PG_COL_NAME, PG_RESERVED, PG_TYPE_FUNC, SQLITE_NOT_CALLABLE } from './keywords';
import { MYSQL_CHARSETS } from './lexer';
import { MYSQL_INTERVAL_UNITS, PG_EXTRACT_FIELDS, typedLiteralPrefix, typeText } from './type-names';

/**
 * Writes a tree as SQL text of one dialect. The output is safe by construction: identifiers are
 * always quoted, strings escaped for the dialect, numbers, type names, fields and operators only
 * come from validated text or fixed tables, and every operand that is not atomic is
 * parenthesized, so that no value can change how the text around it is read. A tree the dialect
 * cannot express throws SqlRenderError; translating between dialects is the caller's job.
 */
export function renderExpression(expr: Expr, dialect: Engine): string {
  checkDialect(dialect);
  return new Renderer(dialect).expr(expr);
}

/** Deepest tree written; deeper than the parser's limit, to leave room for translated trees. */
const MAX_RENDER_DEPTH = 1000;

const NUMBER = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const SQLITE_HEX_NUMBER = /^0[xX][0-9a-fA-F]+$/;
const BARE_FUNCTION = /^[a-z_][a-z0-9_]*$/;
const HEX = /^(?:[0-9a-f]{2})*$/;
const MYSQL_COLLATION = /^[a-z0-9_]+$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const CONTROL = /[\x01-\x1f\x7f]/;

// Maps, not object literals: a key taken from a tree ('constructor') must not find Object.prototype.
const COMPARISON_TEXT = new Map<BinaryOp, string>(['=', '<>', '<', '<=', '>', '>='].map((op) => [op as BinaryOp, op]));
const COMMON_OPS: BinaryOp[] = ['=', '<>', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', 'AND', 'OR', '&', '|', '<<', '>>'];
const opTable = (ops: BinaryOp[], renamed: Array<[BinaryOp, string]> = []) => new Map<BinaryOp, string>([...ops.map((op): [BinaryOp, string] => [op, op]), ...renamed]);
const BINARY_TEXT: Record<Engine, Map<BinaryOp, string>> = {
  postgres: opTable([...COMMON_OPS, '^', '#', '||', '->', '->>', '#>', '#>>', '@>', '<@', '?', '&&']),
  // MySQL's || is OR: concatenation is written CONCAT(a, b) instead (see binary()).
  mysql: opTable([...COMMON_OPS, 'XOR', 'DIV'], [['#', '^']]),
  sqlite: opTable([...COMMON_OPS, '||', '->', '->>']),
};

const KEYWORDS_WITH_PRECISION = new Set<KeywordName>(['CURRENT_TIMESTAMP', 'CURRENT_TIME', 'LOCALTIMESTAMP', 'LOCALTIME']);
const SQLITE_KEYWORDS: KeywordName[] = ['CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME'];
const MYSQL_KEYWORDS: KeywordName[] = [...SQLITE_KEYWORDS, 'LOCALTIMESTAMP', 'LOCALTIME', 'CURRENT_USER'];
const KEYWORD_TEXT: Record<Engine, Map<KeywordName, string>> = {
  postgres: new Map(
    [...MYSQL_KEYWORDS, 'SESSION_USER', 'USER', 'CURRENT_ROLE', 'SYSTEM_USER', 'CURRENT_SCHEMA', 'CURRENT_CATALOG'].map((k): [KeywordName, string] => [k as KeywordName, k]),
  ),
  // MySQL has these only as functions: USER() and friends.
  mysql: new Map<KeywordName, string>([
    ...MYSQL_KEYWORDS.map((k): [KeywordName, string] => [k, k]),
    ['SESSION_USER', 'SESSION_USER()'],
    ['USER', 'USER()'],
    ['CURRENT_ROLE', 'CURRENT_ROLE()'],
    ['SYSTEM_USER', 'SYSTEM_USER()'],
  ]),
  sqlite: new Map(SQLITE_KEYWORDS.map((k): [KeywordName, string] => [k, k])),
};

const TRIM_SIDES = new Map([
  ['trim', 'BOTH'],
  ['ltrim', 'LEADING'],
  ['rtrim', 'TRAILING'],
]);
const MATCH_OPS: Record<Engine, string[]> = { postgres: ['LIKE', 'ILIKE', 'SIMILAR TO', 'REGEXP'], mysql: ['LIKE', 'REGEXP'], sqlite: ['LIKE', 'GLOB', 'REGEXP'] };
const IS_TESTS = new Set(['NULL', 'TRUE', 'FALSE', 'UNKNOWN']);

/** Nodes whose text is self-delimiting: they never need parentheses around them. */
const ATOMS = new Set<Expr['kind']>(['null', 'boolean', 'number', 'string', 'bytes', 'typed', 'column', 'keyword', 'call', 'cast', 'case', 'array', 'extract']);

/** PostgreSQL functions written with their grammar rule, which quoting the name would break. */
const PG_BARE_FUNCTIONS = new Set(['coalesce', 'greatest', 'least', 'nullif']);

class Renderer {
  private depth = 0;
  constructor(private readonly dialect: Engine) {}

  expr(e: Expr): string {
    if (++this.depth > MAX_RENDER_DEPTH) throw new SqlRenderError(`expression nested deeper than ${MAX_RENDER_DEPTH} levels`);
    const text = this.node(e);
    this.depth--;
    return text;
  }

  /** A sub-expression in operand position: parenthesized unless atomic. */
  private operand(e: Expr): string {
    const text = this.expr(e);
    return ATOMS.has(e.kind) ? text : `(${text})`;
  }

  private node(e: Expr): string {
    switch (e.kind) {
      case 'null':
        return 'NULL';
      case 'boolean':
        return e.value === true ? 'TRUE' : e.value === false ? 'FALSE' : this.fail('a boolean node needs true or false');
      case 'number':
        return this.number(e.text);
      case 'string':
        return this.string(e.value, e.charset);
      case 'bytes':
        return this.bytes(e.hex);
      case 'typed': {
        const { before, after } = typedLiteralPrefix(e.type, this.dialect);
        return `${before} ${this.string(e.value)}${after}`;
      }
      case 'column':
        return e.table === undefined ? this.ident(e.name) : `${this.ident(e.table)}.${this.ident(e.name)}`;
      case 'keyword':
        return this.keyword(e);
      case 'unary':
        return this.unary(e);
      case 'binary':
        return this.binary(e);
      case 'call':
        return this.call(e);
      case 'cast':
        return `CAST(${this.expr(e.operand)} AS ${typeText(e.type, this.dialect, (n) => this.ident(n))})`;
      case 'case':
        return this.caseExpr(e);
      case 'in':
        return this.inList(e);
      case 'between':
        return `${this.operand(e.operand)}${this.not(e.not)} BETWEEN ${this.operand(e.low)} AND ${this.operand(e.high)}`;
      case 'is':
        return this.isTest(e);
      case 'distinct':
        return this.distinct(e);
      case 'match':
        return this.match(e);
      case 'array':
        this.only('postgres', 'ARRAY constructors');
        return `ARRAY[${e.items.map((i) => this.expr(i)).join(', ')}]`;
      case 'quantified':
        return this.quantified(e);
      case 'collate':
        return `${this.operand(e.operand)} COLLATE ${this.collation(e.collation)}`;
      case 'extract':
        return this.extract(e);
      default:
        return this.fail(`unknown node kind ${JSON.stringify((e as { kind?: unknown }).kind)}`);
    }
  }

  private fail(message: string): never {
    throw new SqlRenderError(message);
  }

  private only(dialect: Engine, what: string): void {
    if (this.dialect !== dialect) this.fail(`${what} cannot be written for ${this.dialect}`);
  }

  private not(not: boolean): string {
    if (typeof not !== 'boolean') this.fail('a "not" flag must be true or false');
    return not ? ' NOT' : '';
  }

  // ---- literals and names ----------------------------------------------------------------

  private number(text: string): string {
    if (typeof text === 'string' && NUMBER.test(text)) return text;
    if (typeof text === 'string' && SQLITE_HEX_NUMBER.test(text)) {
      // 0x1F is an integer in SQLite but a binary string in MySQL and a syntax error in PostgreSQL 15.
      if (this.dialect === 'sqlite') return text;
      this.fail(`hex number ${text} cannot be written for ${this.dialect}`);
    }
    return this.fail(`${JSON.stringify(text)} is not a number`);
  }

  private checkText(value: string, what: string): void {
    if (typeof value !== 'string') this.fail(`${what} must be a string`);
    if (LONE_SURROGATE.test(value)) this.fail(`${what} contains a lone surrogate, which no engine stores`);
  }

  /**
   * PostgreSQL: '' doubling, and E'' with backslash escapes when the text has a backslash or a
   * control character, which keeps the meaning whatever standard_conforming_strings says.
   * MySQL: quotes doubled and backslashes escaped (our sessions do not set NO_BACKSLASH_ESCAPES;
   * with it, the value would change but the quote could still not be closed early).
   * SQLite: '' doubling only; raw control characters are allowed in its literals.
   */
  private string(value: string, charset?: string): string {
    this.checkText(value, 'a string');
    const { dialect } = this;
    if (dialect === 'mysql') {
      let prefix = '';
      if (charset !== undefined) {
        if (typeof charset !== 'string' || !MYSQL_CHARSETS.has(charset)) this.fail(`unknown character set ${JSON.stringify(charset)}`);
        prefix = `_${charset}`;
      }
      return `${prefix}'${value.replace(/[\\'\0\n\r\x1a\t\b]/g, (c) => MYSQL_ESCAPES[c])}'`;
    }
    if (value.includes('\0')) this.fail(`a string with a NUL character cannot be written for ${dialect}`);
    if (dialect === 'postgres' && (value.includes('\\') || CONTROL.test(value))) {
      return `E'${value.replace(/[\\'\x01-\x1f\x7f]/g, pgEscape)}'`;
    }
    return `'${value.replace(/'/g, "''")}'`;
  }

  private bytes(hex: string): string {
    if (typeof hex !== 'string' || !HEX.test(hex)) this.fail(`${JSON.stringify(hex)} is not lower-case hex of whole bytes`);
    if (this.dialect === 'postgres') return `CAST(${this.string(`\\x${hex}`)} AS bytea)`;
    return `X'${hex}'`;
  }

  ident(name: string): string {
    this.checkText(name, 'a name');
    if (!name) this.fail('a name cannot be empty');
    if (name.includes('\0')) this.fail('a name cannot contain NUL');
    if (this.dialect === 'mysql') return `\`${name.replace(/`/g, '``')}\``;
    return `"${name.replace(/"/g, '""')}"`;
  }

  private collation(name: string): string {
    if (this.dialect !== 'mysql') return this.ident(name);
    if (typeof name !== 'string' || !MYSQL_COLLATION.test(name)) this.fail(`${JSON.stringify(name)} is not a MySQL collation name`);
    return name;
  }

  private keyword(e: ExprOf<'keyword'>): string {
    const text = KEYWORD_TEXT[this.dialect].get(e.name);
    if (!text) return this.fail(`${String(e.name)} cannot be written for ${this.dialect}`);
    if (e.precision === undefined) return text;
    if (!KEYWORDS_WITH_PRECISION.has(e.name) || this.dialect === 'sqlite') this.fail(`${e.name} takes no precision in ${this.dialect}`);
    if (!Number.isInteger(e.precision) || e.precision < 0 || e.precision > 6) this.fail('a precision must be a whole number from 0 to 6');
    return `${text}(${e.precision})`;
  }

  // ---- operators ---------------------------------------------------------------------------

  private unary(e: ExprOf<'unary'>): string {
    const operand = this.operand(e.operand);
    switch (e.op) {
      case '-':
      case '+':
      case '~':
        return `${e.op}${operand}`;
      case 'NOT':
        return `NOT ${operand}`;
      default:
        return this.fail(`unknown unary operator ${JSON.stringify(e.op)}`);
    }
  }

  private binary(e: ExprOf<'binary'>): string {
    if (e.op === '||' && this.dialect === 'mysql') return `CONCAT(${this.expr(e.left)}, ${this.expr(e.right)})`;
    const op = BINARY_TEXT[this.dialect].get(e.op);
    if (!op) return this.fail(`operator ${JSON.stringify(e.op)} cannot be written for ${this.dialect}`);
    return `${this.operand(e.left)} ${op} ${this.operand(e.right)}`;
  }

  private caseExpr(e: ExprOf<'case'>): string {
    if (!Array.isArray(e.whens) || !e.whens.length) this.fail('CASE needs at least one WHEN');
    let text = 'CASE';
    if (e.operand) text += ` ${this.operand(e.operand)}`;
    for (const w of e.whens) text += ` WHEN ${this.operand(w.when)} THEN ${this.operand(w.then)}`;
    if (e.else) text += ` ELSE ${this.operand(e.else)}`;
    return `${text} END`;
  }

  private inList(e: ExprOf<'in'>): string {
    if (!e.list.length && this.dialect !== 'sqlite') this.fail(`an empty IN list cannot be written for ${this.dialect}`);
    return `${this.operand(e.operand)}${this.not(e.not)} IN (${e.list.map((i) => this.expr(i)).join(', ')})`;
  }

  private isTest(e: ExprOf<'is'>): string {
    if (!IS_TESTS.has(e.test)) this.fail(`unknown IS test ${JSON.stringify(e.test)}`);
    if (e.test === 'UNKNOWN' && this.dialect === 'sqlite') this.fail('IS UNKNOWN cannot be written for sqlite');
    return `${this.operand(e.operand)} IS${this.not(e.not)} ${e.test}`;
  }

  /** not: true is "not distinct", the null-safe equality. */
  private distinct(e: ExprOf<'distinct'>): string {
    const left = this.operand(e.left);
    switch (this.dialect) {
      case 'postgres':
        return `${left} IS${this.not(e.not)} DISTINCT FROM ${this.operand(e.right)}`;
      case 'mysql': {
        const same = `${left} <=> ${this.operand(e.right)}`;
        return this.not(e.not) ? same : `NOT (${same})`;
      }
      case 'sqlite': {
        // A bare NULL, TRUE or FALSE after IS would read back as an IS test; parentheses keep the
        // node (SQLite evaluates both alike).
        const r = e.right.kind === 'null' || e.right.kind === 'boolean' ? `(${this.expr(e.right)})` : this.operand(e.right);
        return `${left} IS${this.not(!e.not)} ${r}`;
      }
    }
  }

  private match(e: ExprOf<'match'>): string {
    const { dialect } = this;
    const subject = this.operand(e.operand);
    const pattern = this.operand(e.pattern);
    if (!MATCH_OPS[dialect].includes(e.op)) this.fail(`${JSON.stringify(e.op)} cannot be written for ${dialect}`);
    if (e.caseInsensitive && (e.op !== 'REGEXP' || dialect !== 'postgres')) this.fail(`a case-insensitive ${e.op} cannot be written for ${dialect}`);
    if (e.escape && (e.op === 'REGEXP' || e.op === 'GLOB')) this.fail(`${e.op} takes no ESCAPE`);
    const not = this.not(e.not);
    if (e.op === 'REGEXP' && dialect === 'postgres') return `${subject} ${e.not ? '!' : ''}~${e.caseInsensitive ? '*' : ''} ${pattern}`;
    const escape = e.escape ? ` ESCAPE ${this.operand(e.escape)}` : '';
    return `${subject}${not} ${e.op} ${pattern}${escape}`;
  }

  private quantified(e: ExprOf<'quantified'>): string {
    this.only('postgres', 'ANY and ALL');
    const op = COMPARISON_TEXT.get(e.op);
    if (!op || (e.quantifier !== 'ANY' && e.quantifier !== 'ALL')) this.fail('bad quantified comparison');
    return `${this.operand(e.left)} ${op} ${e.quantifier} (${this.expr(e.right)})`;
  }

  private extract(e: ExprOf<'extract'>): string {
    const fields = this.dialect === 'postgres' ? PG_EXTRACT_FIELDS : this.dialect === 'mysql' ? MYSQL_INTERVAL_UNITS : undefined;
    if (!fields) return this.fail('EXTRACT cannot be written for sqlite');
    if (!fields.has(e.field)) this.fail(`${JSON.stringify(e.field)} is not a field EXTRACT takes in ${this.dialect}`);
    return `EXTRACT(${e.field} FROM ${this.expr(e.from)})`;
  }

  // ---- calls -------------------------------------------------------------------------------

  private call(e: ExprOf<'call'>): string {
    if (typeof e.name !== 'string') this.fail('a function name must be a string');
    const special = this.specialCall(e);
    if (special !== undefined) return special;
    let args: string;
    if (e.star) {
      if (e.args.length || e.distinct) this.fail('f(*) takes no other arguments');
      args = '*';
    } else {
      args = (e.distinct ? 'DISTINCT ' : '') + e.args.map((a) => this.expr(a)).join(', ');
    }
    return `${this.functionName(e.name)}(${args})`;
  }

  private functionName(name: string): string {
    const { dialect } = this;
    if (!BARE_FUNCTION.test(name)) return this.ident(name);
    const syntax =
      dialect === 'postgres'
        ? !PG_BARE_FUNCTIONS.has(name) && (PG_RESERVED.has(name) || PG_TYPE_FUNC.has(name) || PG_COL_NAME.has(name))
        : dialect === 'mysql'
          ? MYSQL_NOT_CALLABLE.has(name)
          : SQLITE_NOT_CALLABLE.has(name);
    return syntax ? this.ident(name) : name;
  }

  /** trim, ltrim, rtrim and position as each dialect spells them (see parse.ts for the tree's form). */
  private specialCall(e: ExprOf<'call'>): string | undefined {
    const { dialect } = this;
    if (dialect === 'sqlite' || e.star || e.distinct) return undefined;
    const [first, second] = e.args;
    const n = e.args.length;
    if (e.name === 'position' && n === 2) {
      // POSITION(a IN b) takes operands that cannot hold IN themselves: parenthesize.
      return `POSITION(${this.operand(first)} IN ${this.operand(second)})`;
    }
    const side = TRIM_SIDES.get(e.name);
    if (!side) return undefined;
    if (dialect === 'postgres') {
      if (e.name !== 'trim') return undefined;
      if (n !== 1 && n !== 2) this.fail('trim takes one or two arguments');
      return n === 1 ? `TRIM(BOTH FROM ${this.expr(first)})` : `TRIM(BOTH ${this.expr(second)} FROM ${this.expr(first)})`;
    }
    if (n !== 2) return undefined;
    return `TRIM(${side} ${this.expr(second)} FROM ${this.expr(first)})`;
  }
}

const MYSQL_ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "''", '\0': '\\0', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z', '\t': '\\t', '\b': '\\b' };

function pgEscape(c: string): string {
  switch (c) {
    case '\\':
      return '\\\\';
    case "'":
      return "''";
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  }
}
