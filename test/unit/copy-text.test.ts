import * as assert from 'node:assert/strict';
import { CopyTextParser, escapeField, unescapeField } from '../../src/core/engines/postgres/copy-text';

describe('PostgreSQL COPY text format', () => {
  it('round-trips tabs, newlines, backslashes and unicode', () => {
    for (const s of ['plain', 'a\tb', 'line\nbreak\r', 'back\\slash', '\\N', 'عربى 🎉']) {
      assert.equal(unescapeField(escapeField(s)), s);
    }
  });

  it('parses rows split anywhere, even inside a UTF-8 character', () => {
    const text = Buffer.from('1\théllo 🎉\t\\N\n2\ta\\tb\t\\\\x00ff\n', 'utf8');
    for (let cut = 1; cut < text.length; cut++) {
      const parser = new CopyTextParser();
      const rows = [...parser.push(text.subarray(0, cut)), ...parser.push(text.subarray(cut))];
      parser.finish();
      assert.deepEqual(rows, [
        ['1', 'héllo 🎉', null],
        ['2', 'a\tb', '\\x00ff'],
      ]);
    }
  });

  it('notices output that stops inside a row', () => {
    const parser = new CopyTextParser();
    parser.push(Buffer.from('1\tabc'));
    assert.throws(() => parser.finish(), /middle of a row/);
  });
});
