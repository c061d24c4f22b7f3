/**
 * The expression tree shared by the three dialects. Nodes are plain JSON-serializable objects,
 * discriminated on `kind`, so that they can be compared with deepEqual, stored in a dump and
 * rewritten by the translation layer without any class in between.
 */

export type ComparisonOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

/**
 * `||` is concatenation (MySQL's `||` is OR and is read as 'OR'); `&&` is PostgreSQL's array
 * overlap (MySQL's `&&` is read as 'AND'); `^` is PostgreSQL's exponentiation; `#` is bitwise XOR
 * (PostgreSQL `#`, MySQL `^`); `XOR` is MySQL's logical XOR; `%` is modulo (MySQL `MOD` too).
 */
export type BinaryOp =
  | ComparisonOp
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '^'
  | '#'
  | '||'
  | 'AND'
  | 'OR'
  | 'XOR'
  | 'DIV'
  | '&'
  | '|'
  | '<<'
  | '>>'
  | '->'
  | '->>'
  | '#>'
  | '#>>'
  | '@>'
  | '<@'
  | '?'
  | '&&';

export interface TypeName {
  /** Lower-case words ('character varying', 'timestamp without time zone', 'interval day'), or a quoted user type name. */
  name: string;
  args?: number[];
  /** Array dimensions (PostgreSQL). */
  array?: number;
  quoted?: true;
  /** MySQL `CHAR CHARSET utf8mb4`, which is how MariaDB prints every cast to CHAR. */
  charset?: string;
}

export type KeywordName =
  | 'CURRENT_TIMESTAMP'
  | 'CURRENT_DATE'
  | 'CURRENT_TIME'
  | 'LOCALTIMESTAMP'
  | 'LOCALTIME'
  | 'CURRENT_USER'
  | 'SESSION_USER'
  | 'USER'
  | 'CURRENT_ROLE'
  | 'SYSTEM_USER'
  | 'CURRENT_SCHEMA'
  | 'CURRENT_CATALOG';

export type MatchOp = 'LIKE' | 'ILIKE' | 'GLOB' | 'REGEXP' | 'SIMILAR TO';

export type Expr =
  | { kind: 'null' }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'number'; text: string }
  | { kind: 'string'; value: string; charset?: string }
  | { kind: 'bytes'; hex: string }
  | { kind: 'typed'; type: TypeName; value: string }
  | { kind: 'column'; name: string; table?: string }
  | { kind: 'keyword'; name: KeywordName; precision?: number }
  | { kind: 'unary'; op: '-' | '+' | 'NOT' | '~'; operand: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'call'; name: string; args: Expr[]; star?: true; distinct?: true }
  | { kind: 'cast'; operand: Expr; type: TypeName }
  | { kind: 'case'; operand?: Expr; whens: Array<{ when: Expr; then: Expr }>; else?: Expr }
  | { kind: 'in'; operand: Expr; list: Expr[]; not: boolean }
  | { kind: 'between'; operand: Expr; low: Expr; high: Expr; not: boolean }
  | { kind: 'is'; operand: Expr; test: 'NULL' | 'TRUE' | 'FALSE' | 'UNKNOWN'; not: boolean }
  | { kind: 'distinct'; left: Expr; right: Expr; not: boolean }
  | { kind: 'match'; op: MatchOp; operand: Expr; pattern: Expr; escape?: Expr; not: boolean; caseInsensitive?: true }
  | { kind: 'array'; items: Expr[] }
  | { kind: 'quantified'; op: ComparisonOp; quantifier: 'ANY' | 'ALL'; left: Expr; right: Expr }
  | { kind: 'collate'; operand: Expr; collation: string }
  | { kind: 'extract'; field: string; from: Expr };

export type ExprKind = Expr['kind'];
export type ExprOf<K extends ExprKind> = Extract<Expr, { kind: K }>;

