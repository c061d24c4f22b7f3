import type { Engine } from '../url';
import { children } from './ast';
import type { BinaryOp, ComparisonOp, Expr, ExprOf, KeywordName, MatchOp, TypeName } from './ast';
import { checkDialect, syntaxError, SqlSyntaxError } from './errors';
import { MYSQL_NOT_CALLABLE, MYSQL_RESERVED, PG_COL_NAME, PG_RESERVED, PG_TYPE_FUNC, SQLITE_NOT_CALLABLE, SQLITE_RESERVED, SUBQUERY_WORDS } from './keywords';
import { tokenize, Tokens } from './lexer';
import type { Token } from './lexer';
import { intervalFields, MYSQL_INTERVAL_UNITS, parseTypeName, PG_EXTRACT_FIELDS, typeArgs } from './type-names';

/** Deepest expression tree accepted. */
export const MAX_DEPTH = 100;
/** Deepest recursion of the parser: PostgreSQL wraps nearly every sub-expression in parentheses. */
const MAX_RECURSION = 300;

/**
 * Reads one SQL expression as the dialect writes it (a column default, a CHECK, an index
 * expression) into a tree. Anything that is not plainly an expression is refused with a
 * SqlSyntaxError naming what and where.
 */
export function parseExpression(sql: string, dialect: Engine): Expr {
  checkDialect(dialect);
  if (typeof sql !== 'string') throw new TypeError('the expression must be a string');
  const parser = new Parser(new Tokens(tokenize(sql, dialect)), dialect);
  const expr = parser.expression(0);
  parser.expectEnd();
  return expr;
}

/**
 * Binding strength of each family of operators, higher binds tighter; 0 when the dialect lacks
 * it. From each engine's grammar: PostgreSQL's gram.y precedence list, MySQL's layered
 * expr/bool_pri/predicate/bit_expr/simple_expr rules, SQLite's parse.y.
 */
interface Levels {
  or: number;
  xor: number;
  and: number;
  not: number;
  is: number;
  /** = and <> (and, outside SQLite, < > <= >=). */
  cmp: number;
  /** < > <= >= */
  rel: number;
  /** LIKE, IN, BETWEEN and friends. */
  pred: number;
  /** PostgreSQL's "any other operator": ||, ~, ->, @> ... */
  op: number;
  bitor: number;
  bitand: number;
  shift: number;
  add: number;
  mul: number;
  pow: number;
  bitxor: number;
  concat: number;
  at: number;
  collate: number;
  unary: number;
  cast: number;
}

const LEVELS: Record<Engine, Levels> = {
  postgres: { or: 1, xor: 0, and: 2, not: 3, is: 4, cmp: 5, rel: 5, pred: 6, op: 7, bitor: 7, bitand: 7, shift: 7, bitxor: 7, concat: 7, add: 8, mul: 9, pow: 10, at: 11, collate: 12, unary: 13, cast: 14 },
  mysql: { or: 1, xor: 2, and: 3, not: 4, is: 5, cmp: 5, rel: 5, pred: 6, op: 0, bitor: 7, bitand: 8, shift: 9, add: 10, mul: 11, bitxor: 12, pow: 0, concat: 0, at: 0, unary: 13, collate: 14, cast: 0 },
  sqlite: { or: 1, xor: 0, and: 2, not: 3, is: 4, cmp: 4, pred: 4, rel: 5, op: 0, bitor: 7, bitand: 7, shift: 7, bitxor: 0, add: 8, mul: 9, pow: 0, concat: 10, at: 0, collate: 11, unary: 12, cast: 0 },
};

/** Levels whose operators cannot follow one another without parentheses (`a = b = c`). */
const NON_ASSOCIATIVE: Record<Engine, number[]> = { postgres: [4, 5, 6], mysql: [6], sqlite: [] };

interface Infix {
  prec: number;
  apply(left: Expr): Expr;
}

interface KeywordSpec {
  name: KeywordName;
  /** Takes `(p)`. */
  precision?: true;
  /** MySQL's `CURRENT_USER()`: empty parentheses allowed, or (for USER()) required. */
  parens?: 'optional' | 'required';
}

const PG_KEYWORDS = keywordTable([
  ['current_timestamp', 'CURRENT_TIMESTAMP', true],
  ['current_time', 'CURRENT_TIME', true],
  ['localtimestamp', 'LOCALTIMESTAMP', true],
  ['localtime', 'LOCALTIME', true],
  ['current_date', 'CURRENT_DATE'],
  ['current_user', 'CURRENT_USER'],
  ['session_user', 'SESSION_USER'],
  ['user', 'USER'],
  ['current_role', 'CURRENT_ROLE'],
  ['system_user', 'SYSTEM_USER'],
  ['current_schema', 'CURRENT_SCHEMA'],
  ['current_catalog', 'CURRENT_CATALOG'],
]);
const MYSQL_KEYWORDS = keywordTable([
  ['current_timestamp', 'CURRENT_TIMESTAMP', true, 'optional'],
  ['current_time', 'CURRENT_TIME', true, 'optional'],
  ['localtimestamp', 'LOCALTIMESTAMP', true, 'optional'],
  ['localtime', 'LOCALTIME', true, 'optional'],
  ['current_date', 'CURRENT_DATE', false, 'optional'],
  ['current_user', 'CURRENT_USER', false, 'optional'],
  ['current_role', 'CURRENT_ROLE', false, 'optional'],
  ['user', 'USER', false, 'required'],
  ['session_user', 'SESSION_USER', false, 'required'],
  ['system_user', 'SYSTEM_USER', false, 'required'],
]);
const SQLITE_KEYWORDS = keywordTable([
  ['current_timestamp', 'CURRENT_TIMESTAMP'],
  ['current_time', 'CURRENT_TIME'],
  ['current_date', 'CURRENT_DATE'],
]);
const KEYWORDS: Record<Engine, Map<string, KeywordSpec>> = { postgres: PG_KEYWORDS, mysql: MYSQL_KEYWORDS, sqlite: SQLITE_KEYWORDS };

