/** A SQLite identifier in double quotes, double quotes inside doubled. */
export function quoteSqlite(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
