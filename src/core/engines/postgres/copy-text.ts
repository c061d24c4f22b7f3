import { StringDecoder } from 'node:string_decoder';

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
 * even inside a UTF-8 character; a newline inside a field arrives escaped as \n.
 */
export class CopyTextParser {
  // StringDecoder keeps a UTF-8 character that a chunk boundary cut in two for the next chunk.
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  push(chunk: Buffer): Array<Array<string | null>> {
    const text = this.rest + this.decoder.write(chunk);
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.rest = text;
      return [];
    }
    this.rest = text.slice(end + 1);
    const lines = text.slice(0, end).split('\n');
    const rows = new Array<Array<string | null>>(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const fields: Array<string | null> = lines[i].split('\t');
      for (let j = 0; j < fields.length; j++) {
        const f = fields[j] as string;
        if (f.length > 1 && f.charCodeAt(0) === 0x5c && f === '\\N') fields[j] = null;
        else if (f.indexOf('\\') !== -1) fields[j] = unescapeField(f);
      }
      rows[i] = fields;
    }
    return rows;
  }

  /** Whatever is left must be nothing: the server ends every row with a newline. */
  finish(): void {
    if (this.rest.length || this.decoder.end().length) throw new Error('COPY output ended in the middle of a row');
  }
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

export function escapeField(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}
