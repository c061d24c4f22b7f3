// `node bench/scale.mjs [--rows 10000000] [--format ndjson|json]`: the streaming claim, measured.
//
// Fills a PostgreSQL table with N generated rows of mixed types (server-side, generate_series),
// exports it through the command line to standard output (piped to /dev/null), and samples the
// exporting process's resident memory every half second. Memory must stay flat: the same at 10%
// of the rows as at 100%. Prints the samples and writes bench/results/scale.md.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000000' }, format: { type: 'string', default: 'ndjson' } } });
const rows = Number(values.rows);
const admin = new URL(process.env.DBPORTER_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test');
const db = 'dbporter_bench_scale';
const url = Object.assign(new URL(admin), { pathname: `/${db}` }).toString();
const psql = (target, sql) => execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', target, '-c', sql], { stdio: ['ignore', 'ignore', 'inherit'] });

console.error(`Generating ${rows.toLocaleString('en-US')} rows in ${db} ...`);
psql(admin.toString(), `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
psql(admin.toString(), `CREATE DATABASE ${db}`);
psql(
  url,
  `CREATE TABLE big AS SELECT g AS id, (g * 7919) % 50000 AS account_id, round((g % 100000) / 100.0, 2)::numeric(12,2) AS amount,
     CASE WHEN g % 10 = 0 THEN NULL ELSE (g % 1000) / 7.0 END AS ratio, md5(g::text) AS name,
     CASE WHEN g % 3 = 0 THEN NULL ELSE repeat('lorem ipsum ', (g % 12)::int) END AS note, g % 2 = 0 AS active,
     timestamp '2015-01-01' + (g % 300000000) * interval '1 second' AS created_at,
     CASE WHEN g % 5 = 0 THEN NULL ELSE jsonb_build_object('score', g % 100, 'tag', 't' || (g % 17)) END AS payload,
     CASE WHEN g % 20 = 0 THEN decode(md5(g::text), 'hex') END AS digest
   FROM generate_series(1::bigint, ${rows}::bigint) g`,
);
psql(url, 'ALTER TABLE big ADD PRIMARY KEY (id)');
psql(url, 'VACUUM ANALYZE big');

console.error(`Exporting as ${values.format} to /dev/null, sampling memory ...`);
const started = Date.now();
const child = spawn(process.execPath, [path.join(root, 'dist/cli.js'), 'export', '-', '--format', values.format, '--database-url', url, '-v'], {
  stdio: ['ignore', fs.openSync('/dev/null', 'w'), 'pipe'],
});
const samples = [];
let progress = 0;
child.stderr.on('data', (d) => {
  const m = /big: ([\d,]+)\//.exec(String(d).split('\r').pop() ?? '');
  if (m) progress = Number(m[1].replace(/,/g, ''));
});
const timer = setInterval(() => {
  try {
    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    samples.push({ seconds: (Date.now() - started) / 1000, rows: progress, rssMb: Math.round(rss) });
  } catch {
    // the process just ended
  }
}, 500);
const code = await new Promise((resolve) => child.on('close', resolve));
clearInterval(timer);
const seconds = (Date.now() - started) / 1000;
if (code !== 0) throw new Error(`export failed with ${code}`);
psql(admin.toString(), `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);

// Samples by elapsed time; rows as the last progress line before them said (every 5 s in a pipe).
const at = (share) => samples.find((s) => s.seconds >= seconds * share) ?? samples[samples.length - 1];
const peak = Math.max(...samples.map((s) => s.rssMb));
const lines = [
  `# Streaming at scale, ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Export of ${rows.toLocaleString('en-US')} rows (PostgreSQL → ${values.format} on stdout) in ${seconds.toFixed(1)} s, ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s.`,
  '',
  '| time into the export | rows done (last progress line) | resident memory (MB) |',
  '|---|---|---|',
  ...[0.1, 0.25, 0.5, 0.75, 0.95].map((share) => {
    const s = at(share);
    return `| ${Math.round(share * 100)}% (${s.seconds.toFixed(1)} s) | ${s.rows.toLocaleString('en-US')} | ${s.rssMb} |`;
  }),
  '',
  `Peak resident memory: ${peak} MB.`,
  '',
];
fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench/results/scale.md'), lines.join('\n'));
console.log(lines.join('\n'));
