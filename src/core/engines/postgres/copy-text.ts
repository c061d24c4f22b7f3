/**
 * PostgreSQL's COPY text format, the fastest way in and out of the server: one line per row,
 * fields separated by tabs, \N for NULL, backslash escapes for tab, newline, CR and backslash.
 * https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2
 */

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

export function unescapeField(field: string): string {
  if (!field.includes('\\')) return field;
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x' && e.length > 1) return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ESCAPES[e] ?? e;
  });
}

/**
 * Splits a COPY TO stream into rows of raw field texts (null for \N). Chunks may end anywhere,
 * even inside a UTF-8 character: only whole lines are decoded, and a newline byte never occurs
 * inside a multi-byte character or (escaped as \n) inside a field.
 */
export class CopyTextParser {
  private rest: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Array<Array<string | null>> {
    const data = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const end = data.lastIndexOf(0x0a);
    if (end < 0) {
      this.rest = data;
      return [];
    }
    this.rest = data.subarray(end + 1);
    const text = data.toString('utf8', 0, end);
    const lines = text.split('\n');
    const rows = new Array<Array<string | null>>(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const fields: Array<string | null> = lines[i].split('\t');
      for (let j = 0; j < fields.length; j++) {
        const f = fields[j] as string;
        if (f === '\\N') fields[j] = null;
        else if (f.includes('\\')) fields[j] = unescapeField(f);
      }
      rows[i] = fields;
    }
    return rows;
  }

  /** Whatever is left must be nothing: the server ends every row with a newline. */
  finish(): void {
    if (this.rest.length) throw new Error('COPY output ended in the middle of a row');
  }
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

export function escapeField(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}
