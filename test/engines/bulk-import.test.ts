import * as assert from 'node:assert/strict';
import { withAdapter } from '../../src/core/engines';
import { BulkChoice, importEvents, type ImportOptions } from '../../src/core/import';
import { readDump } from '../../src/core/dump/reader';
import type { Row, Table } from '../../src/core/schema/model';
import { LEDGER_TABLE } from '../../src/core/ledger';
import { createTestDatabase, querySql, requireServer, type TestDatabase } from '../helpers/servers';
import { readTable } from '../helpers/data';
import { writeDump } from '../helpers/dumps';

/**
 * NDJSON imports into PostgreSQL and MySQL take a table's rows as the server's bulk text, straight
 * from the dump's bytes (dump/bulk-text.ts), when nothing needs them as values: the table is fresh
 * and it is no dry run. The choice is watched through the reader's question, and what lands must be
 * what the rows say, with the ledger's keys, whichever way they went.
 */

const parent: Table = {
  name: 'parent',
  columns: [
    { name: 'id', type: 'integer', nullable: false },
    { name: 'name', type: 'text', nullable: false },
    { name: 'score', type: 'double', nullable: true },
    { name: 'at', type: 'timestamp', nullable: true },
  ],
  primaryKey: ['id'],
  uniques: [],
  foreignKeys: [],
  indexes: [],
};
const child: Table = {
  name: 'child',
  columns: [
    { name: 'a', type: 'integer', nullable: false },
    { name: 'b', type: 'text', length: 40, nullable: false },
    { name: 'parent_id', type: 'integer', nullable: true },
    { name: 'paid', type: 'boolean', nullable: false },
    { name: 'amount', type: 'decimal', precision: 12, scale: 2, nullable: true },
    { name: 'doc', type: 'json', nullable: true },
  ],
  primaryKey: ['a', 'b'],
  uniques: [],
  foreignKeys: [{ columns: ['parent_id'], references: { table: 'parent', columns: ['id'] } }],
  indexes: [],
};

// Scores of 16 and 17 digits (i / 3) also check that MySQL reads a DOUBLE back exactly.
const ROWS = 2500;
const parents: Row[] = Array.from({ length: ROWS }, (_, i) => [i + 1, `name ${i}\t"é" \\ ${i % 7 ? '' : '\n'}`, i % 3 ? i / 3 : null, `2024-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:0${i % 10}.${String(i * 10 + 1).padStart(6, "0")}`]);
const children: Row[] = Array.from({ length: ROWS }, (_, i) => [i % 50, `k${i}`, (i % ROWS) + 1, i % 2 === 0, `${i}.50`, i % 4 ? JSON.stringify({ i, tags: ['x', 'y"z'] }) : null]);

for (const engine of ['postgres', 'mysql'] as const) {
  describe(`NDJSON imports into ${engine} as bulk text`, function () {
    this.timeout(60_000);
    let db: TestDatabase;
    let dump: string;

    before(async function () {
      await requireServer(this, engine);
      dump = await writeDump('ndjson', [
        { table: parent, rows: parents },
        { table: child, rows: children },
      ]);
    });
    beforeEach(async () => {
      db = await createTestDatabase(engine);
    });
    afterEach(() => db?.drop());

    /** Imports the dump, noting for each table whether its rows were taken as bulk text. */
    async function importNoting(options: Omit<ImportOptions, 'format'>): Promise<{ bulk: Record<string, boolean>; rows: number; inserted: number }> {
      const choice = new BulkChoice();
      const bulk: Record<string, boolean> = {};
      const source = (async function* () {
        yield Buffer.from(dump);
      })();
      const events = readDump(source, 'ndjson', {
        bulk: (table) => {
          const request = choice.ask(table);
          bulk[table] = request !== undefined;
          return request;
        },
      });
      const result = await withAdapter(db.url, (a) => importEvents(a, events, options, choice));
      return { bulk, rows: result.rows, inserted: result.inserted };
    }

    const values = (rows: Array<Record<string, unknown>>, table: Table) => rows.map((r) => table.columns.map((c) => r[c.name]));
    const byKey = (a: Row, b: Row) => String(a[0]).localeCompare(String(b[0]), 'en', { numeric: true }) || String(a[1]).localeCompare(String(b[1]));

    it('fresh tables go as bulk text; every value lands, and the ledger has every key', async () => {
      const result = await importNoting({ ledger: { label: 'first' } });
      assert.deepEqual(result.bulk, { parent: true, child: true });
      assert.equal(result.inserted, 2 * ROWS);
      assert.deepEqual(values(await readTable(db.url, 'parent'), parent).sort(byKey), [...parents].sort(byKey));
      const landed = values(await readTable(db.url, 'child'), child).map((r) => [...r.slice(0, 5), r[5] === null ? null : JSON.parse(String(r[5]))]);
      assert.deepEqual(landed.sort(byKey), children.map((r) => [...r.slice(0, 5), r[5] === null ? null : JSON.parse(String(r[5]))]).sort(byKey));
      const ledger = await querySql(db, `SELECT table_name, row_key, last_key FROM ${LEDGER_TABLE}`);
      // One run of consecutive integers for the parents; a tuple per child row.
      assert.deepEqual(ledger.filter((r) => r.table_name === 'parent').map((r) => [r.row_key, r.last_key]), [['[1]', `[${ROWS}]`]]);
      assert.equal(ledger.filter((r) => r.table_name === 'child').length, ROWS);
    });

    it('tables that hold rows are merged as values; a replace goes as bulk text again; a dry run writes nothing', async () => {
      await importNoting({});
      const merged = await importNoting({ mode: 'merge' });
      assert.deepEqual(merged.bulk, { parent: false, child: false });
      assert.equal(merged.inserted, 0);
      const replaced = await importNoting({ mode: 'replace' });
      assert.deepEqual(replaced.bulk, { parent: true, child: true });
      assert.equal(replaced.inserted, 2 * ROWS);
      assert.equal((await readTable(db.url, 'parent')).length, ROWS);

      const other = await createTestDatabase(engine);
      try {
        const before = db;
        db = other;
        const dry = await importNoting({ dryRun: true });
        db = before;
        assert.deepEqual(dry.bulk, { parent: false, child: false });
        assert.equal(dry.rows, 2 * ROWS);
        assert.deepEqual(await querySql(other, engine === 'postgres' ? `SELECT tablename FROM pg_tables WHERE schemaname = 'public'` : 'SHOW TABLES'), []);
      } finally {
        await other.drop();
      }
    });

    it('a bad value late in a bulk table fails the import and leaves the target as it was', async () => {
      const lines = dump.split('\n');
      const bad = lines.findIndex((l) => l.includes('"b":"k2400"'));
      lines[bad] = lines[bad].replace(/"paid":(true|false)/, '"paid":"yes"');
      const broken = lines.join('\n');
      const saved = dump;
      dump = broken;
      try {
        await assert.rejects(importNoting({}), /Table "child", row 2401, column "paid" \(boolean\): expected true or false, got "yes"/);
      } finally {
        dump = saved;
      }
      assert.deepEqual(await querySql(db, engine === 'postgres' ? `SELECT tablename FROM pg_tables WHERE schemaname = 'public'` : 'SHOW TABLES'), []);
    });
  });
}
