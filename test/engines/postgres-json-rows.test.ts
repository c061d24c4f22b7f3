import * as assert from 'node:assert/strict';
import { withAdapter } from '../../src/core/engines';
import type { Row } from '../../src/core/schema/model';
import { createTestDatabase, execSql, requireServer, type TestDatabase } from '../helpers/servers';

/**
 * PostgreSQL exports take a fast path that writes JSON straight from COPY's bytes (copy-json.ts).
 * It must give exactly the values the general path (rows()) gives, for every kind of value.
 */
describe('PostgreSQL JSON fast path equals the general path', function () {
  this.timeout(30_000);
  let db: TestDatabase;

  before(async function () {
    await requireServer(this, 'postgres');
    db = await createTestDatabase('postgres');
    const weird = "E'tab\\there, newline\\nhere, cr\\r, backslash \\\\ and \"quotes\", control \\x01\\x1f, unicode é 東京 🎉 עברית'";
    await execSql(
      db,
      `CREATE TABLE edge (id integer PRIMARY KEY, big bigint, f double precision, r real, d numeric, t text, flag boolean,
         at timestamp(6), atz timestamptz(6), raw bytea, doc jsonb, day date, tm time, uid uuid, iv interval, arr integer[]);
       INSERT INTO edge VALUES
         (1, 9007199254740991, 'NaN', 'Infinity', 'NaN', ${weird}, true, '1901-12-13 20:45:52.5', '1960-01-01 00:00:00.123456+00', '\\x00ff5c0a09', '{"q": "a\\"b", "n": 12345678901234567890}', '0001-01-01', '23:59:59.999999', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1 day 02:03:04', '{1,2,NULL}'),
         (2, 9007199254740992, '-Infinity', -0.5, '-1.50', '', false, '2024-02-29 23:59:59', '2038-01-19 03:14:08+05:30', '', 'null', '2024-01-31', '00:00:00', NULL, NULL, '{}'),
         (3, -9223372036854775808, 1e300, 1.1, '0', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
         (4, NULL, 5e-324, NULL, '12345678901234567890.12345678901234567890', '\\N', NULL, NULL, NULL, NULL, '[1, "x", {"y": [true]}]', NULL, NULL, NULL, NULL, NULL);`,
    );
  });
  after(async () => db?.drop());

  it('yields the same rows, value for value', async () => {
    await withAdapter(db.url, async (adapter) => {
      const table = (await adapter.introspect()).tables.find((t) => t.name === 'edge')!;
      const general: Row[] = [];
      const fast: Array<Record<string, unknown>> = [];
      await adapter.read(async (reader) => {
        for await (const batch of reader.rows('edge', table.columns)) general.push(...batch);
        assert.ok(reader.jsonRows, 'PostgreSQL offers the fast path');
        for await (const encoded of reader.jsonRows('edge', table.columns, { prefix: '>', suffix: '\n' })) {
          const lines = encoded.bytes.toString('utf8').split('\n').filter(Boolean);
          assert.equal(lines.length, encoded.rows);
          for (const line of lines) {
            assert.equal(line[0], '>', 'each row carries the prefix');
            fast.push(JSON.parse(line.slice(1)));
          }
        }
      });
      const expected = general.map((row) => Object.fromEntries(table.columns.map((c, i) => [c.name, row[i]])));
      const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => Number(a.id) - Number(b.id);
      assert.deepEqual(fast.sort(byId), expected.sort(byId));
      // And the values are what the encoding promises, not merely equal to each other.
      assert.equal(expected[0].big, 9007199254740991);
      assert.equal(expected[1].big, '9007199254740992');
      assert.equal(expected[0].f, 'NaN');
      assert.equal(expected[1].f, '-Infinity');
      assert.equal(expected[0].raw, Buffer.from([0, 255, 0x5c, 10, 9]).toString('base64'));
      assert.equal(expected[1].atz, '2038-01-18T21:44:08Z');
      assert.equal(expected[3].t, '\\N');
      assert.match(String(expected[0].t), /tab\there, newline\nhere, cr\r, backslash \\ and "quotes", control \x01\x1f, unicode é 東京 🎉 עברית/);
    });
  });
});
