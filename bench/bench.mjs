// `npm run bench`: DB Porter next to the native tools, in the same run, on the same data.
//
// Data: 1,000,000 generated rows of mixed types (bench/generate.mjs, seeded) in a SQLite file and
// the same rows as CSV, plus the Chinook sample. Cases, each beside its native counterpart:
//   sqlite  export (NDJSON, JSON) vs sqlite3 .dump; import vs sqlite3 .import; backup/restore vs cp
//   pg      copy SQLite → PostgreSQL vs psql \copy and pgloader; export vs psql \copy to;
//           backup/restore vs pg_dump/pg_restore; import vs psql \copy
//   mysql   copy SQLite → MySQL and import vs LOAD DATA; export vs mysqldump;
//           backup/restore vs mysqldump | gzip / gunzip | mysql
//   merge   100,000 rows into 100,000, 10% colliding, per engine (no native counterpart)
// Each case runs --repeat times (default 3), after a CHECKPOINT where PostgreSQL takes part; the
// median run counts. Results are printed and written to bench/results/latest.{json,md,svg} (a run
// of some groups only writes latest-<groups>.*). Exits 1 when a target is missed.
// Options: --rows N, --repeat N, --cases sqlite,pg,mysql,merge. Servers: DBPORTER_BENCH_PG_URL, DBPORTER_BENCH_MYSQL_URL.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';
import { timed } from './lib/measure.mjs';
import { Results } from './lib/report.mjs';
import { has, myFlush, pgCheckpoint } from './lib/servers.mjs';
import { sqlite } from './cases/sqlite.mjs';
import { postgres } from './cases/postgres.mjs';
import { mysql } from './cases/mysql.mjs';
import { merge } from './cases/merge.mjs';

const ALL = 'sqlite,pg,mysql,merge';
const GROUPS = { sqlite, pg: postgres, mysql, merge };
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, repeat: { type: 'string', default: '3' }, cases: { type: 'string', default: ALL } },
});
const groups = values.cases.split(',');
const unknown = groups.filter((g) => !GROUPS[g]);
if (unknown.length) throw new Error(`Unknown case group ${unknown.join(', ')}; the groups are ${ALL}.`);
if (groups.includes('mysql') && !has('mariadb')) throw new Error('The mysql cases need the mariadb client (apt-get install mariadb-client).');

const rows = Number(values.rows);
const repeat = Math.max(1, Number(values.repeat));
const tmp = path.join(root, 'bench/tmp');
const cli = path.join(root, 'dist/cli.js');
fs.mkdirSync(tmp, { recursive: true });

const dbFile = path.join(tmp, `bench-${rows}.db`);
const csvFile = path.join(tmp, `bench-${rows}.csv`);
if (groups.some((g) => g !== 'merge') && (!fs.existsSync(dbFile) || !fs.existsSync(csvFile))) {
  console.error(`Generating ${rows.toLocaleString('en-US')} rows into ${path.relative(root, dbFile)} and its CSV ...`);
  await generate(dbFile, rows, 42, csvFile);
}
const chinookFile = path.join(process.env.DBPORTER_CHINOOK_DIR ?? path.join(root, 'samples/chinook'), 'Chinook_Sqlite.sqlite');

const results = new Results();
// Before each run, the servers that take part write out what earlier runs left in memory.
const servers = groups.filter((g) => g !== 'sqlite');
const settle = servers.length
  ? () => {
      pgCheckpoint();
      if (servers.some((g) => g === 'mysql' || g === 'merge')) myFlush();
    }
  : undefined;
const bench = {
  rows,
  tmp,
  cli,
  dbFile,
  csvFile,
  sqliteUrl: `sqlite:${dbFile}`,
  chinookFile,
  chinookRows: 15_607,
  time: (prepare, cmd, args, options) => timed({ repeat, settle }, prepare, cmd, args, options),
  /** A dbporter command, run from bench/tmp (its snapshots land in bench/tmp/.dbporter). */
  dbporter: (prepare, ...args) => timed({ repeat, settle }, prepare, process.execPath, [cli, ...args], { cwd: tmp }),
  record: (name, ours, native, nativeName, target, rowsMoved = rows) => results.record(name, ours, native, nativeName, target, rowsMoved),
};
for (const group of groups) {
  await GROUPS[group](bench);
  fs.rmSync(path.join(tmp, '.dbporter'), { recursive: true, force: true });
}

const stem = values.cases === ALL ? 'latest' : `latest-${groups.join('-')}`;
const md = results.write(path.join(root, 'bench/results'), stem, { rows, repeat, node: process.version, cpus: os.cpus().length });
console.log('\n' + md);
process.exitCode = results.missed.length ? 1 : 0;
