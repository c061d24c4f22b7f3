import type { ObjectKind, SchemaNote } from './model';

/**
 * The schema report: what an operation adapted to its target (and how) and what it did not carry
 * (and why). Every front end shows the same lines: the command line on stderr (a summary, all of it
 * with -v), the extension in its output channel and result notification, the admin API in its
 * response, an export in the dump's metadata.
 */

export function adapted(kind: ObjectKind, name: string, reason: string, table?: string): SchemaNote {
  return { action: 'adapted', kind, name, ...(table !== undefined ? { table } : {}), reason };
}

export function notCarried(kind: ObjectKind, name: string, reason: string, table?: string): SchemaNote {
  return { action: 'not carried', kind, name, ...(table !== undefined ? { table } : {}), reason };
}

/** The notes in a stable order (not carried first, then by table, kind and name), each once. */
export function sortNotes(notes: SchemaNote[]): SchemaNote[] {
  const seen = new Set<string>();
  const unique = notes.filter((n) => {
    const key = JSON.stringify([n.action, n.kind, n.table ?? '', n.name, n.reason]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const rank = (n: SchemaNote) => (n.action === 'not carried' ? 0 : 1);
  return unique.sort(
    (a, b) => rank(a) - rank(b) || (a.table ?? '').localeCompare(b.table ?? '') || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name),
  );
}

/** What a note is about, in words: `column "rating" of table "film"`, `view "sales"`. */
export function describeObject(note: SchemaNote): string {
  const own = `${note.kind} "${note.name}"`;
  return note.table !== undefined && note.table !== note.name ? `${own} of table "${note.table}"` : own;
}

/** One line per note: `not carried: trigger "t" of table "film": its body is PostgreSQL SQL.` */
export function noteLine(note: SchemaNote): string {
  return `${note.action}: ${describeObject(note)}: ${note.reason.replace(/\.?$/, '.')}`;
}

/** A one-line summary, empty when there is nothing to say: `Schema: 2 adapted, 3 not carried (views 2, trigger 1).` */
export function reportSummary(notes: SchemaNote[]): string {
  if (!notes.length) return '';
  const count = (action: SchemaNote['action']) => notes.filter((n) => n.action === action).length;
  const missing = notes.filter((n) => n.action === 'not carried');
  const kinds = new Map<string, number>();
  for (const n of missing) kinds.set(n.kind, (kinds.get(n.kind) ?? 0) + 1);
  const detail = [...kinds].map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`).join(', ');
  const parts = [count('adapted') ? `${count('adapted')} adapted` : '', missing.length ? `${missing.length} not carried${detail ? ` (${detail})` : ''}` : ''].filter(Boolean);
  return `Schema: ${parts.join(', ')}.`;
}

/** The report as a front end prints it: the summary, then (verbose) every note. */
export function reportText(notes: SchemaNote[], verbose: boolean | undefined): string {
  const sorted = sortNotes(notes);
  const summary = reportSummary(sorted);
  if (!summary) return '';
  if (!verbose) return `${summary} Run with -v to list them.`;
  return [summary, ...sorted.map((n) => `  ${noteLine(n)}`)].join('\n');
}
