import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openAdapter, withAdapter } from '../../src/core/engines';
import { tableChecksums, type TableChecksum } from '../../src/core/checksum';
import type { Row } from '../../src/core/schema/model';
import { exportDatabase } from '../../src/core/export';
import type { DumpFormat } from '../../src/core/dump/format';

/** Every row of a table as objects, ordered by the first column, read through DB Porter's adapter. */
export async function readTable(url: string, table: string): Promise<Array<Record<string, unknown>>> {
  return withAdapter(url, async (adapter) => {
    const schema = await adapter.introspect();
    const def = schema.tables.find((t) => t.name === table);
    if (!def) throw new Error(`no table ${table}`);
    const rows: Row[] = [];
    await adapter.read(async (reader) => {
      for await (const batch of reader.rows(table, def.columns)) rows.push(...batch);
    });
    const key = (v: unknown) => BigInt(v as string | number);
    rows.sort((a, b) => (key(a[0]) < key(b[0]) ? -1 : key(a[0]) > key(b[0]) ? 1 : 0));
    return rows.map((r) => Object.fromEntries(def.columns.map((c, i) => [c.name, r[i]])));
  });
}

export async function checksums(url: string): Promise<Record<string, TableChecksum>> {
  return withAdapter(url, (adapter) => tableChecksums(adapter));
}

export async function tableNames(url: string): Promise<string[]> {
  return withAdapter(url, async (adapter) => (await adapter.introspect()).tables.map((t) => t.name).sort());
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dbporter-test-'));
}

/** Exports a database into a file and returns its path. */
export async function exportToFile(url: string, format: DumpFormat, dir: string, tables?: string[]): Promise<string> {
  const file = path.join(dir, `dump-${Math.random().toString(36).slice(2)}.${format}`);
  const adapter = await openAdapter(url);
  const out = fs.createWriteStream(file);
  try {
    await exportDatabase(adapter, out, { format, tables });
  } finally {
    await new Promise((resolve) => out.end(resolve));
    await adapter.close();
  }
  return file;
}