/** The direct sub-expressions of a node, in the order they are written. */
export function children(expr: Expr): Expr[] {
  switch (expr.kind) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
    case 'bytes':
    case 'typed':
    case 'column':
    case 'keyword':
      return [];
    case 'unary':
    case 'cast':
    case 'collate':
    case 'is':
      return [expr.operand];
    case 'binary':
    case 'distinct':
    case 'quantified':
      return [expr.left, expr.right];
    case 'call':
      return expr.args;
    case 'case': {
      const out = expr.operand ? [expr.operand] : [];
      for (const w of expr.whens) out.push(w.when, w.then);
      if (expr.else) out.push(expr.else);
      return out;
    }
    case 'in':
      return [expr.operand, ...expr.list];
    case 'between':
      return [expr.operand, expr.low, expr.high];
    case 'match':
      return expr.escape ? [expr.operand, expr.pattern, expr.escape] : [expr.operand, expr.pattern];
    case 'array':
      return expr.items;
    case 'extract':
      return [expr.from];
  }
}

/**
 * Visits every node, parents before children. Returning false from `visit` skips the node's
 * children.
 */
export function walk(expr: Expr, visit: (node: Expr, parent: Expr | undefined) => void | false): void {
  const stack: Array<[Expr, Expr | undefined]> = [[expr, undefined]];
  while (stack.length) {
    const [node, parent] = stack.pop()!;
    if (visit(node, parent) === false) continue;
    const kids = children(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], node]);
  }
}

/**
 * Rebuilds a tree bottom-up: `fn` gets each node with its children already rewritten and returns
 * the node to put in its place. The input is left untouched. The translation layer's tool.
 */
export function rewrite(expr: Expr, fn: (node: Expr) => Expr): Expr {
  const r = (e: Expr) => rewrite(e, fn);
  return fn(withChildren(expr, r));
}

function withChildren(expr: Expr, r: (e: Expr) => Expr): Expr {
  switch (expr.kind) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
    case 'bytes':
    case 'typed':
    case 'column':
    case 'keyword':
      return expr;
    case 'unary':
    case 'cast':
    case 'collate':
    case 'is':
      return { ...expr, operand: r(expr.operand) };
    case 'binary':
    case 'distinct':
    case 'quantified':
      return { ...expr, left: r(expr.left), right: r(expr.right) };
    case 'call':
      return { ...expr, args: expr.args.map(r) };
    case 'case': {
      const out: ExprOf<'case'> = { kind: 'case', whens: expr.whens.map((w) => ({ when: r(w.when), then: r(w.then) })) };
      if (expr.operand) out.operand = r(expr.operand);
      if (expr.else) out.else = r(expr.else);
      return { ...expr, ...out };
    }
    case 'in':
      return { ...expr, operand: r(expr.operand), list: expr.list.map(r) };
    case 'between':
      return { ...expr, operand: r(expr.operand), low: r(expr.low), high: r(expr.high) };
    case 'match': {
      const out = { ...expr, operand: r(expr.operand), pattern: r(expr.pattern) };
      if (expr.escape) out.escape = r(expr.escape);
      return out;
    }
    case 'array':
      return { ...expr, items: expr.items.map(r) };
    case 'extract':
      return { ...expr, from: r(expr.from) };
  }
}

/** Column names an expression refers to, each once, in the order they first appear. */
export function columnsOf(expr: Expr): string[] {
  const seen = new Set<string>();
  walk(expr, (node) => {
    if (node.kind === 'column') seen.add(node.name);
  });
  return [...seen];
}

/** Names of the functions an expression calls, each once, in the order they first appear. */
export function functionsOf(expr: Expr): string[] {
  const seen = new Set<string>();
  walk(expr, (node) => {
    if (node.kind === 'call') seen.add(node.name);
  });
  return [...seen];
}

/** Nesting depth: 1 for a leaf. Iterative, so that a tree from elsewhere cannot exhaust the stack. */
export function depthOf(expr: Expr): number {
  let max = 0;
  const stack: Array<[Expr, number]> = [[expr, 1]];
  while (stack.length) {
    const [node, d] = stack.pop()!;
    if (d > max) max = d;
    for (const kid of children(node)) stack.push([kid, d + 1]);
  }
  return max;
}
