/** A MySQL identifier in backquotes, backquotes inside doubled. */
export function quoteMysql(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
