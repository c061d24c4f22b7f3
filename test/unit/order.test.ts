import * as assert from 'node:assert/strict';
import { backEdges, loadOrder } from '../../src/core/schema/order';
import type { Table } from '../../src/core/schema/model';

function table(name: string, ...parents: string[]): Table {
  return {
    name,
    columns: [{ name: 'id', type: 'integer', nullable: false }],
    primaryKey: ['id'],
    uniques: [],
    indexes: [],
    foreignKeys: parents.map((p) => ({ name: `${name}_${p}_fk`, columns: [`${p}_id`], references: { table: p, columns: ['id'] } })),
  };
}

const names = (tables: Table[]) => tables.map((t) => t.name);
const edgeNames = (tables: Table[]) => backEdges(tables).map((e) => `${e.table}->${e.foreignKey.references.table}`);

/** A small deterministic generator (mulberry32), so a failing case can be run again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Whether `to` can be reached from `from` along foreign keys (child to parent). */
function reaches(tables: Table[], from: string, to: string): boolean {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const seen = new Set<string>();
  const todo = [from];
  while (todo.length) {
    const name = todo.pop()!;
    for (const fk of byName.get(name)?.foreignKeys ?? []) {
      const parent = fk.references.table;
      if (parent === to) return true;
      if (!seen.has(parent)) {
        seen.add(parent);
        todo.push(parent);
      }
    }
  }
  return false;
}

describe('load order', () => {
  it('puts parents before children', () => {
    const order = names(loadOrder([table('line', 'invoice', 'track'), table('invoice', 'customer'), table('track'), table('customer')]));
    assert.ok(order.indexOf('customer') < order.indexOf('invoice'));
    assert.ok(order.indexOf('invoice') < order.indexOf('line'));
    assert.ok(order.indexOf('track') < order.indexOf('line'));
  });

  it('ignores self-references and still orders cycles completely', () => {
    const order = names(loadOrder([table('employee', 'employee'), table('a', 'b'), table('b', 'a'), table('c', 'a')]));
    assert.deepEqual([...order].sort(), ['a', 'b', 'c', 'employee']);
    assert.ok(order.indexOf('a') < order.indexOf('c'));
  });

  it('breaks a cycle at one of its members, not at a table outside it that sorts first', () => {
    // "chore" needs "house", which is in a cycle with "person": chore comes after both.
    const order = loadOrder([table('person', 'house'), table('house', 'person'), table('chore', 'house')]);
    assert.deepEqual(names(order), ['house', 'person', 'chore']);
    assert.deepEqual(edgeNames(order), ['house->person']);
  });

  it('loads a cycle as one block, after its parents outside and before its children', () => {
    const tables = [
      table('audit', 'rock'),
      table('rock', 'scissors', 'league'),
      table('scissors', 'paper'),
      table('paper', 'rock'),
      table('league'),
      table('aardvark', 'paper'),
      table('employee', 'employee', 'league'),
    ];
    const order = names(loadOrder(tables));
    const block = ['paper', 'rock', 'scissors'].map((n) => order.indexOf(n)).sort((a, b) => a - b);
    assert.equal(block[2] - block[0], 2, `the cycle's tables are next to each other in ${order.join(', ')}`);
    assert.ok(order.indexOf('league') < block[0]);
    assert.ok(order.indexOf('audit') > block[2]);
    assert.ok(order.indexOf('aardvark') > block[2]);
    assert.ok(order.indexOf('league') < order.indexOf('employee'));
    const edges = edgeNames(loadOrder(tables));
    assert.ok(edges.includes('employee->employee'), 'a self-reference is a back edge');
    assert.equal(edges.filter((e) => e !== 'employee->employee').length, 1, `one key breaks the 3-cycle: ${edges.join(', ')}`);
  });

  it('gives the same order for the same schema, however its tables are listed', () => {
    const tables = [
      table('a', 'b'),
      table('b', 'c'),
      table('c', 'a'),
      table('d', 'a', 'e'),
      table('e', 'd'),
      table('f'),
      table('g', 'g', 'f'),
      table('h', 'e', 'c'),
    ];
    const want = names(loadOrder(tables));
    const next = random(7);
    for (let i = 0; i < 50; i++) assert.deepEqual(names(loadOrder(shuffled(tables, next))), want);
  });

  it('points forward only inside cycles, on random schemas', () => {
    const next = random(42);
    for (let round = 0; round < 200; round++) {
      const count = 1 + Math.floor(next() * 12);
      const all = Array.from({ length: count }, (_, i) => `t${i}`);
      const tables = all.map((name) => table(name, ...all.filter(() => next() < 0.18)));
      const order = loadOrder(tables);
      assert.deepEqual([...names(order)].sort(), [...all].sort());
      const at = new Map(order.map((t, i) => [t.name, i]));
      for (const t of tables) {
        for (const fk of t.foreignKeys) {
          const parent = fk.references.table;
          if (at.get(parent)! < at.get(t.name)!) continue;
          // Forward (or to itself): only inside a cycle, where each table reaches the other.
          assert.ok(reaches(tables, t.name, parent) && reaches(tables, parent, t.name), `${t.name} -> ${parent} in ${names(order).join(', ')}`);
        }
      }
      const forward = tables.flatMap((t) => t.foreignKeys.filter((fk) => at.get(fk.references.table)! >= at.get(t.name)!).map((fk) => fk.name));
      assert.deepEqual(backEdges(order).map((e) => e.foreignKey.name).sort(), forward.sort());
    }
  });

  it('names the keys that point forward in any given order, leaving out tables not listed', () => {
    const given = [table('chore', 'house', 'outside'), table('person', 'house'), table('house', 'person', 'house')];
    assert.deepEqual(edgeNames(given), ['chore->house', 'person->house', 'house->house']);
  });

  it('orders a chain of 20,000 tables without running out of stack', () => {
    // Each table references the next, so the search goes 20,000 tables deep; the last closes a 3-cycle.
    const tables = Array.from({ length: 20_000 }, (_, i) => table(`t${i}`, i === 19_999 ? 't19997' : `t${i + 1}`));
    const order = loadOrder(tables);
    assert.equal(order.length, 20_000);
    assert.deepEqual(names(order.slice(0, 3)).sort(), ['t19997', 't19998', 't19999']);
    assert.equal(order[19_999].name, 't0');
    assert.equal(backEdges(order).length, 1);
  });
});
