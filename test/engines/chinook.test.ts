import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { openAdapter, withAdapter } from '../../src/core/engines';
import { copyDatabase } from '../../src/core/copy';
import { importDump } from '../../src/core/import';
import type { Engine } from '../../src/core/url';
import type { TableChecksum } from '../../src/core/checksum';
import { createTestDatabase, requireServer, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { checksums, exportToFile, tempDir } from '../helpers/data';

const ENGINES: Engine[] = ['sqlite', 'postgres', 'mysql'];
const CHINOOK_ROWS = 15607;

describe('Chinook moves between every pair of engines, row counts and content checksums intact', function () {
  this.timeout(180_000);
  const sources = {} as Record<Engine, TestDatabase>;
  const expected = {} as Record<Engine, Record<string, TableChecksum>>;
  const dir = tempDir();

  before(async function () {
    for (const engine of ENGINES) await requireServer(this, engine);
    for (const engine of ENGINES) {
      sources[engine] = await createTestDatabase(engine);
      await loadChinook(sources[engine]);
      expected[engine] = await checksums(sources[engine].url);
    }
  });

  after(async () => {
    for (const db of Object.values(sources)) await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads the same 11 tables and 15,607 rows on each engine', () => {
    for (const engine of ENGINES) {
      const sums = Object.values(expected[engine]);
      assert.equal(sums.length, 11, engine);
      assert.equal(sums.reduce((n, s) => n + s.rows, 0), CHINOOK_ROWS, engine);
    }
  });

  async function assertSameAsSource(from: Engine, targetUrl: string): Promise<void> {
    const got = await checksums(targetUrl);
    assert.deepEqual(got, expected[from]);
  }

  for (const from of ENGINES) {
    for (const to of ENGINES) {
      if (from === to) continue;

      it(`copy ${from} → ${to}`, async () => {
        const target = await createTestDatabase(to);
        try {
          const source = await openAdapter(sources[from].url);
          const result = await withAdapter(target.url, (t) => copyDatabase(source, t)).finally(() => source.close());
          assert.equal(result.inserted, CHINOOK_ROWS);
          assert.ok(result.tables.every((t) => t.created));
          await assertSameAsSource(from, target.url);
        } finally {
          await target.drop();
        }
      });

      for (const format of ['json', 'ndjson'] as const) {
        it(`export ${from} → ${format} → import ${to}`, async () => {
          const file = await exportToFile(sources[from].url, format, dir);
          const target = await createTestDatabase(to);
          try {
            const result = await withAdapter(target.url, (t) => importDump(t, fs.createReadStream(file), { format }));
            assert.equal(result.inserted, CHINOOK_ROWS);
            assert.equal(result.source.engine, from);
            await assertSameAsSource(from, target.url);
          } finally {
            await target.drop();
          }
        });
      }
    }
  }
});
