// `npm run bench`: DB Porter next to the native tools, in the same run, on the same data.
//
//   1,000,000 generated rows of mixed types (bench/generate.mjs, seeded) in a SQLite file, and the
//   same rows as CSV. Then, against the PostgreSQL (and MariaDB) server:
//     ingest   psql \copy FROM csv        vs  dbporter copy sqlite → postgres   (target ≤ 1.5×)
//     promote  pgloader sqlite → postgres vs  dbporter copy sqlite → postgres   (target ≤ 0.5×)
//     export   psql \copy (…) TO csv      vs  dbporter export postgres → ndjson (target ≤ 3×, peak RSS < 200 MB)
//     MySQL    LOAD DATA LOCAL INFILE    vs  dbporter copy sqlite → mysql    (target ≤ 1.5×)
//   plus, for reference, a JSON export;
//   and a merge: 100,000 incoming rows into a table of 100,000, 10% of them colliding, per engine.
//
// Each case runs --repeat times (default 3) after a CHECKPOINT, so one case does not pay for the
// previous case's dirty pages, and the median run counts. Results are printed and written to
// bench/results/latest.json and latest.md.
// Options: --rows N (default 1000000), --repeat N, --cases pg,mysql,merge (default all). Servers: DBPORTER_BENCH_PG_URL, DBPORTER_BENCH_MYSQL_URL.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, repeat: { type: 'string', default: '3' }, cases: { type: 'string', default: 'pg,mysql,merge' } },
});
const want = (group) => values.cases.split(',').includes(group);
const rows = Number(values.rows);
const repeat = Math.max(1, Number(values.repeat));
const tmp = path.join(root, 'bench/tmp');
const results = path.join(root, 'bench/results');
const pgAdmin = new URL(process.env.DBPORTER_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test');
const myAdmin = new URL(process.env.DBPORTER_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');
const CLI = path.join(root, 'dist/cli.js');
fs.mkdirSync(tmp, { recursive: true });
fs.mkdirSync(results, { recursive: true });

const dbFile = path.join(tmp, `bench-${rows}.db`);
const csvFile = path.join(tmp, `bench-${rows}.csv`);
if ((want('pg') || want('mysql')) && (!fs.existsSync(dbFile) || !fs.existsSync(csvFile))) {
  console.error(`Generating ${rows.toLocaleString('en-US')} rows into ${path.relative(root, dbFile)} and its CSV ...`);
  await generate(dbFile, rows, 42, csvFile);
}
const sqliteUrl = `sqlite:${dbFile}`;

const pgUrl = (db) => Object.assign(new URL(pgAdmin), { pathname: `/${db}` }).toString();
const myUrl = (db) => Object.assign(new URL(myAdmin), { pathname: `/${db}` }).toString();
const psql = (url, ...args) => ['psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, ...args]];
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function recreatePg(db) {
  execFileSync(...psql(pgAdmin.toString(), '-c', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`, '-c', `CREATE DATABASE ${db}`));
}
function recreateMy(db) {
  execFileSync('mariadb', ['-h', myAdmin.hostname, '-P', myAdmin.port || '3306', '-u', myAdmin.username || 'root', '-e', `DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db} CHARACTER SET utf8mb4`]);
}

/** Runs a command; returns seconds and the peak resident memory (VmHWM, polled from /proc). */
function measure(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['ignore', options.stdout ?? 'ignore', 'pipe'], env: { ...process.env, ...options.env } });
    let peakKb = 0;
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // the process just ended
      }
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${stderr}`));
      else resolve({ seconds, peakMb: peakKb / 1024 });
    });
  });
}

/** Runs a case `repeat` times, each after `prepare` and a checkpoint; the median run counts. */
async function timed(prepare, cmd, args, options) {
  const runs = [];
  for (let i = 0; i < repeat; i++) {
    prepare?.();
    execFileSync(...psql(pgAdmin.toString(), '-c', 'CHECKPOINT'));
    runs.push(await measure(cmd, args, options));
  }
  runs.sort((a, b) => a.seconds - b.seconds);
  return { ...runs[Math.floor(runs.length / 2)], peakMb: Math.max(...runs.map((r) => r.peakMb)) };
}

