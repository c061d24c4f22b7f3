import type { Table } from './model';

/**
 * Orders tables so that parents come before the tables whose foreign keys point at them.
 * Self-references are ignored; a cycle is broken at the table with the fewest unmet parents
 * (then by name), so the order is always complete and always the same for the same schema.
 */
export function loadOrder(tables: Table[]): Table[] {
  const names = new Set(tables.map((t) => t.name));
  const parents = new Map<string, Set<string>>();
  for (const t of tables) {
    parents.set(t.name, new Set(t.foreignKeys.map((fk) => fk.references.table).filter((p) => p !== t.name && names.has(p))));
  }
  const ordered: Table[] = [];
  const done = new Set<string>();
  const remaining = [...tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  while (remaining.length) {
    const unmet = (t: Table) => [...parents.get(t.name)!].filter((p) => !done.has(p)).length;
    let next = remaining.findIndex((t) => unmet(t) === 0);
    if (next < 0) {
      next = 0;
      for (let i = 1; i < remaining.length; i++) if (unmet(remaining[i]) < unmet(remaining[next])) next = i;
    }
    const [table] = remaining.splice(next, 1);
    ordered.push(table);
    done.add(table.name);
  }
  return ordered;
}
