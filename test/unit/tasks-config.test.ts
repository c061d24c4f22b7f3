import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configJsonSchema, parseConfig } from '../../src/core/config';
import { DbPorterError } from '../../src/core/errors';

const config = (tasks: unknown[]) => JSON.stringify({ databases: [{ name: 'a', url: 'sqlite:a.db' }, { name: 'b', url: 'sqlite:b.db' }], tasks });
const invalid = (pattern: RegExp) => (e: unknown) => e instanceof DbPorterError && e.code === 'CONFIG_INVALID' && pattern.test(e.message);

describe('dbporter.config.json tasks', () => {
  it('reads a task of every type with its options', () => {
    const tasks = parseConfig(
      config([
        { name: 'e', type: 'export', database: 'a', destination: 'out/a.zip', tables: ['Artist'] },
        { name: 'p', type: 'export', database: 'a', destination: 'one.json', select: { kind: 'root', table: 'Artist', values: [1, '2'] } },
        { name: 'i', type: 'import', database: 'a', file: 'in.ndjson', mode: 'merge', onConflict: { '*': 'take', tasks: 'later:updated_at' } },
        { name: 'c', type: 'copy', database: 'a', target: 'b', mode: 'replace' },
        { name: 'k', type: 'backup', database: 'b' },
        { name: 'r', type: 'restore', database: 'b', backup: '2024_01_01_00_10_01' },
        { name: 'm', type: 'migrate', database: 'postgresql://me@db/app', guard: false },
      ]),
      'f',
    ).tasks!;
    assert.deepEqual(tasks.map((t) => t.type), ['export', 'export', 'import', 'copy', 'backup', 'restore', 'migrate']);
  });

  it('refuses unknown types and options, misspelt strategies, and a task without its file', () => {
    assert.throws(() => parseConfig(config([{ name: 'x', type: 'vacuum', database: 'a' }]), 'f'), invalid(/tasks\.0\.type/));
    assert.throws(() => parseConfig(config([{ name: 'x', type: 'backup', database: 'a', mode: 'merge' }]), 'f'), invalid(/tasks\.0.*mode/));
    assert.throws(() => parseConfig(config([{ name: 'x', type: 'import', database: 'a', file: 'f.json', onConflict: { '*': 'newest' } }]), 'f'), invalid(/onConflict/));
    assert.throws(() => parseConfig(config([{ name: 'x', type: 'import', database: 'a' }]), 'f'), invalid(/tasks\.0\.file/));
  });

  it('refuses two tasks of one name and a database the file does not name', () => {
    assert.throws(() => parseConfig(config([{ name: 'x', type: 'backup', database: 'a' }, { name: 'x', type: 'backup', database: 'b' }]), 'f'), invalid(/two tasks are named "x"/));
    assert.throws(() => parseConfig(config([{ name: 'x', type: 'backup', database: 'prod' }]), 'f'), invalid(/tasks\.0\.database: "prod".*\(a, b\)/));
    assert.throws(() => parseConfig(config([{ name: 'x', type: 'copy', database: 'a', target: 'c' }]), 'f'), invalid(/tasks\.0\.target: "c"/));
  });

  it('the JSON schema VS Code uses describes the tasks as the zod schema does', () => {
    const schema = configJsonSchema() as { properties: { tasks: { items: { oneOf: Array<{ properties: { type: { const: string } }; required: string[] }> } } } };
    const variants = schema.properties.tasks.items.oneOf;
    assert.deepEqual(variants.map((v) => v.properties.type.const), ['export', 'import', 'copy', 'backup', 'restore', 'migrate']);
    assert.ok(variants.find((v) => v.properties.type.const === 'import')!.required.includes('file'));
    // The committed file is what esbuild.config.mjs generated from this schema.
    const file = path.resolve(__dirname, '../../../schemas/dbporter.config.schema.json');
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), JSON.parse(JSON.stringify(configJsonSchema())));
  });
});