function keywordTable(rows: Array<[string, KeywordName, boolean?, ('optional' | 'required')?]>): Map<string, KeywordSpec> {
  return new Map(
    rows.map(([word, name, precision, parens]) => {
      const spec: KeywordSpec = { name };
      if (precision) spec.precision = true;
      if (parens) spec.parens = parens;
      return [word, spec];
    }),
  );
}


/** PostgreSQL functions whose call is written with the grammar's own rule, not as a plain name. */
const PG_CALLABLE_COL_NAMES = new Set(['coalesce', 'greatest', 'least', 'nullif', 'substring']);

/** MySQL functions whose first argument is a bare unit word, which would read as a column. */
const MYSQL_UNIT_FUNCTIONS = new Set(['timestampadd', 'timestampdiff', 'get_format']);

const COMPARISONS = new Map<string, ComparisonOp>([
  ['=', '='],
  ['==', '='],
  ['<>', '<>'],
  ['!=', '<>'],
  ['<', '<'],
  ['<=', '<='],
  ['>', '>'],
  ['>=', '>='],
]);

/** Which dialects know each word operator of predicateInfix(). */
const PREDICATES = new Map<string, Engine[]>([
  ['like', ['postgres', 'mysql', 'sqlite']],
  ['between', ['postgres', 'mysql', 'sqlite']],
  ['in', ['postgres', 'mysql', 'sqlite']],
  ['ilike', ['postgres']],
  ['similar', ['postgres']],
  ['glob', ['sqlite']],
  ['regexp', ['mysql', 'sqlite']],
  ['rlike', ['mysql']],
  ['match', ['sqlite']],
]);

class Parser {
  private readonly L: Levels;
  private readonly depths = new WeakMap<Expr, number>();
  private recursion = 0;

  constructor(
    readonly ts: Tokens,
    private readonly dialect: Engine,
  ) {
    this.L = LEVELS[dialect];
  }

  /** Pratt loop: a prefix expression, then every infix or postfix operator binding at least `minPrec`. */
  expression(minPrec: number): Expr {
    if (++this.recursion > MAX_RECURSION) throw syntaxError(this.ts.peek().pos, 'expression nested too deeply', `nesting is limited to ${MAX_DEPTH} levels`);
    let left = this.prefix();
    let chained = 0;
    for (;;) {
      const t = this.ts.peek();
      const infix = this.infix(t);
      if (!infix || infix.prec < minPrec) break;
      if (infix.prec === chained) throw this.ts.unexpected(t, 'these operators cannot follow one another without parentheses');
      left = infix.apply(left);
      chained = NON_ASSOCIATIVE[this.dialect].includes(infix.prec) ? infix.prec : 0;
    }
    this.recursion--;
    return left;
  }

  expectEnd(): void {
    const t = this.ts.peek();
    if (t.kind === 'end') return;
    throw this.ts.unexpected(t, this.whyNot(t) ?? 'an operator or the end of the expression was expected');
  }

  /** Specific reasons for tokens that show the text is more than an expression. */
  private whyNot(t: Token): string | undefined {
    if (t.kind === 'word' && (SUBQUERY_WORDS.has(t.value) || t.value === 'from')) return 'subqueries are not allowed in an expression';
    if (t.kind === 'word' && t.value === 'over') return 'window functions are not allowed in an expression';
    if (t.kind === 'op' && t.value === ':=') return 'assignment is not allowed in an expression';
    if (t.kind === 'op' && t.value === ',') return 'a single expression was expected';
    return undefined;
  }

  /** Records a node's depth and refuses trees deeper than MAX_DEPTH. */
  private node<T extends Expr>(expr: T, pos: number): T {
    let depth = 1;
    for (const kid of children(expr)) depth = Math.max(depth, (this.depths.get(kid) ?? 1) + 1);
    if (depth > MAX_DEPTH) throw syntaxError(pos, 'expression nested too deeply', `nesting is limited to ${MAX_DEPTH} levels`);
    this.depths.set(expr, depth);
    return expr;
  }

  // ---- prefix position -------------------------------------------------------------------

  private prefix(): Expr {
    const t = this.ts.peek();
    switch (t.kind) {
      case 'number':
        this.ts.next();
        return { kind: 'number', text: t.value };
      case 'string':
        this.ts.next();
        return t.charset ? { kind: 'string', value: t.value, charset: t.charset } : { kind: 'string', value: t.value };
      case 'bytes':
        this.ts.next();
        return { kind: 'bytes', hex: t.value };
      case 'quoted':
        return this.name();
      case 'word':
        return this.word(t);
      case 'op':
        return this.prefixOperator(t);
      case 'end':
        throw this.ts.unexpected(t, 'an expression was expected');
    }
  }

