import * as assert from 'node:assert/strict';
import { DbPorterError } from '../../src/core/errors';

/** For assert.rejects / assert.throws: a DbPorterError with this code, and a message matching `pattern`. */
export function errorCode(expected: string, pattern?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof DbPorterError, `expected a DbPorterError, got ${err}`);
    assert.equal(err.code, expected, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}