const BENCH_TABLE_PG = `CREATE TABLE bench (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, account_id integer NOT NULL,
  amount numeric(12,2) NOT NULL, ratio double precision, name varchar(80) NOT NULL, note text, active boolean NOT NULL,
  created_at timestamp NOT NULL, payload jsonb, digest bytea)`;
const BENCH_TABLE_MY = `CREATE TABLE bench (id BIGINT AUTO_INCREMENT PRIMARY KEY, account_id INT NOT NULL, amount DECIMAL(12,2) NOT NULL,
  ratio DOUBLE, name VARCHAR(80) NOT NULL, note LONGTEXT, active TINYINT(1) NOT NULL, created_at DATETIME(6) NOT NULL,
  payload JSON, digest LONGBLOB) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`;

const cases = [];
function record(name, ours, native, nativeName, target, rowsMoved = rows) {
  const ratio = native ? ours.seconds / native.seconds : undefined;
  const row = {
    case: name,
    dbporterSeconds: round(ours.seconds),
    native: nativeName,
    nativeSeconds: native ? round(native.seconds) : null,
    ratio: ratio !== undefined ? round(ratio) : null,
    rowsPerSecond: Math.round(rowsMoved / ours.seconds),
    peakRssMb: Math.round(ours.peakMb),
    target: target?.text ?? '',
    met: target ? target.check(ratio, ours) : null,
  };
  cases.push(row);
  console.error(`  ${name}: ${row.dbporterSeconds} s${native ? ` vs ${nativeName} ${row.nativeSeconds} s (${row.ratio}×)` : ''}, ${row.rowsPerSecond.toLocaleString('en-US')} rows/s, peak ${row.peakRssMb} MB${row.met === null ? '' : row.met ? ' — target met' : ' — TARGET MISSED'}`);
}
const round = (n) => Math.round(n * 100) / 100;

