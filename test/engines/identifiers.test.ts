import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withAdapter } from '../../src/core/engines';
import { importDump } from '../../src/core/import';
import { exportDatabase } from '../../src/core/export';
import { strategiesFrom } from '../../src/core/merge/strategy';
import type { Table } from '../../src/core/schema/model';
import type { Engine } from '../../src/core/url';
import { createTestDatabase, requireServer } from '../helpers/servers';
import { readTable, tableNames, tempDir } from '../helpers/data';
import { writeDump } from '../helpers/dumps';

/**
 * Names crafted to break out of SQL: quotes of every engine, a statement separator, comments. Each
 * must be quoted by the engine's rules everywhere DB Porter writes SQL (create, bulk load, merge
 * look-ups and updates, partial exports), so that the names arrive as they are and nothing else runs.
 */
const EVIL_TABLE = `t"; DROP TABLE canary; --`;
const parent: Table = {
  name: EVIL_TABLE,
  columns: [
    { name: 'id`) /*', type: 'integer', nullable: false },
    { name: "o'name\\", type: 'text', length: 50, nullable: true },
    { name: 'v; -- x', type: 'text', nullable: true },
  ],
  primaryKey: ['id`) /*'],
  uniques: [{ columns: ["o'name\\"] }],
  foreignKeys: [],
  indexes: [],
};
const child: Table = {
  name: "c`]'; --",
  columns: [
    { name: 'id', type: 'integer', nullable: false },
    { name: 'p"ref', type: 'integer', nullable: true },
  ],
  primaryKey: ['id'],
  uniques: [],
  foreignKeys: [{ columns: ['p"ref'], references: { table: EVIL_TABLE, columns: ['id`) /*'] } }],
  indexes: [{ name: 'i"x; --', columns: ['p"ref'], unique: false }],
};
const canary: Table = {
  name: 'canary',
  columns: [{ name: 'id', type: 'integer', nullable: false }],
  primaryKey: ['id'],
  uniques: [],
  foreignKeys: [],
  indexes: [],
};

describe('identifiers crafted to inject SQL', function () {
  this.timeout(120_000);
  const dir = tempDir();
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const engine of ['sqlite', 'postgres', 'mysql'] as Engine[]) {
    it(`${engine}: are created, loaded, merged and exported as plain names`, async function () {
      await requireServer(this, engine);
      const db = await createTestDatabase(engine);
      try {
        const first = path.join(dir, `${engine}-1.ndjson`);
        fs.writeFileSync(first, await writeDump('ndjson', [{ table: canary, rows: [[1]] }, { table: parent, rows: [[1, "it's", 'old'], [2, 'b', null]] }, { table: child, rows: [[10, 1], [11, 2]] }]));
        await withAdapter(db.url, (a) => importDump(a, fs.createReadStream(first), { format: 'ndjson', ledger: { label: `l"; --` } }));
        // A second dump collides by the unique name: the merge looks rows up and updates them by these names.
        const second = path.join(dir, `${engine}-2.ndjson`);
        fs.writeFileSync(second, await writeDump('ndjson', [{ table: parent, rows: [[3, "it's", 'new']] }, { table: child, rows: [[12, 3]] }]));
        await withAdapter(db.url, (a) => importDump(a, fs.createReadStream(second), { format: 'ndjson', merge: { strategies: strategiesFrom(undefined, ['take']) } }));

        assert.deepEqual((await tableNames(db.url)).filter((n) => n !== 'dbporter_imported').sort(), [EVIL_TABLE, canary.name, child.name].sort());
        assert.deepEqual(await readTable(db.url, 'canary'), [{ id: 1 }], 'nothing else ran');
        assert.deepEqual((await readTable(db.url, EVIL_TABLE)).map((r) => Object.values(r)), [
          [1, "it's", 'new'],
          [2, 'b', null],
        ], 'the colliding row was updated under its own key');
        assert.deepEqual((await readTable(db.url, child.name)).map((r) => Object.values(r)), [
          [10, 1],
          [11, 2],
          [12, 1],
        ], 'the child of the merged row points at the row it merged into');

        const out = path.join(dir, `${engine}-slice.ndjson`);
        const stream = fs.createWriteStream(out);
        await withAdapter(db.url, (a) => exportDatabase(a, stream, { format: 'ndjson', select: { kind: 'root', table: EVIL_TABLE, values: ['1'] } }));
        await new Promise((r) => stream.end(r));
        const tables = fs.readFileSync(out, 'utf8').trimEnd().split('\n').slice(1, -1).map((l) => JSON.parse(l).table);
        assert.deepEqual([...new Set(tables)].sort(), [EVIL_TABLE, child.name].sort());
      } finally {
        await db.drop();
      }
    });
  }
});