  private prefixOperator(t: Token): Expr {
    const { L, dialect } = this;
    switch (t.value) {
      case '(':
        return this.parenthesized();
      case '-':
      case '+':
        this.ts.next();
        return this.node({ kind: 'unary', op: t.value, operand: this.expression(L.unary) }, t.pos);
      case '~':
        this.ts.next();
        // PostgreSQL's prefix operators bind like its other operators: ~ a + b is ~(a + b).
        return this.node({ kind: 'unary', op: '~', operand: this.expression(dialect === 'postgres' ? L.op + 1 : L.unary) }, t.pos);
      case '!':
        if (dialect !== 'mysql') break;
        this.ts.next();
        return this.node({ kind: 'unary', op: 'NOT', operand: this.expression(L.unary) }, t.pos);
    }
    throw this.ts.unexpected(t, 'an expression was expected');
  }

  private parenthesized(): Expr {
    this.ts.next();
    this.refuseSubquery();
    const inner = this.expression(0);
    if (this.ts.isOp(',')) throw this.ts.unexpected(this.ts.peek(), 'row values are not supported');
    this.ts.expectOp(')');
    return inner;
  }

  private refuseSubquery(): void {
    const t = this.ts.peek();
    if (t.kind === 'word' && SUBQUERY_WORDS.has(t.value)) throw this.ts.unexpected(t, 'subqueries are not allowed in an expression');
  }

  private word(t: Token): Expr {
    const { ts, dialect } = this;
    if (ts.isOp('.', 1)) return this.qualified();
    const paren = ts.isOp('(', 1);
    switch (t.value) {
      case 'null':
        ts.next();
        return { kind: 'null' };
      case 'true':
      case 'false':
        ts.next();
        return { kind: 'boolean', value: t.value === 'true' };
      case 'not':
        ts.next();
        return this.node({ kind: 'unary', op: 'NOT', operand: this.expression(this.L.not) }, t.pos);
      case 'case':
        return this.caseExpression();
      case 'exists':
      case 'select':
      case 'with':
      case 'values':
      case 'table':
        throw ts.unexpected(t, 'subqueries are not allowed in an expression');
      case 'row':
        throw ts.unexpected(t, 'row values are not supported');
      case 'default':
        throw ts.unexpected(t, 'DEFAULT is not an expression');
      case 'any':
      case 'all':
      case 'some':
        throw ts.unexpected(t, `${t.value.toUpperCase()} is only allowed after a comparison`);
    }
    if (paren) {
      const special = this.specialCall(t);
      if (special) return special;
    }
    if (t.value === 'array' && dialect === 'postgres') return this.arrayConstructor();
    // In PostgreSQL a bare `interval` may be a column; in MySQL the word is reserved.
    if (t.value === 'interval' && (dialect === 'mysql' || (dialect === 'postgres' && (paren || ts.peek(1).kind === 'string')))) return this.interval();
    if (t.value === 'binary' && dialect === 'mysql') {
      ts.next();
      return this.node({ kind: 'cast', operand: this.expression(this.L.unary), type: { name: 'char', charset: 'binary' } }, t.pos);
    }
    const keyword = this.keyword(t);
    if (keyword) return keyword;
    const typed = this.typedLiteral(t);
    if (typed) return typed;
    if (paren) {
      if (!this.callable(t.value)) throw ts.unexpected(t, 'not a function');
      ts.next();
      return this.call(t.value, t.pos);
    }
    ts.next();
    return { kind: 'column', name: this.columnName(t) };
  }

  /** Functions with a syntax of their own: CAST(x AS t), EXTRACT(f FROM x), TRIM(… FROM …) and friends. */
  private specialCall(t: Token): Expr | undefined {
    const { dialect } = this;
    switch (t.value) {
      case 'cast':
        return this.cast();
      case 'extract':
        return dialect === 'sqlite' ? undefined : this.extract();
      case 'convert':
        return dialect === 'mysql' ? this.convert() : undefined;
      case 'trim':
        return dialect === 'sqlite' ? undefined : this.trim();
      case 'position':
        return dialect === 'sqlite' ? undefined : this.position();
      case 'substring':
        return dialect === 'sqlite' ? undefined : this.substring();
      case 'substr':
        return dialect === 'mysql' ? this.substring() : undefined;
      default:
        return undefined;
    }
  }

  /** A name starting with a quoted identifier: a column, or a call. */
  private name(): Expr {
    const { ts } = this;
    const t = ts.peek();
    if (ts.isOp('.', 1)) return this.qualified();
    ts.next();
    if (ts.isOp('(')) {
      if (this.dialect === 'mysql') throw ts.unexpected(t, 'quoted function names call stored functions, which are not supported');
      return this.call(t.value, t.pos);
    }
    return { kind: 'column', name: t.value };
  }

