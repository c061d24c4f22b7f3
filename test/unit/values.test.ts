import * as assert from 'node:assert/strict';
import { canonicalValue, checkType as check, normalizeTimestamptz, numberToDecimalString, ValueProblem } from '../../src/core/values';
import type { PortableType } from '../../src/core/schema/model';

/** The outcome of a check as data: the canonical value, or the problem. */
function checkType(type: PortableType, value: unknown): { ok: true; value: unknown } | { ok: false; problem: string } {
  try {
    return { ok: true, value: check(type, value) };
  } catch (err) {
    if (!(err instanceof ValueProblem)) throw err;
    return { ok: false, problem: err.message };
  }
}

describe('portable values', () => {
  it('accepts 64-bit integers at both limits as strings and refuses one beyond', () => {
    assert.deepEqual(checkType('bigint', '9223372036854775807'), { ok: true, value: '9223372036854775807' });
    assert.deepEqual(checkType('bigint', '-9223372036854775808'), { ok: true, value: '-9223372036854775808' });
    const over = checkType('bigint', '9223372036854775808');
    assert.equal(over.ok, false);
    assert.match((over as { problem: string }).problem, /out of range/);
  });

  it('turns safe integers given as strings into numbers', () => {
    assert.deepEqual(checkType('bigint', '42'), { ok: true, value: 42 });
    assert.equal(checkType('integer', 2 ** 31).ok, false);
    assert.equal(checkType('smallint', 1.5).ok, false);
  });

  it('keeps decimals exact, as strings', () => {
    assert.deepEqual(checkType('decimal', '12345678901234567890.12345678901234567890'), { ok: true, value: '12345678901234567890.12345678901234567890' });
    assert.equal(checkType('decimal', '12,5').ok, false);
  });

  it('validates dates, times and timestamps', () => {
    assert.equal(checkType('date', '1969-07-20').ok, true);
    assert.equal(checkType('date', '2024-13-01').ok, false);
    assert.deepEqual(checkType('timestamp', '1901-12-13 20:45:52.123456'), { ok: true, value: '1901-12-13T20:45:52.123456' });
    assert.deepEqual(checkType('timestamptz', '2024-01-01T01:30:00+02:00'), { ok: true, value: '2023-12-31T23:30:00Z' });
    assert.equal(checkType('timestamptz', '2024-01-01T01:30:00').ok, false);
    assert.equal(checkType('time', '25:00:00').ok, false);
  });

  it('requires base64 for bytes and JSON text for json', () => {
    assert.equal(checkType('bytes', 'AAEC').ok, true);
    assert.equal(checkType('bytes', 'not base64!').ok, false);
    assert.equal(checkType('json', '{"a":1}').ok, true);
    assert.equal(checkType('json', '{a:1}').ok, false);
    assert.equal(checkType('json', { a: 1 }).ok, false);
  });

  it('writes decimals from numbers without exponents', () => {
    assert.equal(numberToDecimalString(1e21), '1000000000000000000000');
    assert.equal(numberToDecimalString(1.5e-7), '0.00000015');
    assert.equal(numberToDecimalString(-2.5e-3), '-0.0025');
    assert.equal(numberToDecimalString(0.99), '0.99');
  });

  it('writes amounts with up to two places exactly as String() does (its fast path)', () => {
    const edges = [0, -0, 0.1, 0.01, -0.05, 0.1 + 0.2, 1.005, 12.5, 100, -100.1, 9999999999999.99, -9999999999999.99, 1e13, 123456789.12];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const values = [...edges];
    for (let i = 0; i < 20000; i++) {
      const scale = 10 ** Math.floor(random() * 14);
      values.push((Math.round(random() * scale * 100) / 100) * (random() < 0.3 ? -1 : 1), random() * scale);
    }
    for (const n of values) assert.equal(numberToDecimalString(n), String(n), `for ${n}`);
  });

  it('moves offsets to UTC across day boundaries and before 1970', () => {
    assert.equal(normalizeTimestamptz('1960-03-01 00:30:00.5-01:00'), '1960-03-01T01:30:00.5Z');
    assert.equal(normalizeTimestamptz('2000-01-01 00:30:00+05:30'), '1999-12-31T19:00:00Z');
    assert.equal(normalizeTimestamptz('2000-01-01 10:00:00+00'), '2000-01-01T10:00:00Z');
  });

  it('compares values across engines in one canonical form', () => {
    assert.equal(canonicalValue('decimal', '1.50'), canonicalValue('decimal', '1.5'));
    assert.equal(canonicalValue('decimal', '0.00'), '0');
    assert.notEqual(canonicalValue('decimal', '1.5'), canonicalValue('decimal', '15'));
    assert.equal(canonicalValue('timestamp', '2009-01-01 00:00:00'), canonicalValue('timestamp', '2009-01-01T00:00:00.000000'));
    assert.equal(canonicalValue('json', '{"b":1,"a":[1,2]}'), canonicalValue('json', '{"a": [1, 2], "b": 1}'));
    assert.equal(canonicalValue('bigint', 7), canonicalValue('bigint', '7'));
    assert.notEqual(canonicalValue('text', ''), canonicalValue('text', null));
  });
});
