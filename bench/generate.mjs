// Generates the benchmark table: 1,000,000 rows of mixed types (integers, decimals, text of varied
// length, booleans, timestamps, JSON, some NULLs, a few bytes values) in a SQLite file. Seeded, so
// every run and every machine gets the same rows.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const initSqlJs = require('sql.js');

/** mulberry32: small, fast, deterministic. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua émigré naïve 東京 добро'.split(' ');

export const BENCH_COLUMNS = `id INTEGER PRIMARY KEY, account_id INT NOT NULL, amount NUMERIC(12,2) NOT NULL, ratio REAL, name VARCHAR(80) NOT NULL,
  note TEXT, active BOOLEAN NOT NULL, created_at DATETIME NOT NULL, payload JSON, digest BLOB`;

/** CSV as psql's \copy and MariaDB's LOAD DATA read it: bytes as \x hex, booleans as 0/1. */
function csvField(v) {
  if (v === null) return '';
  if (v instanceof Uint8Array) return '\\x' + Buffer.from(v).toString('hex');
  if (typeof v === 'string') return /[",\n\r]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v;
  return String(v);
}

/**
 * Writes the table to `file` (SQLite) and, when `csvFile` is given, the same rows as CSV. Ids run
 * from `firstId`: two tables whose ids overlap collide where a merge benchmark wants them to.
 */
export async function generate(file, rows, seed = 42, csvFile, firstId = 1) {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run(`CREATE TABLE bench (${BENCH_COLUMNS})`);
  const rnd = random(seed);
  const words = (n) => Array.from({ length: n }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');
  const insert = db.prepare('INSERT INTO bench VALUES (?,?,?,?,?,?,?,?,?,?)');
  const start = Date.UTC(2015, 0, 1) / 1000;
  const csv = csvFile ? fs.openSync(csvFile, 'w') : undefined;
  let csvChunk = '';
  db.run('BEGIN');
  for (let i = firstId; i < firstId + rows; i++) {
    const created = new Date((start + Math.floor(rnd() * 300_000_000)) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    const row = [
      i,
      1 + Math.floor(rnd() * 50_000),
      (Math.floor(rnd() * 10_000_000) / 100).toFixed(2),
      rnd() < 0.1 ? null : rnd() * 1000,
      words(1 + Math.floor(rnd() * 4)),
      rnd() < 0.3 ? null : words(Math.floor(rnd() * 30)),
      rnd() < 0.5 ? 1 : 0,
      created,
      rnd() < 0.2 ? null : JSON.stringify({ tags: [words(1), words(1)], score: Math.floor(rnd() * 100), ok: rnd() < 0.5 }),
      rnd() < 0.05 ? Uint8Array.from({ length: 16 }, () => Math.floor(rnd() * 256)) : null,
    ];
    insert.run(row);
    if (csv !== undefined) {
      csvChunk += row.map(csvField).join(',') + '\n';
      if (csvChunk.length > 1 << 20) {
        fs.writeSync(csv, csvChunk);
        csvChunk = '';
      }
    }
  }
  if (csv !== undefined) {
    fs.writeSync(csv, csvChunk);
    fs.closeSync(csv);
  }
  db.run('COMMIT');
  insert.free();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, db.export());
  db.close();
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const [file = 'bench/tmp/bench.db', rows = '1000000', csvFile] = process.argv.slice(2);
  await generate(file, Number(rows), 42, csvFile);
  console.log(`${file}: ${rows} rows`);
}