  /** `table.column`, or PostgreSQL's `pg_catalog.function(…)`. */
  private qualified(): Expr {
    const { ts, dialect } = this;
    const first = ts.next();
    ts.next();
    const second = ts.next();
    if (second.kind !== 'word' && second.kind !== 'quoted') throw ts.unexpected(second, 'a name was expected after the dot');
    if (ts.isOp('.')) throw ts.unexpected(ts.peek(), 'names with more than two parts are not supported');
    if (ts.isOp('(')) {
      if (dialect !== 'postgres' || first.value !== 'pg_catalog') throw ts.unexpected(first, 'schema-qualified function names are not supported');
      if (dialect === 'postgres' && second.kind === 'word' && PG_RESERVED.has(second.value)) throw ts.unexpected(second, 'not a function');
      return this.call(second.value, second.pos);
    }
    const fold = (t: Token) => (t.kind === 'quoted' ? t.value : dialect === 'postgres' ? t.value : t.text);
    return { kind: 'column', name: fold(second), table: fold(first) };
  }

  private columnName(t: Token): string {
    const { dialect } = this;
    const reserved =
      dialect === 'postgres' ? PG_RESERVED.has(t.value) || PG_TYPE_FUNC.has(t.value) : dialect === 'mysql' ? MYSQL_RESERVED.has(t.value) : SQLITE_RESERVED.has(t.value);
    if (reserved) throw this.ts.unexpected(t, `${t.text} is a reserved word; a column of that name must be quoted`);
    // PostgreSQL folds unquoted names to lower case; MySQL and SQLite compare them case-insensitively.
    return dialect === 'postgres' ? t.value : t.text;
  }

  private callable(word: string): boolean {
    switch (this.dialect) {
      case 'postgres':
        return (!PG_RESERVED.has(word) && !PG_COL_NAME.has(word)) || PG_CALLABLE_COL_NAMES.has(word);
      case 'mysql':
        return !MYSQL_NOT_CALLABLE.has(word);
      case 'sqlite':
        return !SQLITE_NOT_CALLABLE.has(word);
    }
  }

  /** The argument list of a call; the name is already consumed and `(` is next. */
  private call(name: string, pos: number): Expr {
    const { ts, dialect } = this;
    if (dialect === 'mysql' && MYSQL_UNIT_FUNCTIONS.has(name)) throw ts.unexpected(ts.peek(-1), `${name.toUpperCase()}() is not supported`);
    ts.expectOp('(');
    const call: ExprOf<'call'> = { kind: 'call', name, args: [] };
    if (ts.acceptOp('*')) {
      call.star = true;
    } else if (!ts.isOp(')')) {
      if (ts.acceptWord('distinct')) call.distinct = true;
      this.refuseSubquery();
      do call.args.push(this.expression(0));
      while (ts.acceptOp(','));
    }
    ts.expectOp(')', 'a "," or ")" was expected in the argument list');
    this.refuseWindow();
    if (dialect === 'postgres') {
      if (name === 'btrim') call.name = 'trim';
      // position(string, substring) is POSITION(substring IN string): the tree keeps the SQL order.
      if (name === 'position' && call.args.length === 2) call.args.reverse();
    }
    return this.node(call, pos);
  }

  private refuseWindow(): void {
    const t = this.ts.peek();
    if (t.kind !== 'word') return;
    if (t.value === 'over') throw this.ts.unexpected(t, 'window functions are not allowed in an expression');
    if (t.value === 'filter' || t.value === 'within') throw this.ts.unexpected(t, 'aggregate clauses are not allowed in an expression');
  }

  private keyword(t: Token): Expr | undefined {
    const { ts, dialect } = this;
    const spec = KEYWORDS[dialect].get(t.value);
    if (!spec) return undefined;
    const paren = ts.isOp('(', 1);
    if (spec.parens === 'required' && !paren) return undefined;
    // PostgreSQL's current_schema() is a function; bare CURRENT_SCHEMA the keyword.
    if (paren && dialect === 'postgres' && t.value === 'current_schema') return undefined;
    ts.next();
    const node: ExprOf<'keyword'> = { kind: 'keyword', name: spec.name };
    if (paren && (spec.precision || spec.parens)) {
      ts.next();
      if (!ts.isOp(')') || dialect === 'postgres') {
        const p = ts.next();
        if (!spec.precision || p.kind !== 'number' || !/^[0-6]$/.test(p.value)) throw ts.unexpected(p, 'a precision from 0 to 6 was expected');
        node.precision = Number(p.value);
      }
      ts.expectOp(')');
    }
    return node;
  }

  /** DATE '…', TIMESTAMP '…' (PostgreSQL also TIMESTAMP(3) WITH TIME ZONE '…'). */
  private typedLiteral(t: Token): Expr | undefined {
    const { ts, dialect } = this;
    if (dialect === 'mysql') {
      if (!['date', 'time', 'timestamp'].includes(t.value) || ts.peek(1).kind !== 'string') return undefined;
      ts.next();
      return { kind: 'typed', type: { name: t.value }, value: ts.next().value };
    }
    if (dialect !== 'postgres' || !['date', 'time', 'timestamp', 'timestamptz', 'timetz'].includes(t.value)) return undefined;
    const mark = ts.mark;
    let type: TypeName;
    try {
      type = parseTypeName(ts, 'postgres');
    } catch (err) {
      if (!(err instanceof SqlSyntaxError)) throw err;
      ts.reset(mark);
      return undefined;
    }
    if (ts.peek().kind !== 'string' || type.array) {
      ts.reset(mark);
      return undefined;
    }
    return { kind: 'typed', type, value: ts.next().value };
  }

