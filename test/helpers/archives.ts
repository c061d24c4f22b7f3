import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import JSZip from 'jszip';
import { resolveDatabase, type ResolvedDatabase } from '../../src/core/config';
import { SCHEMA_ENTRY, tableEntry, type Manifest, type NativeKind } from '../../src/core/archive/manifest';
import type { TestDatabase } from './servers';

/** A test database as the config names it ("db"), its backups under `dir`/backups. */
export function named(db: TestDatabase, dir: string): ResolvedDatabase {
  return resolveDatabase('db', { config: { databases: [{ name: 'db', url: db.url }], backupDirectory: 'backups' }, file: path.join(dir, 'dbporter.config.json'), dir });
}

/**
 * A copy of a server backup (kind `kind`) with one table entry's text changed, and the manifest
 * signed again to match: damage that checksums cannot see. Returns the entry's name.
 */
export async function withTableText(archive: string, out: string, kind: NativeKind, table: string, change: (text: string) => string): Promise<string> {
  const zip = await JSZip.loadAsync(fs.readFileSync(archive));
  const header = JSON.parse(await zip.file(SCHEMA_ENTRY)!.async('string'));
  const entry = tableEntry(header.schema.tables.findIndex((t: { name: string }) => t.name === table), kind);
  const text = zlib.gunzipSync(await zip.file(entry)!.async('nodebuffer')).toString('utf8');
  const bytes = zlib.gzipSync(Buffer.from(change(text)));
  const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Manifest;
  manifest.entries[entry] = { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  zip.file(entry, bytes);
  zip.file('manifest.json', JSON.stringify(manifest));
  fs.writeFileSync(out, await zip.generateAsync({ type: 'nodebuffer' }));
  return entry;
}
