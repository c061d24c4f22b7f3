import { createHash } from 'node:crypto';
import type { Adapter } from './engines/adapter';
import { canonicalValue } from './values';
import { selectTables } from './tables';

export interface TableChecksum {
  rows: number;
  /** Order-independent digest of the rows' canonical values (sha256 per row, summed mod 2^64). */
  checksum: string;
}

/**
 * A content checksum per table that is equal for equal data on any engine: values are compared in
 * their canonical form (see canonicalValue), columns by name, rows in any order.
 */
export async function tableChecksums(adapter: Adapter, tables?: string[]): Promise<Record<string, TableChecksum>> {
  const schema = await adapter.introspect();
  const selected = selectTables(schema, tables, adapter.description);
  const out: Record<string, TableChecksum> = {};
  await adapter.read(async (reader) => {
    for (const table of selected) {
      const order = table.columns.map((c, i) => ({ c, i })).sort((a, b) => (a.c.name < b.c.name ? -1 : 1));
      let sum = 0n;
      let rows = 0;
      for await (const batch of reader.rows(table.name, table.columns)) {
        for (const row of batch) {
          const text = order.map(({ c, i }) => `${c.name}=${canonicalValue(c.type, row[i])}`).join('\u0001');
          sum = (sum + BigInt('0x' + createHash('sha256').update(text).digest('hex').slice(0, 16))) & 0xffffffffffffffffn;
          rows++;
        }
      }
      out[table.name] = { rows, checksum: sum.toString(16).padStart(16, '0') };
    }
  });
  return out;
}