  /** PostgreSQL INTERVAL [(p)] '…' [fields]; MySQL INTERVAL <literal> <unit>. */
  private interval(): Expr {
    const { ts } = this;
    const start = ts.next();
    if (this.dialect === 'mysql') {
      if (ts.isOp('(')) throw ts.unexpected(ts.peek(), 'the INTERVAL() function is not supported');
      const sign = ts.isOp('-') || ts.isOp('+') ? ts.next().value : '';
      const q = ts.next();
      if ((q.kind !== 'number' && q.kind !== 'string') || (sign && q.kind !== 'number')) throw ts.unexpected(q, 'INTERVAL takes a literal quantity here');
      const unit = ts.next();
      if (unit.kind !== 'word' || !MYSQL_INTERVAL_UNITS.has(unit.value)) throw ts.unexpected(unit, 'an interval unit (DAY, HOUR, ...) was expected');
      return { kind: 'typed', type: { name: `interval ${unit.value}` }, value: (sign === '-' ? '-' : '') + q.value };
    }
    const args = typeArgs(ts);
    const literal = ts.next();
    if (literal.kind !== 'string') throw ts.unexpected(literal, 'INTERVAL must be followed by a string');
    const fields = intervalFields(ts);
    if (fields && args) throw ts.unexpected(start, 'interval precision goes after the fields');
    const type: TypeName = { name: fields ? `interval ${fields}` : 'interval' };
    const precision = args ?? (fields?.endsWith('second') ? typeArgs(ts) : undefined);
    if (precision) type.args = precision;
    return { kind: 'typed', type, value: literal.value };
  }

  private arrayConstructor(): Expr {
    const { ts } = this;
    const start = ts.next();
    if (ts.isOp('(')) throw ts.unexpected(ts.peek(), 'subqueries are not allowed in an expression');
    if (!ts.isOp('[')) throw ts.unexpected(ts.peek(), '"[" was expected after ARRAY');
    return this.arrayItems(start.pos);
  }

  /** `[a, b]`, where an item may itself be a bare `[…]` (ARRAY[[1,2],[3,4]]). */
  private arrayItems(pos: number): Expr {
    const { ts } = this;
    ts.expectOp('[');
    const items: Expr[] = [];
    if (!ts.isOp(']')) {
      do items.push(ts.isOp('[') ? this.arrayItems(ts.peek().pos) : this.expression(0));
      while (ts.acceptOp(','));
    }
    ts.expectOp(']');
    return this.node({ kind: 'array', items }, pos);
  }

  private caseExpression(): Expr {
    const { ts } = this;
    const start = ts.next();
    const node: ExprOf<'case'> = { kind: 'case', whens: [] };
    if (!ts.isWord('when')) node.operand = this.expression(0);
    while (ts.acceptWord('when')) {
      const when = this.expression(0);
      ts.expectWord('then');
      node.whens.push({ when, then: this.expression(0) });
    }
    if (!node.whens.length) throw ts.unexpected(ts.peek(), 'WHEN was expected');
    if (ts.acceptWord('else')) node.else = this.expression(0);
    ts.expectWord('end', 'WHEN, ELSE or END was expected');
    return this.node(node, start.pos);
  }

  private cast(): Expr {
    const { ts } = this;
    const start = ts.next();
    ts.expectOp('(');
    const operand = this.expression(0);
    ts.expectWord('as');
    const type = parseTypeName(ts, this.dialect);
    ts.expectOp(')');
    return this.castNode(operand, type, start.pos);
  }

  /** PostgreSQL prints bytea constants as '\x00ff'::bytea: read back as the bytes they are. */
  private castNode(operand: Expr, type: TypeName, pos: number): Expr {
    if (
      this.dialect === 'postgres' &&
      operand.kind === 'string' &&
      type.name === 'bytea' &&
      !type.quoted &&
      !type.args &&
      !type.array &&
      /^\\x(?:[0-9a-fA-F]{2})*$/.test(operand.value)
    ) {
      return { kind: 'bytes', hex: operand.value.slice(2).toLowerCase() };
    }
    return this.node({ kind: 'cast', operand, type }, pos);
  }

  /** MySQL CONVERT(x, type) and CONVERT(x USING charset), the latter as a cast to CHAR CHARSET. */
  private convert(): Expr {
    const { ts } = this;
    const start = ts.next();
    ts.expectOp('(');
    const operand = this.expression(0);
    let type: TypeName;
    if (ts.acceptWord('using')) {
      const cs = ts.next();
      if (cs.kind !== 'word' || !/^[a-z0-9_]+$/.test(cs.value)) throw ts.unexpected(cs, 'a character set name was expected');
      type = { name: 'char', charset: cs.value };
    } else {
      ts.expectOp(',', '"," or USING was expected');
      type = parseTypeName(ts, 'mysql');
    }
    ts.expectOp(')');
    return this.node({ kind: 'cast', operand, type }, start.pos);
  }

  private extract(): Expr {
    const { ts, dialect } = this;
    const start = ts.next();
    ts.expectOp('(');
    const f = ts.next();
    const field = f.kind === 'word' || (f.kind === 'string' && dialect === 'postgres') ? f.value.toLowerCase() : '';
    const known = dialect === 'postgres' ? PG_EXTRACT_FIELDS : MYSQL_INTERVAL_UNITS;
    if (!known.has(field)) throw ts.unexpected(f, 'a date or time field was expected');
    ts.expectWord('from');
    const from = this.expression(0);
    ts.expectOp(')');
    return this.node({ kind: 'extract', field, from }, start.pos);
  }

