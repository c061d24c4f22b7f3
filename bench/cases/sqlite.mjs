// SQLite: export, import, backup and restore of a file, next to the sqlite3 shell and copying the file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_COLUMNS } from '../generate.mjs';
import { ratioTarget } from '../lib/report.mjs';

export async function sqlite(b) {
  const size = fs.statSync(b.dbFile).size;
  console.error(`\nSQLite (${Math.round(size / 2 ** 20)} MB file), ${b.rows.toLocaleString('en-US')} rows`);
  // sql.js holds a SQLite database in memory: peak memory here includes the file's size.
  const sqlOut = path.join(b.tmp, 'export-sqlite.sql');
  const dumpNative = await b.time(undefined, 'sqlite3', [b.dbFile, '.dump'], { stdout: sqlOut });
  const dumps = {};
  for (const format of ['ndjson', 'json']) {
    dumps[format] = path.join(b.tmp, `export-sqlite.${format}`);
    const ours = await b.dbporter(undefined, 'export', dumps[format], '--database-url', b.sqliteUrl);
    b.record(`export SQLite → ${format.toUpperCase()}`, ours, dumpNative, 'sqlite3 .dump', ratioTarget(3, 'sqlite3'));
  }

  const target = path.join(b.tmp, 'import-target.db');
  const fresh = () => fs.rmSync(target, { force: true });
  const importNative = await b.time(fresh, 'sqlite3', [target, `CREATE TABLE bench (${BENCH_COLUMNS})`, `.import --csv ${b.csvFile} bench`]);
  for (const format of ['ndjson', 'json']) {
    const ours = await b.dbporter(fresh, 'import', dumps[format], '--database-url', `sqlite:${target}`);
    b.record(`import ${format.toUpperCase()} → SQLite`, ours, importNative, 'sqlite3 .import CSV');
  }

  const copyFile = path.join(b.tmp, 'copy.db');
  const cp = await b.time(() => fs.rmSync(copyFile, { force: true }), 'cp', [b.dbFile, copyFile]);
  const archive = path.join(b.tmp, 'backup-sqlite.zip');
  const backup = await b.dbporter(() => fs.rmSync(archive, { force: true }), 'backup', '--database-url', b.sqliteUrl, '--backup-file', archive);
  b.record('backup SQLite', backup, cp, 'cp (the file)', ratioTarget(2, 'cp'));
  // Like for like: a backup compresses the file (gzip -1) and checksums it; cp does neither.
  const gzipped = path.join(b.tmp, 'copy.db.gz');
  const gzip = await b.time(undefined, 'gzip', ['-1', '-c', b.dbFile], { stdout: gzipped });
  b.record('backup SQLite', backup, gzip, 'gzip -1 (the file)');
  const restore = await b.dbporter(fresh, 'restore', '--backup-file', archive, '--database-url', `sqlite:${target}`, '--yes');
  b.record('restore SQLite', restore, cp, 'cp (the file)', ratioTarget(2, 'cp'));
  const gunzip = await b.time(undefined, 'gunzip', ['-c', gzipped], { stdout: copyFile });
  b.record('restore SQLite', restore, gunzip, 'gunzip (the file)');
  for (const f of [sqlOut, target, copyFile, gzipped, archive, ...Object.values(dumps)]) fs.rmSync(f, { force: true });
}
