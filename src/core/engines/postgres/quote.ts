/** A PostgreSQL identifier in double quotes, double quotes inside doubled. */
export function quotePostgres(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