  /**
   * TRIM([BOTH|LEADING|TRAILING] [chars] FROM s) as calls trim/ltrim/rtrim with arguments
   * (s [, chars]), the order SQLite's trim() and PostgreSQL's ltrim() take them in.
   */
  private trim(): Expr {
    const { ts, dialect } = this;
    const start = ts.next();
    ts.expectOp('(');
    const side = ts.isWord('both') || ts.isWord('leading') || ts.isWord('trailing') ? ts.next().value : undefined;
    const args: Expr[] = [];
    if (ts.acceptWord('from')) {
      args.push(this.expression(0));
    } else {
      const first = this.expression(0);
      if (ts.acceptWord('from')) args.push(this.expression(0), first);
      else if (dialect === 'postgres' && ts.acceptOp(',')) args.push(first, this.expression(0));
      else if (side && dialect === 'mysql') throw ts.unexpected(ts.peek(), 'FROM was expected');
      else args.push(first);
    }
    ts.expectOp(')');
    const name = side === 'leading' ? 'ltrim' : side === 'trailing' ? 'rtrim' : 'trim';
    return this.node({ kind: 'call', name, args }, start.pos);
  }

  /** POSITION(sub IN s) as call position(sub, s); PostgreSQL's plain position(s, sub) is reversed to match. */
  private position(): Expr {
    const { ts } = this;
    const start = ts.next();
    const mark = ts.mark;
    ts.expectOp('(');
    const sub = this.expression(this.L.pred + 1);
    if (!ts.acceptWord('in')) {
      if (this.dialect === 'mysql') throw ts.unexpected(ts.peek(), 'IN was expected');
      ts.reset(mark);
      return this.call('position', start.pos);
    }
    const s = this.expression(this.dialect === 'postgres' ? this.L.pred + 1 : 0);
    ts.expectOp(')');
    return this.node({ kind: 'call', name: 'position', args: [sub, s] }, start.pos);
  }

  /** SUBSTRING(s FROM a [FOR b]) as call substring(s, a [, b]); the plain call form as it is. */
  private substring(): Expr {
    const { ts } = this;
    const start = ts.next();
    ts.expectOp('(');
    const args = [this.expression(0)];
    if (ts.acceptWord('from')) {
      args.push(this.expression(0));
      if (ts.acceptWord('for')) args.push(this.expression(0));
    } else if (ts.isWord('for') || ts.isWord('similar')) {
      throw ts.unexpected(ts.peek(), `SUBSTRING(… ${ts.peek().text.toUpperCase()} …) is not supported`);
    } else {
      while (ts.acceptOp(',')) args.push(this.expression(0));
    }
    ts.expectOp(')');
    this.refuseWindow();
    return this.node({ kind: 'call', name: start.value, args }, start.pos);
  }

  // ---- infix and postfix position --------------------------------------------------------

  private infix(t: Token): Infix | undefined {
    if (t.kind === 'op') return this.symbolInfix(t);
    if (t.kind !== 'word') return undefined;
    const { L, dialect } = this;
    switch (t.value) {
      case 'or':
        return this.binaryInfix('OR', L.or);
      case 'and':
        return this.binaryInfix('AND', L.and);
      case 'xor':
        return dialect === 'mysql' ? this.binaryInfix('XOR', L.xor) : undefined;
      case 'div':
        return dialect === 'mysql' ? this.binaryInfix('DIV', L.mul) : undefined;
      case 'mod':
        return dialect === 'mysql' ? this.binaryInfix('%', L.mul) : undefined;
      case 'is':
        return { prec: L.is, apply: (left) => this.isTail(left) };
      case 'isnull':
      case 'notnull':
        if (dialect === 'mysql') return undefined;
        return { prec: L.is, apply: (left) => (this.ts.next(), this.node({ kind: 'is', operand: left, test: 'NULL', not: t.value === 'notnull' }, t.pos)) };
      case 'not':
        return this.notInfix();
      case 'collate':
        return { prec: L.collate, apply: (left) => this.collate(left) };
      case 'at':
        return dialect === 'postgres' ? { prec: L.at, apply: (left) => this.atTimeZone(left) } : undefined;
      case 'sounds':
      case 'member':
      case 'overlaps':
        return { prec: L.pred, apply: () => this.refuse(t, `${t.value.toUpperCase()} is not supported`) };
      default:
        return this.predicateInfix(t.value, false);
    }
  }

  private refuse(t: Token, why: string): never {
    throw this.ts.unexpected(t, why);
  }

  private notInfix(): Infix | undefined {
    const next = this.ts.peek(1);
    if (next.kind !== 'word') return undefined;
    if (next.value === 'null' && this.dialect === 'sqlite') {
      return { prec: this.L.is, apply: (left) => (this.ts.next(), this.ts.next(), this.node({ kind: 'is', operand: left, test: 'NULL', not: true }, next.pos)) };
    }
    return this.predicateInfix(next.value, true);
  }

