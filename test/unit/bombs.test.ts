import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import JSZip from 'jszip';
import { ArchiveReader } from '../../src/core/archive/reader';
import { readDump } from '../../src/core/dump/reader';
import type { DumpFormat } from '../../src/core/dump/format';
import { errorCode } from '../helpers/errors';
import { tempDir } from '../helpers/data';
import { header, sampleTable } from '../helpers/dumps';

/** Small inputs that would expand without end: refused with a clear error, in bounded memory and time. */
describe('bombs', function () {
  this.timeout(60_000);
  const dir = tempDir();
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function zipWith(name: string, content: Buffer, compression: 'STORE' | 'DEFLATE'): Promise<string> {
    const zip = new JSZip();
    zip.file(name, content, { compression });
    const file = path.join(dir, `${name.replace(/\W/g, '_')}-${compression}.zip`);
    fs.writeFileSync(file, await zip.generateAsync({ type: 'nodebuffer' }));
    return file;
  }

  it('an entry that deflates a thousand times is refused when the archive is opened', async () => {
    const file = await zipWith('files/0/zeros.bin', Buffer.alloc(200 * 1024 * 1024), 'DEFLATE');
    assert.ok(fs.statSync(file).size < 1024 * 1024, 'a small archive');
    await assert.rejects(ArchiveReader.open(file), errorCode('ARCHIVE_INVALID', /zeros\.bin" expands \d+ times .* like a zip bomb/));
  });

  it('a gzip stream inside a stored entry is cut off once it expands too far', async () => {
    const file = await zipWith('dump.ndjson.gz', zlib.gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 }), 'STORE');
    const reader = await ArchiveReader.open(file);
    try {
      const stream = await reader.openGzipEntry('dump.ndjson.gz');
      let read = 0;
      await assert.rejects(
        (async () => {
          for await (const chunk of stream) read += (chunk as Buffer).length;
        })(),
        errorCode('ARCHIVE_INVALID', /expands more than 500 times, like a zip bomb/),
      );
      assert.ok(read < 100 * 1024 * 1024, `stopped early (${read} bytes)`);
    } finally {
      reader.close();
    }
  });

  const endless = (prefix: string) =>
    async function* () {
      yield Buffer.from(prefix);
      const block = Buffer.alloc(1024 * 1024, 'a');
      for (let i = 0; i < 1024; i++) yield block; // up to 1 GiB, never a newline or a closing quote
    };

  for (const format of ['ndjson', 'json'] as DumpFormat[]) {
    it(`${format}: a row longer than 256 MiB is refused before memory runs out`, async () => {
      const h = header([sampleTable], { items: 1 });
      const prefix = format === 'ndjson' ? `${JSON.stringify(h)}\n{"table":"items","row":{"id":1,"name":"` : `{"metadata":${JSON.stringify(h.metadata)},"schema":${JSON.stringify(h.schema)},"data":{"items":[{"id":1,"name":"`;
      await assert.rejects(
        (async () => {
          for await (const event of readDump(endless(prefix)(), format)) void event;
        })(),
        errorCode('DUMP_INVALID', /longer than 256 MiB/),
      );
    });
  }
});
