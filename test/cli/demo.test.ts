import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/** The README's main command, `npm run demo`, does what the README says (after the build). */
describe('npm run demo', function () {
  this.timeout(120_000);
  it('exports, imports and copies Chinook, and all three match the source', () => {
    const root = path.resolve(__dirname, '../../..');
    const run = spawnSync(process.execPath, [path.join(root, 'scripts/demo.mjs')], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /11 tables, 15607 rows: the dump, the import and the copy all match the source\./);
  });
});