  /** [NOT] LIKE / ILIKE / SIMILAR TO / GLOB / REGEXP / RLIKE / BETWEEN / IN. */
  private predicateInfix(word: string, not: boolean): Infix | undefined {
    const { dialect, L } = this;
    if (!PREDICATES.get(word)?.includes(dialect)) return undefined;
    return {
      prec: L.pred,
      apply: (left) => {
        if (not) this.ts.next();
        const t = this.ts.next();
        if (word === 'between') return this.between(left, not, t.pos);
        if (word === 'in') return this.inList(left, not, t.pos);
        if (word === 'match') this.refuse(t, 'MATCH is not supported');
        if (word === 'similar') this.ts.expectWord('to');
        const op: MatchOp = word === 'rlike' || word === 'regexp' ? 'REGEXP' : word === 'similar' ? 'SIMILAR TO' : (word.toUpperCase() as MatchOp);
        return this.match(left, op, not, t.pos);
      },
    };
  }

  /** Where a LIKE pattern, an ESCAPE character and BETWEEN's bounds stop. */
  private operandLevel(): number {
    const { L, dialect } = this;
    return dialect === 'postgres' ? L.pred + 1 : dialect === 'mysql' ? L.bitor : L.rel;
  }

  private match(left: Expr, op: MatchOp, not: boolean, pos: number): Expr {
    const pattern = this.expression(this.operandLevel());
    const node: ExprOf<'match'> = { kind: 'match', op, operand: left, pattern, not };
    if (op !== 'GLOB' && op !== 'REGEXP' && this.ts.acceptWord('escape')) node.escape = this.expression(this.operandLevel());
    return this.node(node, pos);
  }

  private between(operand: Expr, not: boolean, pos: number): Expr {
    const { ts } = this;
    if (this.dialect === 'postgres') {
      if (ts.isWord('symmetric')) throw ts.unexpected(ts.peek(), 'BETWEEN SYMMETRIC is not supported');
      ts.acceptWord('asymmetric');
    }
    const low = this.expression(this.operandLevel());
    ts.expectWord('and');
    const high = this.expression(this.operandLevel());
    return this.node({ kind: 'between', operand, low, high, not }, pos);
  }

  private inList(operand: Expr, not: boolean, pos: number): Expr {
    const { ts } = this;
    ts.expectOp('(', '"(" was expected after IN');
    this.refuseSubquery();
    const list: Expr[] = [];
    if (!ts.isOp(')')) {
      do list.push(this.expression(0));
      while (ts.acceptOp(','));
    } else if (this.dialect !== 'sqlite') {
      throw ts.unexpected(ts.peek(), 'an IN list cannot be empty');
    }
    ts.expectOp(')');
    return this.node({ kind: 'in', operand, list, not }, pos);
  }

  private isTail(left: Expr): Expr {
    const { ts, dialect } = this;
    const start = ts.next();
    const not = ts.acceptWord('not');
    if (ts.acceptWord('distinct')) {
      if (dialect === 'mysql') throw ts.unexpected(ts.peek(-1), 'IS DISTINCT FROM is not MySQL syntax');
      ts.expectWord('from');
      return this.node({ kind: 'distinct', left, right: this.expression(this.L.is + 1), not }, start.pos);
    }
    if (dialect === 'sqlite') {
      // SQLite's IS compares any two values; a bare NULL, TRUE or FALSE after it is a test.
      const t = ts.peek();
      const mark = ts.mark;
      const right = this.expression(this.L.is + 1);
      if (ts.mark === mark + 1 && t.kind === 'word' && ['null', 'true', 'false'].includes(t.value)) {
        return this.node({ kind: 'is', operand: left, test: t.value.toUpperCase() as 'NULL' | 'TRUE' | 'FALSE', not }, start.pos);
      }
      return this.node({ kind: 'distinct', left, right, not: !not }, start.pos);
    }
    for (const test of ['NULL', 'TRUE', 'FALSE', 'UNKNOWN'] as const) {
      if (ts.acceptWord(test.toLowerCase())) return this.node({ kind: 'is', operand: left, test, not }, start.pos);
    }
    throw ts.unexpected(ts.peek(), dialect === 'postgres' ? 'NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM was expected' : 'NULL, TRUE, FALSE or UNKNOWN was expected');
  }

  private collate(left: Expr): Expr {
    const { ts, dialect } = this;
    const start = ts.next();
    let t = ts.next();
    if (dialect === 'postgres' && (t.kind === 'word' || t.kind === 'quoted') && t.value === 'pg_catalog' && ts.acceptOp('.')) t = ts.next();
    let collation: string;
    if (dialect === 'mysql') {
      collation = t.kind === 'word' || t.kind === 'quoted' || t.kind === 'string' ? t.value.toLowerCase() : '';
      if (!/^[a-z0-9_]+$/.test(collation)) throw ts.unexpected(t, 'a collation name was expected');
    } else if (t.kind === 'quoted') {
      collation = t.value;
    } else if (t.kind === 'word') {
      collation = dialect === 'postgres' ? t.value : t.text;
    } else {
      throw ts.unexpected(t, 'a collation name was expected');
    }
    if (ts.isOp('.')) throw ts.unexpected(ts.peek(), 'schema-qualified collations are not supported');
    return this.node({ kind: 'collate', operand: left, collation }, start.pos);
  }

  /** x AT TIME ZONE z is PostgreSQL's timezone(z, x). */
  private atTimeZone(left: Expr): Expr {
    const { ts } = this;
    const start = ts.next();
    ts.expectWord('time', 'AT TIME ZONE was expected');
    ts.expectWord('zone');
    const zone = this.expression(this.L.at + 1);
    return this.node({ kind: 'call', name: 'timezone', args: [zone, left] }, start.pos);
  }

