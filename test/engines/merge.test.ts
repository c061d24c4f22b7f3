import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withAdapter } from '../../src/core/engines';
import { exportDatabase } from '../../src/core/export';
import { copyDatabase } from '../../src/core/copy';
import { importDump, type ImportOptions } from '../../src/core/import';
import { LEDGER_TABLE } from '../../src/core/ledger';
import { loadResolver } from '../../src/core/merge/resolver';
import { strategiesFrom } from '../../src/core/merge/strategy';
import type { Engine } from '../../src/core/url';
import { createTestDatabase, querySql, requireServer, type TestDatabase } from '../helpers/servers';
import { checksums, readTable, tempDir } from '../helpers/data';
import { T, dumpFile, incomingRows, targetRows } from '../helpers/overlap';
import { errorCode } from '../helpers/errors';
import { canonicalValue } from '../../src/core/values';

/** Ann's and Bob's rows after merging under each strategy: [name, score, created_at, updated_at]. */
const expected: Record<string, { ann: unknown[]; bob: unknown[]; post10: string; merged: number; skipped: number }> = {
  // Keeping the target's row still takes the earliest creation and latest update time (Ann's change).
  keep: { ann: ['Ann', 10, T('2019-06-01'), T('2022-01-01')], bob: ['Bob', 20, T('2020-02-01'), T('2020-02-01')], post10: 'Ann post', merged: 1, skipped: 2 },
  take: { ann: ['Ann B', 5, T('2019-06-01'), T('2022-01-01')], bob: ['Robert', 30, T('2020-02-01'), T('2020-02-01')], post10: 'Ann post v2', merged: 3, skipped: 0 },
  'larger:score': { ann: ['Ann', 10, T('2019-06-01'), T('2022-01-01')], bob: ['Robert', 30, T('2020-02-01'), T('2020-02-01')], post10: 'Ann post', merged: 2, skipped: 1 },
  'smaller:score': { ann: ['Ann B', 5, T('2019-06-01'), T('2022-01-01')], bob: ['Bob', 20, T('2020-02-01'), T('2020-02-01')], post10: 'Ann post', merged: 1, skipped: 2 },
  'later:updated_at': { ann: ['Ann B', 5, T('2019-06-01'), T('2022-01-01')], bob: ['Bob', 20, T('2020-02-01'), T('2020-02-01')], post10: 'Ann post', merged: 1, skipped: 2 },
  'earlier:created_at': { ann: ['Ann B', 5, T('2019-06-01'), T('2022-01-01')], bob: ['Bob', 20, T('2020-02-01'), T('2020-02-01')], post10: 'Ann post', merged: 1, skipped: 2 },
};

/** Engines print timestamps with more or fewer fraction digits: compare them canonically. */
const pick = (row: Record<string, unknown>) => [row.name, Number(row.score), canonicalValue('timestamp', row.created_at), canonicalValue('timestamp', row.updated_at)];

