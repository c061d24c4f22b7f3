// A merge import: 100,000 incoming rows into a table of 100,000, 10% of them colliding, per engine.
// No native tool merges, so there is no ratio.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generate } from '../generate.mjs';
import { dropMy, dropPg, has, myUrl, pgUrl, recreateMy, recreatePg } from '../lib/servers.mjs';

export async function merge(b) {
  // Target: ids 1..100,000. Incoming: ids 90,001..190,000 from another seed, so 10,000 collide
  // (by primary key) and differ; the later created_at wins.
  const rows = 100_000;
  const targetDb = path.join(b.tmp, 'merge-target.db');
  const incomingDb = path.join(b.tmp, 'merge-incoming.db');
  const incomingDump = path.join(b.tmp, 'merge-incoming.ndjson');
  if (!fs.existsSync(targetDb)) await generate(targetDb, rows, 42);
  if (!fs.existsSync(incomingDb)) await generate(incomingDb, rows, 7, undefined, rows - rows / 10 + 1);
  execFileSync(process.execPath, [b.cli, 'export', incomingDump, '--database-url', `sqlite:${incomingDb}`], { stdio: 'ignore' });
  const fill = (url) => execFileSync(process.execPath, [b.cli, 'copy', '--from', `sqlite:${targetDb}`, '--to', url], { cwd: b.tmp, stdio: 'ignore' });
  const scratch = path.join(b.tmp, 'merge-scratch.db');
  const engines = [
    ['SQLite', () => fs.copyFileSync(targetDb, scratch), `sqlite:${scratch}`],
    ['PostgreSQL', () => (recreatePg('dbporter_bench_merge'), fill(pgUrl('dbporter_bench_merge'))), pgUrl('dbporter_bench_merge')],
    ...(has('mariadb') ? [['MySQL', () => (recreateMy('dbporter_bench_merge'), fill(myUrl('dbporter_bench_merge'))), myUrl('dbporter_bench_merge')]] : []),
  ];
  console.error(`\nMerge: ${rows.toLocaleString('en-US')} rows into ${rows.toLocaleString('en-US')}, 10% colliding`);
  for (const [name, prepare, url] of engines) {
    const ours = await b.dbporter(prepare, 'import', incomingDump, '--database-url', url, '--on-conflict', 'later:created_at');
    b.record(`merge 100k into 100k (10% collide) → ${name}`, ours, undefined, '—', undefined, rows);
  }
  dropPg('dbporter_bench_merge');
  if (has('mariadb')) dropMy('dbporter_bench_merge');
  for (const f of [scratch, incomingDump]) fs.rmSync(f, { force: true });
}