  private binaryInfix(op: BinaryOp, prec: number): Infix {
    return {
      prec,
      apply: (left) => {
        const t = this.ts.next();
        return this.node({ kind: 'binary', op, left, right: this.expression(prec + 1) }, t.pos);
      },
    };
  }

  private symbolInfix(t: Token): Infix | undefined {
    const { L, dialect } = this;
    const v = t.value;
    const comparison = COMPARISONS.get(v);
    if (comparison) return this.comparison(comparison, dialect === 'sqlite' && !['=', '==', '<>', '!='].includes(v) ? L.rel : L.cmp);
    switch (v) {
      case '+':
      case '-':
        return this.binaryInfix(v, L.add);
      case '*':
      case '/':
      case '%':
        return this.binaryInfix(v, L.mul);
      case '&':
        return this.binaryInfix('&', L.bitand);
      case '|':
        return this.binaryInfix('|', L.bitor);
      case '<<':
      case '>>':
        return this.binaryInfix(v, L.shift);
    }
    if (dialect === 'mysql') return this.mysqlSymbol(t);
    if (dialect === 'sqlite') return v === '||' || v === '->' || v === '->>' ? this.binaryInfix(v, L.concat) : undefined;
    return this.pgSymbol(t);
  }

  private mysqlSymbol(t: Token): Infix | undefined {
    const { L } = this;
    switch (t.value) {
      case '^':
        return this.binaryInfix('#', L.bitxor);
      case '||':
        return this.binaryInfix('OR', L.or);
      case '&&':
        return this.binaryInfix('AND', L.and);
      case '<=>':
        return {
          prec: L.cmp,
          apply: (left) => (this.ts.next(), this.node({ kind: 'distinct', left, right: this.expression(L.pred), not: true }, t.pos)),
        };
      case '->':
      case '->>':
        return { prec: L.cmp, apply: () => this.refuse(t, 'the -> operators are not supported for MySQL; use json_extract()') };
      case ':=':
        return { prec: L.or, apply: () => this.refuse(t, 'assignment is not allowed in an expression') };
    }
    return undefined;
  }

  private pgSymbol(t: Token): Infix | undefined {
    const { L } = this;
    switch (t.value) {
      case '^':
        return this.binaryInfix('^', L.pow);
      case '::':
        return { prec: L.cast, apply: (left) => (this.ts.next(), this.castNode(left, parseTypeName(this.ts, 'postgres'), t.pos)) };
      case '[':
        return { prec: L.cast, apply: () => this.refuse(t, 'array subscripts are not supported') };
      case '~':
      case '~*':
      case '!~':
      case '!~*':
      case '~~':
      case '~~*':
      case '!~~':
      case '!~~*':
        return { prec: L.op, apply: (left) => this.pgMatch(left) };
      case '||':
      case '#':
      case '->':
      case '->>':
      case '#>':
      case '#>>':
      case '@>':
      case '<@':
      case '?':
      case '&&':
        return this.binaryInfix(t.value, L.op);
    }
    return undefined;
  }

  /**
   * PostgreSQL's pattern operators. pg_get_expr() prints LIKE as ~~ with like_escape(p, e) for an
   * ESCAPE, and SIMILAR TO as ~ similar_to_escape(p): both are read back as what was written.
   */
  private pgMatch(left: Expr): Expr {
    const t = this.ts.next();
    const v = t.value;
    const not = v.startsWith('!');
    const pattern = this.expression(this.L.op + 1);
    const escapeCall = (names: string[]) => (pattern.kind === 'call' && names.includes(pattern.name) && pattern.args.length >= 1 && pattern.args.length <= 2 ? pattern : undefined);
    const node: ExprOf<'match'> = { kind: 'match', op: 'REGEXP', operand: left, pattern, not };
    if (v.includes('~~')) {
      node.op = v.endsWith('*') ? 'ILIKE' : 'LIKE';
      const call = escapeCall(['like_escape']);
      if (call?.args.length === 2) [node.pattern, node.escape] = call.args;
    } else {
      if (v.endsWith('*')) node.caseInsensitive = true;
      const call = v.endsWith('*') ? undefined : escapeCall(['similar_to_escape', 'similar_escape']);
      if (call) {
        node.op = 'SIMILAR TO';
        node.pattern = call.args[0];
        if (call.args[1] && call.args[1].kind !== 'null') node.escape = call.args[1];
      }
    }
    return this.node(node, t.pos);
  }

  private comparison(op: ComparisonOp, prec: number): Infix {
    return {
      prec,
      apply: (left) => {
        const { ts, dialect } = this;
        const t = ts.next();
        const q = ts.peek();
        if (q.kind === 'word' && ['any', 'some', 'all'].includes(q.value) && ts.isOp('(', 1)) {
          if (dialect !== 'postgres') throw ts.unexpected(q, 'subqueries are not allowed in an expression');
          ts.next();
          ts.next();
          this.refuseSubquery();
          const right = this.expression(0);
          ts.expectOp(')');
          return this.node({ kind: 'quantified', op, quantifier: q.value === 'all' ? 'ALL' : 'ANY', left, right }, t.pos);
        }
        return this.node({ kind: 'binary', op, left, right: this.expression(prec + 1) }, t.pos);
      },
    };
  }
}
