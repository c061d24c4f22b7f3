import type { ForeignKey, Table } from './model';

/**
 * A foreign key that points at its own table or at a table loaded after its own: while rows arrive
 * it cannot hold, so the engine must not check it until the last row is in.
 */
export interface BackEdge {
  /** The table that holds the foreign key. */
  table: string;
  foreignKey: ForeignKey;
}

/**
 * Orders tables so that parents come before the tables whose foreign keys point at them.
 *
 * Tables that reference each other, directly or round a loop, form a cycle (a strongly connected
 * component). A cycle is loaded as one block, after every table outside it that it references and
 * before every table that references it, so a cycle is broken at one of its own members and never
 * at a table outside it: only foreign keys inside a block can point forward (see backEdges).
 * Inside a block the member with the fewest parents not yet loaded goes next.
 *
 * Ties go by name, so the same schema always gives the same order, whatever order it lists its
 * tables in.
 */
export function loadOrder(tables: Table[]): Table[] {
  const sorted = [...tables].sort((a, b) => compareNames(a.name, b.name));
  const parents = parentsOf(sorted);
  const components = stronglyConnected(sorted, parents);
  const ordered: Table[] = [];
  for (const component of componentOrder(components, parents)) ordered.push(...orderInside(component, parents));
  return ordered;
}

/**
 * The foreign keys of `ordered` that point at their own table or at a table later in the list:
 * with rows loaded table by table in this order, the keys that cannot be checked as rows arrive.
 * For an order from loadOrder these are a cycle's keys only; for any other order (a dump written
 * in an order of its own) they are whatever points forward in it. Keys to tables not in the list
 * are left out: those rows are there before the load begins.
 */
export function backEdges(ordered: Table[]): BackEdge[] {
  const position = new Map(ordered.map((t, i) => [t.name, i]));
  const edges: BackEdge[] = [];
  ordered.forEach((table, i) => {
    for (const foreignKey of table.foreignKeys) {
      const at = position.get(foreignKey.references.table);
      if (at !== undefined && at >= i) edges.push({ table: table.name, foreignKey });
    }
  });
  return edges;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Per table, the listed tables its foreign keys reference (itself left out), in name order. */
function parentsOf(tables: Table[]): Map<string, string[]> {
  const names = new Set(tables.map((t) => t.name));
  const parents = new Map<string, string[]>();
  for (const t of tables) {
    const own = new Set(t.foreignKeys.map((fk) => fk.references.table).filter((p) => p !== t.name && names.has(p)));
    parents.set(t.name, [...own].sort(compareNames));
  }
  return parents;
}

/**
 * Tarjan's strongly connected components, without recursion (a long chain of foreign keys would
 * otherwise overflow the stack). Each component's tables keep the name order of `tables`.
 */
function stronglyConnected(tables: Table[], parents: Map<string, string[]>): Table[][] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: Table[][] = [];
  let counter = 0;
  for (const root of tables) {
    if (index.has(root.name)) continue;
    // Each frame: a table and how many of its parents have been visited from it.
    const frames: Array<{ name: string; next: number }> = [{ name: root.name, next: 0 }];
    index.set(root.name, counter);
    low.set(root.name, counter++);
    stack.push(root.name);
    onStack.add(root.name);
    while (frames.length) {
      const frame = frames[frames.length - 1];
      const edges = parents.get(frame.name)!;
      if (frame.next < edges.length) {
        const parent = edges[frame.next++];
        if (!index.has(parent)) {
          index.set(parent, counter);
          low.set(parent, counter++);
          stack.push(parent);
          onStack.add(parent);
          frames.push({ name: parent, next: 0 });
        } else if (onStack.has(parent)) {
          low.set(frame.name, Math.min(low.get(frame.name)!, index.get(parent)!));
        }
        continue;
      }
      frames.pop();
      if (frames.length) {
        const caller = frames[frames.length - 1].name;
        low.set(caller, Math.min(low.get(caller)!, low.get(frame.name)!));
      }
      if (low.get(frame.name) !== index.get(frame.name)) continue;
      const members: Table[] = [];
      for (;;) {
        const name = stack.pop()!;
        onStack.delete(name);
        members.push(byName.get(name)!);
        if (name === frame.name) break;
      }
      components.push(members.sort((a, b) => compareNames(a.name, b.name)));
    }
  }
  return components;
}

/** Components parents first; among those ready, the one whose first table comes first by name. */
function componentOrder(components: Table[][], parents: Map<string, string[]>): Table[][] {
  // Ranked by first table name, so that "first by name" is the smallest rank.
  const ranked = [...components].sort((a, b) => compareNames(a[0].name, b[0].name));
  const rankOf = new Map<string, number>();
  ranked.forEach((members, r) => members.forEach((t) => rankOf.set(t.name, r)));
  const unmet = ranked.map(() => 0);
  const children = ranked.map(() => new Set<number>());
  ranked.forEach((members, r) => {
    for (const t of members) for (const p of parents.get(t.name)!) if (rankOf.get(p) !== r) children[rankOf.get(p)!].add(r);
  });
  children.forEach((set) => set.forEach((child) => unmet[child]++));
  // Ranks ready to go, largest first, so the next one is taken from the end.
  const ready = ranked.map((_, r) => r).filter((r) => unmet[r] === 0).reverse();
  const ordered: Table[][] = [];
  while (ready.length) {
    const r = ready.pop()!;
    ordered.push(ranked[r]);
    for (const child of children[r]) {
      if (--unmet[child] > 0) continue;
      let at = ready.length;
      while (at > 0 && ready[at - 1] < child) at--;
      ready.splice(at, 0, child);
    }
  }
  // Components of a graph always leave one without parents outside; anything else is a bug here.
  if (ordered.length !== ranked.length) throw new Error('loadOrder: the components of the foreign-key graph form a cycle');
  return ordered;
}

/** A cycle's tables: next is the one with the fewest parents inside the cycle not yet placed (then by name). */
function orderInside(members: Table[], parents: Map<string, string[]>): Table[] {
  if (members.length === 1) return members;
  const inside = new Set(members.map((t) => t.name));
  const unmet = new Map(members.map((t) => [t.name, parents.get(t.name)!.filter((p) => inside.has(p)).length]));
  const children = new Map<string, string[]>(members.map((t) => [t.name, []]));
  for (const t of members) for (const p of parents.get(t.name)!) if (inside.has(p)) children.get(p)!.push(t.name);
  const remaining = [...members];
  const ordered: Table[] = [];
  while (remaining.length) {
    let next = 0;
    for (let i = 1; i < remaining.length; i++) if (unmet.get(remaining[i].name)! < unmet.get(remaining[next].name)!) next = i;
    const [table] = remaining.splice(next, 1);
    ordered.push(table);
    for (const child of children.get(table.name)!) unmet.set(child, unmet.get(child)! - 1);
  }
  return ordered;
}
