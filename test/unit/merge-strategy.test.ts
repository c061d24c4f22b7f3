import * as assert from 'node:assert/strict';
import { choose, parseStrategy, strategiesFrom, strategyFor } from '../../src/core/merge/strategy';
import { resolvedRow } from '../../src/core/merge/resolver';
import { parseRowKey, rowKey } from '../../src/core/ledger';
import { compareValues } from '../../src/core/values';
import type { Column, Table } from '../../src/core/schema/model';
import { errorCode } from '../helpers/errors';

const columns: Column[] = [
  { name: 'id', type: 'bigint', nullable: false },
  { name: 'seen', type: 'timestamptz', nullable: true },
  { name: 'price', type: 'decimal', nullable: true },
];
const table: Table = { name: 'items', columns, primaryKey: ['id'], uniques: [], foreignKeys: [], indexes: [] };

describe('merge strategies', () => {
  it('parses every strategy and refuses others with the list of choices', () => {
    assert.deepEqual(parseStrategy('keep', 'x'), { kind: 'keep' });
    assert.deepEqual(parseStrategy('later:updated_at', 'x'), { kind: 'later', column: 'updated_at' });
    assert.throws(() => parseStrategy('latest', '--on-conflict'), errorCode('BAD_ARGUMENT', /--on-conflict: "latest" is not a merge strategy\. Use keep, take/));
    assert.throws(() => parseStrategy('later:', 'x'), errorCode('BAD_ARGUMENT'));
  });

  it('lets the command line override the config, per table and for all', () => {
    const s = strategiesFrom({ '*': 'take', items: 'keep' }, ['items=larger:price']);
    assert.deepEqual(s.fallback, { kind: 'take' });
    assert.deepEqual(strategyFor(s, table), { kind: 'larger', column: 'price' });
    assert.deepEqual(strategiesFrom({ '*': 'take' }, ['keep']).fallback, { kind: 'keep' });
  });

  it('a default that compares a column the table lacks keeps the target; a table strategy naming one is refused', () => {
    assert.deepEqual(strategyFor(strategiesFrom(undefined, ['later:updated_at']), table), { kind: 'keep' });
    assert.throws(() => strategyFor(strategiesFrom(undefined, ['items=later:updated_at']), table), errorCode('BAD_ARGUMENT', /"updated_at"/));
  });

  it('chooses by value across time zones and decimal spellings; ties and NULLs keep the target', () => {
    const target = [1, '2024-01-01T10:00:00Z', '10.50'];
    const incoming = [1, '2024-01-01T11:30:00+02:00', '9.9'];
    assert.equal(choose({ kind: 'later', column: 'seen' }, columns, target, incoming), 'target', '11:30+02:00 is 09:30Z, earlier');
    assert.equal(choose({ kind: 'earlier', column: 'seen' }, columns, target, incoming), 'incoming');
    assert.equal(choose({ kind: 'larger', column: 'price' }, columns, target, incoming), 'target');
    assert.equal(choose({ kind: 'smaller', column: 'price' }, columns, target, incoming), 'incoming');
    assert.equal(choose({ kind: 'larger', column: 'price' }, columns, target, [1, null, '10.5']), 'target', 'a tie');
    assert.equal(choose({ kind: 'larger', column: 'price' }, columns, [1, null, null], incoming), 'target', 'a NULL');
    assert.equal(compareValues('bigint', '9007199254740993', '9007199254740992'), 1, 'integers beyond 2^53 compare exactly');
  });

  it("checks a resolver's own row against the column types", () => {
    assert.deepEqual(resolvedRow('items', columns, [1, null, '1'], [1, null, '2'], { row: { price: 3.25 } }), [1, null, '3.25']);
    assert.throws(() => resolvedRow('items', columns, [1, null, '1'], [1, null, '2'], { row: { colour: 'red' } }), errorCode('UNKNOWN_COLUMN', /"colour"/));
    assert.throws(() => resolvedRow('items', columns, [1, null, '1'], [1, null, '2'], { row: { id: null } }), errorCode('BAD_VALUE', /"id" is NULL/));
    assert.throws(() => resolvedRow('items', columns, [1, null, '1'], [1, null, '2'], 'mine' as never), errorCode('BAD_ARGUMENT', /"target", "incoming" or \{ row/));
  });
});

describe('import ledger keys', () => {
  it('round-trip, big integers included', () => {
    const cols: Column[] = [
      { name: 'a', type: 'bigint', nullable: false },
      { name: 'b', type: 'text', nullable: false },
    ];
    assert.deepEqual(parseRowKey(rowKey(['9223372036854775807', 'x']), cols), ['9223372036854775807', 'x']);
    assert.deepEqual(parseRowKey(rowKey([12, 'y']), cols), [12, 'y']);
    assert.throws(() => parseRowKey('[1]', cols), errorCode('DUMP_INVALID'));
  });
});
