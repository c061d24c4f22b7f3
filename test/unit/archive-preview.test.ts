import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { archiveManifest, archiveSchema, previewArchiveRows } from '../../src/core/archive/preview';
import { ArchiveWriter } from '../../src/core/archive/writer';
import { ARCHIVE_FORMAT, ARCHIVE_VERSION, DUMP_ENTRY } from '../../src/core/archive/manifest';
import { backupDatabase } from '../../src/core/backup';
import { resolveDatabase } from '../../src/core/config';
import { withAdapter } from '../../src/core/engines';
import { exportArchive } from '../../src/core/export-archive';
import { DbPorterError } from '../../src/core/errors';
import { CHINOOK_SQLITE } from '../helpers/chinook';
import { tempDir } from '../helpers/data';

describe('looking inside zip archives', function () {
  this.timeout(60_000);
  let dir: string;
  let backup: string;
  let exported: string;

  before(async () => {
    dir = tempDir();
    fs.copyFileSync(CHINOOK_SQLITE, path.join(dir, 'chinook.db'));
    const db = resolveDatabase('chinook', { config: { databases: [{ name: 'chinook', url: 'sqlite:chinook.db' }] }, file: path.join(dir, 'dbporter.config.json'), dir });
    backup = (await backupDatabase(db, { destination: path.join(dir, 'backup.zip') })).file;
    exported = path.join(dir, 'export.zip');
    await withAdapter(db.url, (adapter) => exportArchive(adapter, exported, db, { tables: ['Genre', 'Artist', 'Album'] }), dir);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the manifest and schema of a SQLite backup and the first rows of a table', async () => {
    const manifest = await archiveManifest(backup);
    assert.equal(manifest.kind, 'sqlite-file');
    assert.equal(manifest.rowCounts.Track, 3503);
    const schema = await archiveSchema(backup);
    assert.equal(schema.tables.length, 11);
    assert.deepEqual(schema.tables.find((t) => t.name === 'Artist')!.columns.map((c) => c.name), ['ArtistId', 'Name']);
    const preview = await previewArchiveRows(backup, 'Artist', 3);
    assert.equal(preview.rowsInArchive, 275);
    assert.deepEqual(preview.rows, [
      { ArtistId: 1, Name: 'AC/DC' },
      { ArtistId: 2, Name: 'Accept' },
      { ArtistId: 3, Name: 'Aerosmith' },
    ]);
  });

  it('streams the rows of a table out of a zip export, in the dump encoding', async () => {
    const schema = await archiveSchema(exported);
    assert.deepEqual(schema.tables.map((t) => t.name).sort(), ['Album', 'Artist', 'Genre']);
    const albums = await previewArchiveRows(exported, 'Album', 100);
    assert.equal(albums.rowsInArchive, 347);
    assert.equal(albums.rows.length, 100);
    assert.deepEqual(albums.rows[0], { AlbumId: 1, Title: 'For Those About To Rock We Salute You', ArtistId: 1 });
    const genres = await previewArchiveRows(exported, 'Genre', 100);
    assert.equal(genres.rows.length, 25, 'a table smaller than the preview shows all its rows and no other table');
    await assert.rejects(previewArchiveRows(exported, 'Track', 5), (e: unknown) => e instanceof DbPorterError && e.code === 'UNKNOWN_TABLE' && /Its tables: Artist, Album, Genre\./.test(e.message));
  });

  it('stops reading after the rows it shows', async () => {
    // A dump whose tail is damaged: the first rows can be shown, the rest cannot be reached.
    const file = path.join(dir, 'damaged.zip');
    const archive = new ArchiveWriter(file);
    const dump = archive.gzipStream(DUMP_ENTRY);
    archive.start();
    const header = {
      metadata: { format: 'dbporter-dump', version: 1, tool: { name: 'dbporter', version: '0' }, source: { engine: 'sqlite', database: 'x' }, createdAt: '2024-01-01T00:00:00Z', options: {}, rowCounts: { t: 4 } },
      schema: { engine: 'sqlite', tables: [{ name: 't', columns: [{ name: 'id', type: 'integer', nullable: false }], primaryKey: ['id'], uniques: [], foreignKeys: [], indexes: [] }] },
    };
    dump.end([JSON.stringify(header), '{"table":"t","row":{"id":1}}', '{"table":"t","row":{"id":2}}', '{"table":"t","row":{"id":3', ''].join('\n'));
    await archive.finish((entries) => ({
      format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, tool: { name: 'dbporter', version: '0' }, createdAt: '2024-01-01T00:00:00Z', reason: 'export',
      database: { name: 'x', engine: 'sqlite', source: 'x' }, kind: 'dump', rowCounts: { t: 4 }, fileRoots: [], entries,
    }));
    assert.deepEqual((await previewArchiveRows(file, 't', 2)).rows, [{ id: 1 }, { id: 2 }]);
    await assert.rejects(previewArchiveRows(file, 't', 3), (e: unknown) => e instanceof DbPorterError && e.code === 'ARCHIVE_INVALID' && /row 3 of table "t"/.test(e.message));
  });
});
