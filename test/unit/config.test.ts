import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configJsonSchema, interpolate, parseConfig, resolveDatabase, type LoadedConfig } from '../../src/core/config';
import { DbPorterError } from '../../src/core/errors';

const loaded = (databases: Array<{ name: string; url: string }>): LoadedConfig => ({
  config: { databases },
  file: '/project/dbporter.config.json',
  dir: '/project',
});

describe('dbporter.config.json', () => {
  it('accepts databases and refuses typos with the path of the problem', () => {
    assert.equal(parseConfig('{"databases":[{"name":"a","url":"sqlite:a.db"}]}', 'f').databases[0].name, 'a');
    assert.throws(() => parseConfig('{"databses":[]}', 'f'), (e: unknown) => e instanceof DbPorterError && e.code === 'CONFIG_INVALID' && /databses/.test(e.message));
    assert.throws(() => parseConfig('{"databases":[{"name":"a"}]}', 'f'), (e: unknown) => e instanceof DbPorterError && /databases\.0\.url/.test(e.message));
    assert.throws(() => parseConfig('{"databases":[{"name":"a","url":"sqlite:a"},{"name":"a","url":"sqlite:b"}]}', 'f'), /two databases are named "a"/);
    assert.throws(() => parseConfig('{oops', 'f'), /not valid JSON/);
  });

  it('fills ${env:NAME} references, percent-encoding them inside a URL', () => {
    const lookup = (kind: string, name: string) => (kind === 'env' ? { PW: 'p@ss/w:rd', URL: 'sqlite:x.db' }[name] : undefined);
    assert.equal(interpolate('postgresql://app:${env:PW}@h/db', 'here', lookup), 'postgresql://app:p%40ss%2Fw%3Ard@h/db');
    assert.equal(interpolate('${env:URL}', 'here', lookup), 'sqlite:x.db');
    assert.throws(() => interpolate('postgresql://app:${env:NOPE}@h/db', 'Database "x"', lookup), (e: unknown) => e instanceof DbPorterError && e.code === 'ENV_MISSING' && /NOPE/.test(e.message));
  });

  it('resolves a name from the config, a URL, or DATABASE_URL', () => {
    const cfg = loaded([{ name: 'local', url: 'sqlite:data/app.db' }]);
    assert.deepEqual(resolveDatabase('local', cfg).baseDir, '/project');
    assert.equal(resolveDatabase('sqlite:other.db', cfg).url, 'sqlite:other.db');
    assert.equal(resolveDatabase(undefined, cfg, (k, n) => (n === 'DATABASE_URL' ? 'mysql://r@h/d' : undefined)).url, 'mysql://r@h/d');
    assert.throws(() => resolveDatabase('prod', cfg), (e: unknown) => e instanceof DbPorterError && e.code === 'UNKNOWN_DATABASE' && /local/.test(e.message));
    assert.throws(() => resolveDatabase(undefined, cfg, () => undefined), /No database given/);
  });

  it('reads fileColumns as table.column: root folder, and refuses a key without its dot', () => {
    const config = parseConfig('{"databases":[{"name":"a","url":"sqlite:a.db","fileColumns":{"task_runs.data_path":"./data"}}]}', 'f');
    const resolved = resolveDatabase('a', { config, file: '/project/dbporter.config.json', dir: '/project' });
    assert.deepEqual(resolved.fileColumns, [{ table: 'task_runs', column: 'data_path', root: './data' }]);
    assert.deepEqual(resolveDatabase('sqlite:b.db', undefined).fileColumns, [], 'a bare URL has no file columns');
    assert.throws(
      () => parseConfig('{"databases":[{"name":"a","url":"sqlite:a.db","fileColumns":{"data_path":"./data"}}]}', 'f'),
      (e: unknown) => e instanceof DbPorterError && e.code === 'CONFIG_INVALID' && /databases\.0\.fileColumns\.data_path: must be "table\.column"/.test(e.message),
    );
    assert.throws(() => parseConfig('{"databases":[{"name":"a","url":"sqlite:a.db","fileColumns":{"t.c":""}}]}', 'f'), /fileColumns\.t\.c/);
  });

  it('ships a JSON schema that matches the zod schema (run npm run build after changing it)', () => {
    const file = path.resolve(__dirname, '../../../schemas/dbporter.config.schema.json');
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), configJsonSchema());
  });
});