if (want('pg')) {
console.error(`\nPostgreSQL (${pgAdmin.host}), ${rows.toLocaleString('en-US')} rows`);
const pgIngest = await timed(
  () => {
    recreatePg('dbporter_bench_native');
    execFileSync(...psql(pgUrl('dbporter_bench_native'), '-c', BENCH_TABLE_PG));
  },
  ...psql(pgUrl('dbporter_bench_native'), '-c', `\\copy bench FROM '${csvFile}' CSV`),
);
const ourCopy = await timed(() => recreatePg('dbporter_bench_copy'), process.execPath, [CLI, 'copy', '--from', sqliteUrl, '--to', pgUrl('dbporter_bench_copy')]);
record('copy SQLite → PostgreSQL', ourCopy, pgIngest, 'psql \\copy from CSV', { text: '≤ 1.5× psql', check: (r) => r <= 1.5 });

if (has('pgloader')) {
  const pgloader = await timed(() => recreatePg('dbporter_bench_pgloader'), 'pgloader', ['--quiet', `sqlite://${dbFile}`, pgUrl('dbporter_bench_pgloader')]);
  record('copy SQLite → PostgreSQL', ourCopy, pgloader, 'pgloader', { text: '≤ 0.5× pgloader', check: (r) => r <= 0.5 });
  execFileSync(...psql(pgAdmin.toString(), '-c', 'DROP DATABASE IF EXISTS dbporter_bench_pgloader WITH (FORCE)'));
} else {
  console.error('  pgloader is not installed (apt-get install pgloader): that comparison is left out');
}

const csvOut = path.join(tmp, 'export.csv');
const pgExportNative = await timed(undefined, ...psql(pgUrl('dbporter_bench_copy'), '-c', `\\copy (SELECT * FROM bench) TO '${csvOut}' CSV`));
const ndjsonOut = path.join(tmp, 'export.ndjson');
const ourExport = await timed(undefined, process.execPath, [CLI, 'export', ndjsonOut, '--database-url', pgUrl('dbporter_bench_copy')]);
record('export PostgreSQL → NDJSON', ourExport, pgExportNative, 'psql \\copy to CSV', {
  text: '≤ 3× psql, RSS < 200 MB',
  check: (r, ours) => r <= 3 && ours.peakMb < 200,
});
const jsonOut = path.join(tmp, 'export.json');
const ourJsonExport = await timed(undefined, process.execPath, [CLI, 'export', jsonOut, '--database-url', pgUrl('dbporter_bench_copy')]);
record('export PostgreSQL → JSON', ourJsonExport, pgExportNative, 'psql \\copy to CSV');
// Backup and restore of the 1,000,000-row database, next to pg_dump / pg_restore.
const dumpFile = path.join(tmp, 'native.dump');
const pgDump = await timed(() => fs.rmSync(dumpFile, { force: true }), 'pg_dump', ['-Fc', '-Z1', '-f', dumpFile, pgUrl('dbporter_bench_copy')]);
const archiveFile = path.join(tmp, 'backup.zip');
const ourBackup = await timed(() => fs.rmSync(archiveFile, { force: true }), process.execPath, [CLI, 'backup', '--database-url', pgUrl('dbporter_bench_copy'), '--backup-file', archiveFile], { cwd: tmp });
record('backup PostgreSQL', ourBackup, pgDump, 'pg_dump -Fc');
const pgRestore = await timed(() => recreatePg('dbporter_bench_restore'), 'pg_restore', ['-d', pgUrl('dbporter_bench_restore'), dumpFile]);
const ourRestore = await timed(() => recreatePg('dbporter_bench_restore'), process.execPath, [CLI, 'restore', '--backup-file', archiveFile, '--database-url', pgUrl('dbporter_bench_restore'), '--yes'], { cwd: tmp });
record('restore PostgreSQL', ourRestore, pgRestore, 'pg_restore');
execFileSync(...psql(pgAdmin.toString(), '-c', 'DROP DATABASE IF EXISTS dbporter_bench_restore WITH (FORCE)'));
for (const f of [dumpFile, archiveFile]) fs.rmSync(f, { force: true });
fs.rmSync(path.join(tmp, '.dbporter'), { recursive: true, force: true });

// Imports read the dumps back as streams: their memory must stay flat too.
for (const [format, file] of [['NDJSON', ndjsonOut], ['JSON', jsonOut]]) {
  const ourImport = await timed(() => recreatePg('dbporter_bench_import'), process.execPath, [CLI, 'import', file, '--database-url', pgUrl('dbporter_bench_import')]);
  record(`import ${format} → PostgreSQL`, ourImport, pgIngest, 'psql \\copy from CSV');
}
execFileSync(...psql(pgAdmin.toString(), '-c', 'DROP DATABASE IF EXISTS dbporter_bench_import WITH (FORCE)'));
for (const f of [csvOut, ndjsonOut, jsonOut]) fs.rmSync(f, { force: true });
execFileSync(...psql(pgAdmin.toString(), '-c', 'DROP DATABASE IF EXISTS dbporter_bench_native WITH (FORCE)', '-c', 'DROP DATABASE IF EXISTS dbporter_bench_copy WITH (FORCE)'));
}

if (want('mysql') && has('mariadb')) {
  console.error(`\nMariaDB (${myAdmin.host})`);
  const loadData = await timed(() => {
    recreateMy('dbporter_bench_native');
    execFileSync('mariadb', ['-h', myAdmin.hostname, '-u', myAdmin.username || 'root', 'dbporter_bench_native', '-e', BENCH_TABLE_MY]);
  }, 'mariadb', [
    '--local-infile=1', '-h', myAdmin.hostname, '-u', myAdmin.username || 'root', 'dbporter_bench_native',
    '-e', `LOAD DATA LOCAL INFILE '${csvFile}' INTO TABLE bench CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' LINES TERMINATED BY '\\n'`,
  ]);
  const ourMy = await timed(() => recreateMy('dbporter_bench_copy'), process.execPath, [CLI, 'copy', '--from', sqliteUrl, '--to', myUrl('dbporter_bench_copy')]);
  record('copy SQLite → MySQL', ourMy, loadData, 'LOAD DATA LOCAL INFILE', { text: '≤ 1.5× LOAD DATA', check: (r) => r <= 1.5 });
  execFileSync('mariadb', ['-h', myAdmin.hostname, '-u', myAdmin.username || 'root', '-e', 'DROP DATABASE dbporter_bench_native; DROP DATABASE dbporter_bench_copy']);
}

