import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { maskUrl, maskUrlsIn, parseUrl } from '../../src/core/url';
import { DbPorterError } from '../../src/core/errors';

describe('connection URLs', () => {
  it('picks the engine by scheme', () => {
    assert.equal(parseUrl('postgres://u@h/db').engine, 'postgres');
    assert.equal(parseUrl('postgresql://u@h/db').engine, 'postgres');
    assert.equal(parseUrl('mysql://u@h/db').engine, 'mysql');
    assert.equal(parseUrl('mariadb://u@h/db').engine, 'mysql');
    assert.equal(parseUrl('sqlite:a.db').engine, 'sqlite');
  });

  it('resolves sqlite paths against the base folder', () => {
    assert.deepEqual(parseUrl('sqlite:data/app.db', '/base'), { engine: 'sqlite', file: path.resolve('/base/data/app.db') });
    assert.deepEqual(parseUrl('sqlite:///abs/app.db', '/base'), { engine: 'sqlite', file: '/abs/app.db' });
  });

  it('decodes user, password and database', () => {
    const loc = parseUrl('postgresql://app:p%40ss@db.example:6543/shop?sslmode=require');
    assert.ok(loc.engine === 'postgres');
    assert.equal(loc.user, 'app');
    assert.equal(loc.password, 'p@ss');
    assert.equal(loc.port, 6543);
    assert.equal(loc.database, 'shop');
    assert.equal(loc.params.sslmode, 'require');
  });

  it('refuses an unknown scheme, naming the supported ones and hiding the password', () => {
    assert.throws(
      () => parseUrl('oracle://scott:tiger@h/db'),
      (err: unknown) => err instanceof DbPorterError && err.code === 'UNKNOWN_ENGINE' && /sqlite:/.test(err.message) && !err.message.includes('tiger'),
    );
  });

  it('refuses a server URL without a database', () => {
    assert.throws(() => parseUrl('postgresql://u@h'), (err: unknown) => err instanceof DbPorterError && err.code === 'BAD_URL');
  });

  it('masks passwords', () => {
    assert.equal(maskUrl('postgresql://app:secret@h/db'), 'postgresql://app:***@h/db');
    assert.equal(maskUrl('sqlite:a.db'), 'sqlite:a.db');
    assert.equal(maskUrlsIn('failed for mysql://root:hunter2@h/db and postgres://x:y@z/w'), 'failed for mysql://root:***@h/db and postgres://x:***@z/w');
  });
});
