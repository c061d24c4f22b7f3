/**
 * An expression that is not read: malformed, or using something this module refuses on purpose
 * (subqueries, comments, parameters...). `position` is a 0-based offset into the text (UTF-16
 * code units, as JavaScript indexes strings); the message counts characters from 1, as
 * PostgreSQL's messages do.
 */
export class SqlSyntaxError extends Error {
  override readonly name = 'SqlSyntaxError';
  constructor(
    readonly position: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A tree that cannot be written in the asked dialect: a node or operator the dialect lacks, a
 * name or value no quoting can carry (a NUL in PostgreSQL text). A translation gap, not bad input.
 */
export class SqlRenderError extends Error {
  override readonly name = 'SqlRenderError';
}

/** How a piece of source text is shown in a message: quoted, cut short, control characters escaped. */
export function shown(text: string): string {
  const cut = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(cut);
}

export function syntaxError(position: number, what: string, why?: string): SqlSyntaxError {
  return new SqlSyntaxError(position, `${what} at character ${position + 1}${why ? `: ${why}` : ''}`);
}

/** Dialects come from callers in plain JavaScript too: refuse anything but the three. */
export function checkDialect(dialect: string): void {
  if (dialect !== 'postgres' && dialect !== 'mysql' && dialect !== 'sqlite') throw new TypeError(`unknown SQL dialect ${JSON.stringify(dialect)}`);
}
