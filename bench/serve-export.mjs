// The admin API's streaming export, measured by hand (not a test): 1,000,000 generated rows
// (bench/generate.mjs) loaded into a database, `dbporter serve` started as a child process, one
// NDJSON export streamed through HTTP and counted (not kept), and the server's peak resident memory
// (VmHWM from /proc/PID/status) reported next to its memory when idle.
//
//   node esbuild.config.mjs && node bench/serve-export.mjs [--rows 1000000] [--engine postgres|mysql|sqlite]
//
// Servers: DBPORTER_BENCH_PG_URL, DBPORTER_BENCH_MYSQL_URL (as bench/bench.mjs). SQLite is read
// whole into memory by sql.js, so its figure shows the file's size, not the streaming.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, engine: { type: 'string', default: 'postgres' } } });
const rows = Number(values.rows);
const engine = values.engine;
const CLI = path.join(root, 'dist/cli.js');
const tmp = path.join(root, 'bench/tmp');
fs.mkdirSync(tmp, { recursive: true });
const KEY = 'bench-key-' + Math.random().toString(36).slice(2).padEnd(16, '0');

const dbFile = path.join(tmp, `bench-${rows}.db`);
if (!fs.existsSync(dbFile)) {
  console.error(`Generating ${rows.toLocaleString('en-US')} rows into ${path.relative(root, dbFile)} ...`);
  await generate(dbFile, rows, 42);
}

const cli = (args) => execFileSync(process.execPath, [CLI, ...args], { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
const benchDb = 'dbporter_bench_serve';
let url;
let drop = () => undefined;
if (engine === 'sqlite') {
  url = `sqlite:${dbFile}`;
} else if (engine === 'postgres') {
  const admin = new URL(process.env.DBPORTER_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test');
  const psql = (sql) => execFileSync('psql', ['-X', '-q', '-d', admin.toString(), '-c', sql]);
  psql(`DROP DATABASE IF EXISTS ${benchDb} WITH (FORCE)`);
  psql(`CREATE DATABASE ${benchDb}`);
  url = Object.assign(new URL(admin), { pathname: `/${benchDb}` }).toString();
  drop = () => psql(`DROP DATABASE IF EXISTS ${benchDb} WITH (FORCE)`);
} else if (engine === 'mysql') {
  const admin = new URL(process.env.DBPORTER_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');
  const sql = (text) => execFileSync('mariadb', ['-h', admin.hostname, '-P', admin.port || '3306', '-u', admin.username || 'root', '-e', text]);
  sql(`DROP DATABASE IF EXISTS ${benchDb}; CREATE DATABASE ${benchDb} CHARACTER SET utf8mb4`);
  url = Object.assign(new URL(admin), { pathname: `/${benchDb}` }).toString();
  drop = () => sql(`DROP DATABASE IF EXISTS ${benchDb}`);
} else {
  throw new Error(`--engine takes postgres, mysql or sqlite, not ${engine}`);
}

try {
  if (engine !== 'sqlite') {
    console.error(`Loading the rows into ${engine} (dbporter copy) ...`);
    cli(['copy', '--from', `sqlite:${dbFile}`, '--to', url]);
  }

  const server = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--database-url', url], { cwd: tmp, env: { ...process.env, DBPORTER_API_KEY: KEY }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const base = await new Promise((resolve, reject) => {
    server.stderr.on('data', (d) => {
      log += d;
      const m = /admin API on (http:\/\/[^,\s]+)/.exec(log);
      if (m && /Ctrl-C stops it/.test(log)) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`dbporter serve exited (${code}):\n${log}`)));
  });

  const memory = () => {
    const status = fs.readFileSync(`/proc/${server.pid}/status`, 'utf8');
    return { rssKb: Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]), hwmKb: Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) };
  };
  await new Promise((r) => setTimeout(r, 300));
  const idle = memory();
  let peakKb = idle.hwmKb;
  const poll = setInterval(() => {
    try {
      peakKb = Math.max(peakKb, memory().hwmKb);
    } catch {
      // the server just ended
    }
  }, 50);

  console.error(`Exporting ${rows.toLocaleString('en-US')} rows as NDJSON through ${base} ...`);
  const started = process.hrtime.bigint();
  const res = await fetch(`${base}/admin/migrations/export`, { method: 'POST', headers: { 'X-API-Key': KEY, 'Content-Type': 'application/json' }, body: '{"format":"ndjson"}' });
  if (res.status !== 200) throw new Error(`export answered ${res.status}: ${await res.text()}`);
  let bytes = 0;
  let lines = 0;
  let last = '';
  for await (const chunk of res.body) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    bytes += buf.length;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++;
    last = (last + buf.subarray(-300).toString('latin1')).slice(-300);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(poll);
  peakKb = Math.max(peakKb, memory().hwmKb);
  server.kill('SIGINT');
  await new Promise((resolve) => server.once('exit', resolve));

  if (lines !== rows + 2 || !/"trailer"/.test(last)) throw new Error(`the export is incomplete: ${lines} lines, ending ${last.slice(-120)}`);
  const mb = (kb) => Math.round(kb / 1024);
  const result = {
    engine,
    rows,
    megabytes: Math.round(bytes / 1024 / 1024),
    seconds: Math.round(seconds * 10) / 10,
    rowsPerSecond: Math.round(rows / seconds),
    serverIdleRssMb: mb(idle.rssKb),
    serverPeakRssMb: mb(peakKb),
    node: process.version,
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `NDJSON export of ${rows.toLocaleString('en-US')} rows from ${engine} through dbporter serve: ${result.megabytes} MB in ${result.seconds} s ` +
      `(${result.rowsPerSecond.toLocaleString('en-US')} rows/s); server RSS ${result.serverIdleRssMb} MB idle, ${result.serverPeakRssMb} MB at peak (VmHWM).`,
  );
} finally {
  drop();
}
