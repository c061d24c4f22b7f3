import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VERSION } from '../../src/core/version';

describe('version', () => {
  it('matches package.json, so dumps name the version that wrote them', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8'));
    assert.equal(VERSION, pkg.version);
  });
});