describe('merging imports', function () {
  this.timeout(120_000);
  const dir = tempDir();
  let targetDump: string;
  let incomingDump: string;

  before(async () => {
    targetDump = await dumpFile(dir, 'target', targetRows);
    incomingDump = await dumpFile(dir, 'incoming', incomingRows);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function seeded(engine: Engine): Promise<TestDatabase> {
    const db = await createTestDatabase(engine);
    await withAdapter(db.url, (a) => importDump(a, fs.createReadStream(targetDump), { format: 'ndjson', mode: 'append' }));
    return db;
  }

  const merge = (db: TestDatabase, options: Partial<ImportOptions> = {}) =>
    withAdapter(db.url, (a) => importDump(a, fs.createReadStream(incomingDump), { format: 'ndjson', ...options }));

  for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
    describe(engine, () => {
      for (const [strategy, want] of Object.entries(expected)) {
        it(`--on-conflict ${strategy}: merged rows, new rows, references re-pointed`, async function () {
          await requireServer(this, engine);
          const db = await seeded(engine);
          try {
            // Posts always keep the target's row, except under take: a per-table strategy beside the default.
            const strategies = strategiesFrom(undefined, [strategy, ...(strategy === 'take' ? [] : ['posts=keep'])]);
            const result = await merge(db, { merge: { strategies } });
            const a = await readTable(db.url, 'authors');
            assert.deepEqual(a.map((r) => Number(r.id)), [1, 2, 6], 'Robert merged into Bob (2), Cat inserted under her own key');
            assert.deepEqual(pick(a[0]), want.ann, 'Ann');
            assert.deepEqual(pick(a[1]), want.bob, 'Bob');
            const p = await readTable(db.url, 'posts');
            assert.deepEqual(
              p.map((r) => [Number(r.id), Number(r.author_id), r.reply_to === null ? null : Number(r.reply_to)]),
              [
                [10, 1, null],
                [11, 2, null],
                [20, 2, null],
                [21, 6, 20],
              ],
              "Robert's post now belongs to Bob's row",
            );
            assert.equal(p[0].title, want.post10);
            const byTable = Object.fromEntries(result.tables.map((t) => [t.table, t]));
            assert.equal(byTable.authors.inserted, 1);
            assert.equal(byTable.posts.inserted, 2);
            assert.equal(byTable.authors.merged + byTable.posts.merged, want.merged, 'merged count');
            assert.equal(byTable.authors.skipped + byTable.posts.skipped, want.skipped, 'skipped count');
          } finally {
            await db.drop();
          }
        });
      }

      it('--dry-run reports the same counts as the real merge and writes nothing', async function () {
        await requireServer(this, engine);
        const db = await seeded(engine);
        try {
          const before = await checksums(db.url);
          const strategies = strategiesFrom(undefined, ['take']);
          const dry = await merge(db, { merge: { strategies }, dryRun: true, ledger: { label: 'dry' } });
          assert.equal(dry.dryRun, true);
          assert.deepEqual(await checksums(db.url), before, 'the target is unchanged');
          const real = await merge(db, { merge: { strategies } });
          const counts = (r: typeof real) => r.tables.map((t) => [t.table, t.inserted, t.merged, t.skipped]);
          assert.deepEqual(counts(dry), counts(real));
        } finally {
          await db.drop();
        }
      });

      it('a resolver module decides every collision, and its edited row is written', async function () {
        await requireServer(this, engine);
        const db = await seeded(engine);
        const file = path.join(dir, `resolver-${engine}.js`);
        fs.writeFileSync(
          file,
          `module.exports = class NameJoiner {
             constructor() { this.asked = []; }
             async resolve(table, target, incoming) {
               if (table === 'posts') return 'target';
               return { row: { name: target.name + ' & ' + incoming.name, score: target.score + incoming.score } };
             }
           };`,
        );
        try {
          const resolver = await loadResolver(file, dir);
          await merge(db, { merge: { strategies: strategiesFrom(undefined, ['take']), resolver } });
          const a = await readTable(db.url, 'authors');
          assert.deepEqual(pick(a[0]).slice(0, 2), ['Ann & Ann B', 15]);
          assert.deepEqual(pick(a[1]).slice(0, 2), ['Bob & Robert', 50]);
          assert.equal((await readTable(db.url, 'posts'))[0].title, 'Ann post', 'posts kept by the resolver, not the strategy');
        } finally {
          await db.drop();
        }
      });

      it('a resolver answering a value of the wrong type is refused and nothing is written', async function () {
        await requireServer(this, engine);
        const db = await seeded(engine);
        try {
          const before = await checksums(db.url);
          const resolver = { resolve: async () => ({ row: { score: 'lots' } }) };
          await assert.rejects(merge(db, { merge: { strategies: strategiesFrom(undefined, []), resolver } }), errorCode('BAD_VALUE', /column "score"/));
          assert.deepEqual(await checksums(db.url), before);
        } finally {
          await db.drop();
        }
      });

      it('records imported rows in the ledger, and an export by label round-trips them', async function () {
        await requireServer(this, engine);
        const db = await seeded(engine);
        const empty = await createTestDatabase(engine);
        try {
          await merge(db, { merge: { strategies: strategiesFrom(undefined, ['take']) }, ledger: { label: 'batch-7', sourceFile: 'incoming.ndjson' } });
          const q = (n: string) => (engine === 'mysql' ? `\`${n}\`` : `"${n}"`);
          const ledger = await querySql(db, `SELECT ${q('table_name')} AS t, ${q('row_key')} AS k, ${q('last_key')} AS l, ${q('source_file')} AS f FROM ${q(LEDGER_TABLE)} WHERE ${q('label')} = 'batch-7'`);
          const entries = ledger.map((r) => `${r.t} ${r.k}${r.l ? `..${r.l}` : ''}`).sort();
          // Rows the import wrote, named by their key in the target (Bob's merged row is 2, not 5), runs of keys as one entry.
          assert.deepEqual(entries, ['authors [1]..[2]', 'authors [6]', 'posts [10]', 'posts [20]..[21]']);
          assert.ok(ledger.every((r) => r.f === 'incoming.ndjson'));

          const file = path.join(dir, `label-${engine}.ndjson`);
          const out = fs.createWriteStream(file);
          await withAdapter(db.url, (a) => exportDatabase(a, out, { format: 'ndjson', select: { kind: 'label', labels: ['batch-7'] } }));
          await new Promise((r) => out.end(r));
          await withAdapter(empty.url, (a) => importDump(a, fs.createReadStream(file), { format: 'ndjson', keepImportMetadata: true }));
          assert.deepEqual((await readTable(empty.url, 'authors')).map((r) => Number(r.id)), [1, 2, 6]);
          // Post 11 was not imported under the label; its parent author 2 was, so it stays out.
          assert.deepEqual((await readTable(empty.url, 'posts')).map((r) => Number(r.id)), [10, 20, 21]);
          const carried = await querySql(empty, `SELECT COUNT(*) AS n FROM ${q(LEDGER_TABLE)} WHERE ${q('label')} = 'batch-7'`);
          assert.equal(Number(carried[0].n), 4, '--keep-import-metadata brings the ledger rows along');

          const again = await createTestDatabase(engine);
          try {
            await withAdapter(again.url, (a) => importDump(a, fs.createReadStream(file), { format: 'ndjson' }));
            const names = await withAdapter(again.url, async (a) => (await a.introspect()).tables.map((t) => t.name));
            assert.ok(!names.includes(LEDGER_TABLE), 'without --keep-import-metadata the dump\'s ledger stays out');
          } finally {
            await again.drop();
          }
        } finally {
          await db.drop();
          await empty.drop();
        }
      });

      it('copy in merge mode settles collisions the same way: the target row stays, references follow it', async function () {
        await requireServer(this, engine);
        const db = await seeded(engine);
        const source = await createTestDatabase('sqlite');
        try {
          await withAdapter(source.url, (a) => importDump(a, fs.createReadStream(incomingDump), { format: 'ndjson' }));
          const result = await withAdapter(source.url, (s) => withAdapter(db.url, (t) => copyDatabase(s, t)));
          assert.deepEqual((await readTable(db.url, 'authors')).map((a) => [Number(a.id), a.name]), [
            [1, 'Ann'],
            [2, 'Bob'],
            [6, 'Cat'],
          ]);
          const posts = await readTable(db.url, 'posts');
          assert.equal(Number(posts.find((p) => Number(p.id) === 20)!.author_id), 2, "Robert's post points at Bob's row");
          assert.equal(result.inserted, 3);
        } finally {
          await db.drop();
          await source.drop();
        }
      });

      it('a failed merge leaves neither rows nor ledger entries', async function () {
        await requireServer(this, engine);
        const db = await seeded(engine);
        try {
          const before = await checksums(db.url);
          const resolver = {
            resolve: async (table: string) => {
              if (table === 'posts') throw new Error('the person closed the diff');
              return 'incoming' as const;
            },
          };
          await assert.rejects(merge(db, { merge: { strategies: strategiesFrom(undefined, []), resolver }, ledger: { label: 'x' } }), /closed the diff/);
          const after = await checksums(db.url);
          assert.deepEqual(after, before);
        } finally {
          await db.drop();
        }
      });
    });
  }
});