if (want('merge')) {
  // Target: ids 1..100,000. Incoming: ids 90,001..190,000 from another seed, so 10,000 collide
  // (by primary key) and differ; the later created_at wins. No native tool merges: no ratio.
  const mergeRows = 100_000;
  const targetDb = path.join(tmp, 'merge-target.db');
  const incomingDb = path.join(tmp, 'merge-incoming.db');
  const incomingDump = path.join(tmp, 'merge-incoming.ndjson');
  if (!fs.existsSync(targetDb)) await generate(targetDb, mergeRows, 42);
  if (!fs.existsSync(incomingDb)) await generate(incomingDb, mergeRows, 7, undefined, mergeRows - mergeRows / 10 + 1);
  execFileSync(process.execPath, [CLI, 'export', incomingDump, '--database-url', `sqlite:${incomingDb}`], { stdio: 'ignore' });
  const scratch = path.join(tmp, 'merge-scratch.db');
  const engines = [
    ['SQLite', () => fs.copyFileSync(targetDb, scratch), `sqlite:${scratch}`],
    ['PostgreSQL', () => {
      recreatePg('dbporter_bench_merge');
      execFileSync(process.execPath, [CLI, 'copy', '--from', `sqlite:${targetDb}`, '--to', pgUrl('dbporter_bench_merge')], { stdio: 'ignore' });
    }, pgUrl('dbporter_bench_merge')],
    ...(has('mariadb') ? [['MySQL', () => {
      recreateMy('dbporter_bench_merge');
      execFileSync(process.execPath, [CLI, 'copy', '--from', `sqlite:${targetDb}`, '--to', myUrl('dbporter_bench_merge')], { stdio: 'ignore' });
    }, myUrl('dbporter_bench_merge')]] : []),
  ];
  console.error(`\nMerge: ${mergeRows.toLocaleString('en-US')} rows into ${mergeRows.toLocaleString('en-US')}, 10% colliding`);
  for (const [name, prepare, url] of engines) {
    const ours = await timed(prepare, process.execPath, [CLI, 'import', incomingDump, '--database-url', url, '--on-conflict', 'later:created_at'], { cwd: tmp });
    record(`merge 100k into 100k (10% collide) → ${name}`, ours, undefined, '—', undefined, mergeRows);
  }
  execFileSync(...psql(pgAdmin.toString(), '-c', 'DROP DATABASE IF EXISTS dbporter_bench_merge WITH (FORCE)'));
  if (has('mariadb')) execFileSync('mariadb', ['-h', myAdmin.hostname, '-u', myAdmin.username || 'root', '-e', 'DROP DATABASE IF EXISTS dbporter_bench_merge']);
  for (const f of [scratch, incomingDump]) fs.rmSync(f, { force: true });
  fs.rmSync(path.join(tmp, '.dbporter'), { recursive: true, force: true });
}

const report = { when: new Date().toISOString(), rows, repeat, node: process.version, cases };
// A run of some cases only does not overwrite the full results.
const stem = values.cases === 'pg,mysql,merge' ? 'latest' : `latest-${values.cases.replace(/,/g, '-')}`;
fs.writeFileSync(path.join(results, `${stem}.json`), JSON.stringify(report, null, 2) + '\n');
const md = [
  `# Benchmark, ${report.when.slice(0, 10)}, ${rows.toLocaleString('en-US')} rows, median of ${repeat} runs`,
  '',
  '| case | DB Porter (s) | native | native (s) | ratio | rows/s | peak RSS (MB) | target | met |',
  '|---|---|---|---|---|---|---|---|---|',
  ...cases.map((c) => `| ${c.case} | ${c.dbporterSeconds} | ${c.native} | ${c.nativeSeconds ?? '—'} | ${c.ratio ?? '—'} | ${c.rowsPerSecond.toLocaleString('en-US')} | ${c.peakRssMb} | ${c.target} | ${c.met === null ? '' : c.met ? 'yes' : 'no'} |`),
  '',
].join('\n');
fs.writeFileSync(path.join(results, `${stem}.md`), md);
console.log('\n' + md);
process.exitCode = cases.some((c) => c.met === false) ? 1 : 0;
