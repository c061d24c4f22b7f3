export type { BinaryOp, ComparisonOp, Expr, ExprKind, ExprOf, KeywordName, MatchOp, TypeName } from './ast';
export { children, columnsOf, depthOf, functionsOf, rewrite, walk } from './ast';
export { SqlRenderError, SqlSyntaxError } from './errors';
export { isSafeNextval, SAFE_FUNCTIONS, unsafeParts, UNSAFE_KEYWORDS } from './functions';
export { MAX_EXPRESSION_BYTES, tokenize } from './lexer';
export type { Token, TokenKind } from './lexer';
export { MAX_DEPTH, parseExpression } from './parse';
export { renderExpression } from './render';
