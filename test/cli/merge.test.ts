import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/servers';
import { readTable, tempDir } from '../helpers/data';
import { dumpFile, incomingRows, targetRows } from '../helpers/overlap';
import { dbporter, setDefaultCwd } from '../helpers/cli';

describe('dbporter import: merging, dry runs, resolvers and labels', function () {
  this.timeout(120_000);
  let dir: string;
  let incoming: string;
  let target: TestDatabase;

  before(async () => {
    dir = tempDir();
    setDefaultCwd(dir);
    incoming = await dumpFile(dir, 'incoming', incomingRows);
  });
  beforeEach(async () => {
    target = await createTestDatabase('sqlite');
    const seed = await dumpFile(dir, 'target', targetRows);
    const run = await dbporter(['import', seed, '--database-url', target.url, '--mode', 'append']);
    assert.equal(run.code, 0, run.stderr);
  });
  afterEach(() => target.drop());
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const file = () => target.url.slice('sqlite:'.length);

  it('--dry-run reports per table what would be inserted, merged and skipped, and writes nothing', async () => {
    const before = fs.readFileSync(file());
    const cwd = fs.mkdtempSync(path.join(dir, 'dry-'));
    const run = await dbporter(['import', incoming, '--database-url', target.url, '--dry-run'], { cwd });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Dry run \(merge\), nothing written: 3 rows would be inserted, 1 merged into existing rows, 2 skipped\./);
    assert.match(run.stderr, /authors: 1 inserted, 1 merged, 1 skipped/);
    assert.match(run.stderr, /posts: 2 inserted, 1 skipped/);
    assert.ok(fs.readFileSync(file()).equals(before), 'the database file is untouched');
    assert.ok(!fs.existsSync(path.join(cwd, '.dbporter')), 'a dry run takes no snapshot');
  });

  it('--on-conflict TABLE=STRATEGY and a default: Robert merges into Bob, his post follows', async () => {
    const run = await dbporter(['import', incoming, '--database-url', target.url, '--on-conflict', 'keep', '--on-conflict', 'authors=take']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Imported 3 rows into \d tables \(merge\), merged 2 into existing rows, kept 1 existing rows on key collisions/);
    const authors = await readTable(target.url, 'authors');
    assert.deepEqual(authors.map((a) => a.name), ['Ann B', 'Robert', 'Cat']);
    const posts = await readTable(target.url, 'posts');
    assert.deepEqual(posts.map((p) => [p.title, Number(p.author_id)]), [
      ['Ann post', 1],
      ['Bob post', 2],
      ['Robert post', 2],
      ['Cat replies to Robert', 6],
    ]);
  });

  it('takes strategies from the config file, and refuses a bad one naming the choices', async () => {
    const cwd = fs.mkdtempSync(path.join(dir, 'cfg-'));
    const config = { databases: [{ name: 'blog', url: target.url, onConflict: { '*': 'larger:score' } }] };
    fs.writeFileSync(path.join(cwd, 'dbporter.config.json'), JSON.stringify(config));
    const run = await dbporter(['import', incoming, '--database-url', 'blog'], { cwd });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((await readTable(target.url, 'authors')).map((a) => a.name), ['Ann', 'Robert', 'Cat'], 'the larger score wins');

    const bad = await dbporter(['import', incoming, '--database-url', target.url, '--on-conflict', 'newest']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /"newest" is not a merge strategy\. Use keep, take, earlier:COLUMN, later:COLUMN/);
    const notMerging = await dbporter(['import', incoming, '--database-url', target.url, '--mode', 'append', '--on-conflict', 'take']);
    assert.notEqual(notMerging.code, 0);
    assert.match(notMerging.stderr, /--mode append does not merge/);
  });

  it('loads a resolver module (an ES module here) and uses its answers', async () => {
    const resolver = path.join(dir, 'initials.mjs');
    fs.writeFileSync(
      resolver,
      `export default class Initials {
         async resolve(table, target, incoming) {
           return table === 'authors' ? { row: { name: target.name[0] + incoming.name[0] } } : 'incoming';
         }
       }`,
    );
    const run = await dbporter(['import', incoming, '--database-url', target.url, '--conflict-resolver', resolver]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((await readTable(target.url, 'authors')).map((a) => a.name), ['AA', 'BR', 'Cat']);
    assert.equal((await readTable(target.url, 'posts'))[0].title, 'Ann post v2');

    const missing = await dbporter(['import', incoming, '--database-url', target.url, '--conflict-resolver', './nowhere.js']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /The conflict resolver .*nowhere\.js does not exist/);
  });

  it('--label-name records the import; export --label takes those rows back out, and refuses a second selector', async () => {
    const imported = await dbporter(['import', incoming, '--database-url', target.url, '--label-name', 'spring-batch', '--on-conflict', 'take']);
    assert.equal(imported.code, 0, imported.stderr);
    const out = path.join(dir, 'spring.ndjson');
    const exported = await dbporter(['export', out, '--database-url', target.url, '--label', 'spring-batch']);
    assert.equal(exported.code, 0, exported.stderr);
    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n').slice(1, -1).map((l) => JSON.parse(l) as { table: string; row: Record<string, unknown> });
    const ids = (t: string) => lines.filter((l) => l.table === t).map((l) => Number(l.row.id)).sort((a, b) => a - b);
    assert.deepEqual(ids('authors'), [1, 2, 6]);
    assert.deepEqual(ids('posts'), [10, 20, 21], 'Bob post (11) came from the target, not from this import');

    const unknown = await dbporter(['export', '-', '--database-url', target.url, '--label', 'autumn']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /No rows were imported under the label autumn/);
    const both = await dbporter(['export', '-', '--database-url', target.url, '--label', 'spring-batch', '--since', '2020-01-01']);
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /--since and --label cannot be combined/);
  });
});
