import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { withAdapter } from '../../src/core/engines';
import { exportDatabase } from '../../src/core/export';
import { importDump } from '../../src/core/import';
import { LEGACY_ID_LIMIT } from '../../src/core/ids';
import type { Engine } from '../../src/core/url';
import { createTestDatabase, querySql, requireServer, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { checksums, tempDir } from '../helpers/data';

async function exportRandomized(url: string, file: string) {
  const out = fs.createWriteStream(file);
  try {
    await withAdapter(url, (a) => exportDatabase(a, out, { format: 'ndjson', randomizeLegacyIds: true }));
  } finally {
    await new Promise((resolve) => out.end(resolve));
  }
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  return { header: JSON.parse(lines[0]), rows: lines.slice(1, -1).map((l) => JSON.parse(l) as { table: string; row: Record<string, unknown> }) };
}

describe('randomized legacy ids', function () {
  this.timeout(120_000);
  let legacy: TestDatabase;
  const dir = tempDir();

  before(async () => {
    legacy = await createTestDatabase('sqlite');
    await loadChinook(legacy);
  });
  after(async () => {
    await legacy.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replaces every key below 1,000,000 and rewrites the foreign keys the same way', async () => {
    const { header, rows } = await exportRandomized(legacy.url, `${dir}/one.ndjson`);
    const subs = header.metadata.idSubstitutions as Record<string, Record<string, number>>;
    assert.deepEqual(Object.keys(subs).sort(), ['Album', 'Artist', 'Customer', 'Employee', 'Genre', 'Invoice', 'InvoiceLine', 'MediaType', 'Playlist', 'Track']);
    assert.equal(Object.keys(subs.Track).length, 3503);
    const newTrackIds = new Set(Object.values(subs.Track));
    const newAlbumIds = new Set(Object.values(subs.Album));
    assert.equal(newTrackIds.size, 3503, 'no two tracks share a new id');
    for (const { table, row } of rows) {
      if (table === 'Track') {
        assert.ok((row.TrackId as number) >= LEGACY_ID_LIMIT);
        assert.ok(newAlbumIds.has(row.AlbumId as number), 'foreign keys point at new ids');
      }
      if (table === 'PlaylistTrack') assert.ok(newTrackIds.has(row.TrackId as number), 'composite keys follow their parents');
    }
    // AC/DC's first album, by its old ids, is still AC/DC's under the new ones.
    const album = rows.find((r) => r.table === 'Album' && r.row.AlbumId === subs.Album['1'])!;
    assert.equal(album.row.ArtistId, subs.Artist['1']);
    assert.equal(album.row.Title, 'For Those About To Rock We Salute You');
  });

  for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
    it(`two copies of the same legacy database merge into one ${engine} database, references intact`, async function () {
      await requireServer(this, engine);
      const target = await createTestDatabase(engine);
      try {
        for (const copy of ['a', 'b']) {
          await exportRandomized(legacy.url, `${dir}/${copy}.ndjson`);
          await withAdapter(target.url, (a) => importDump(a, fs.createReadStream(`${dir}/${copy}.ndjson`), { format: 'ndjson', ledger: { label: copy } }));
        }
        const source = await checksums(legacy.url);
        const merged = await checksums(target.url);
        // Merged (the default mode), not appended: no key collides, so every row of both copies is new.
        for (const [table, sum] of Object.entries(source)) assert.equal(merged[table].rows, 2 * sum.rows, table);
        // Every album still belongs to an artist with the same name as before: join through the new ids.
        const q = (n: string) => (engine === 'mysql' ? `\`${n}\`` : `"${n}"`);
        const pairs = await querySql(target, `SELECT COUNT(*) AS n FROM ${q('Album')} a JOIN ${q('Artist')} r ON r.${q('ArtistId')} = a.${q('ArtistId')}`);
        assert.equal(Number(pairs[0].n), 2 * source.Album.rows);
      } finally {
        await target.drop();
      }
    });
  }
});
