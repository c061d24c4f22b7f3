import * as assert from 'node:assert/strict';
import { pathBelowRoot } from '../../src/core/related-files';

describe('paths of related files', () => {
  it('normalizes a path below its root', () => {
    assert.equal(pathBelowRoot('runs/1/out.json'), 'runs/1/out.json');
    assert.equal(pathBelowRoot('./runs//2/'), 'runs/2');
    assert.equal(pathBelowRoot('runs/x/../2'), 'runs/2');
    assert.equal(pathBelowRoot('.'), '', 'the root itself');
  });

  it('refuses absolute paths and paths that climb out', () => {
    for (const bad of ['../secret', 'runs/../../secret', '..', '/etc/passwd', 'C:\\Windows\\win.ini', '\\\\server\\share\\x']) {
      assert.equal(pathBelowRoot(bad), undefined, bad);
    }
  });
});
