import * as assert from 'node:assert/strict';
import { loadOrder } from '../../src/core/schema/order';
import type { Table } from '../../src/core/schema/model';

function table(name: string, ...parents: string[]): Table {
  return {
    name,
    columns: [{ name: 'id', type: 'integer', nullable: false }],
    primaryKey: ['id'],
    uniques: [],
    indexes: [],
    foreignKeys: parents.map((p) => ({ columns: ['id'], references: { table: p, columns: ['id'] } })),
  };
}

describe('load order', () => {
  it('puts parents before children', () => {
    const names = loadOrder([table('line', 'invoice', 'track'), table('invoice', 'customer'), table('track'), table('customer')]).map((t) => t.name);
    assert.ok(names.indexOf('customer') < names.indexOf('invoice'));
    assert.ok(names.indexOf('invoice') < names.indexOf('line'));
    assert.ok(names.indexOf('track') < names.indexOf('line'));
  });

  it('ignores self-references and still orders cycles completely', () => {
    const names = loadOrder([table('employee', 'employee'), table('a', 'b'), table('b', 'a'), table('c', 'a')]).map((t) => t.name);
    assert.deepEqual([...names].sort(), ['a', 'b', 'c', 'employee']);
    assert.ok(names.indexOf('a') < names.indexOf('c'));
  });
});
