// MySQL / MariaDB: copy from SQLite, export, backup, restore and import, next to LOAD DATA,
// mysqldump and the mysql client. (pgloader loads only into PostgreSQL: LOAD DATA is the
// native counterpart of a copy into MySQL.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ratioTarget } from '../lib/report.mjs';
import { dropMy, mariadb, mariadbArgs, myAdmin, myUrl, recreateMy, sh } from '../lib/servers.mjs';

export const BENCH_TABLE_MY = `CREATE TABLE bench (id BIGINT AUTO_INCREMENT PRIMARY KEY, account_id INT NOT NULL, amount DECIMAL(12,2) NOT NULL,
  ratio DOUBLE, name VARCHAR(80) NOT NULL, note LONGTEXT, active TINYINT(1) NOT NULL, created_at DATETIME(6) NOT NULL,
  payload JSON, digest LONGBLOB) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`;

export async function mysql(b) {
  console.error(`\nMariaDB (${myAdmin.host}), ${b.rows.toLocaleString('en-US')} rows`);
  const native = 'dbporter_bench_native';
  const copied = 'dbporter_bench_copy';
  const client = mariadbArgs();
  const loadData = await b.time(
    () => {
      recreateMy(native);
      mariadb(native, '-e', BENCH_TABLE_MY);
    },
    'mariadb',
    ['--local-infile=1', ...client, native, '-e', `LOAD DATA LOCAL INFILE '${b.csvFile}' INTO TABLE bench CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' LINES TERMINATED BY '\\n'`],
  );
  const copy = await b.dbporter(() => recreateMy(copied), 'copy', '--from', b.sqliteUrl, '--to', myUrl(copied));
  b.record('copy SQLite → MySQL', copy, loadData, 'LOAD DATA LOCAL INFILE', ratioTarget(1.5, 'LOAD DATA'));

  const sqlOut = path.join(b.tmp, 'export-my.sql');
  const dumpNative = await b.time(undefined, 'mariadb-dump', [...client, '--single-transaction', '--quick', copied], { stdout: sqlOut });
  const dumps = {};
  for (const format of ['ndjson', 'json']) {
    dumps[format] = path.join(b.tmp, `export-my.${format}`);
    const ours = await b.dbporter(undefined, 'export', dumps[format], '--database-url', myUrl(copied));
    b.record(`export MySQL → ${format.toUpperCase()}`, ours, dumpNative, 'mysqldump', ratioTarget(3, 'mysqldump', 250));
  }

  // Backups are compressed on both sides, as pg_dump -Z1 is next to PostgreSQL.
  const dumpFile = path.join(b.tmp, 'native-my.sql.gz');
  const quoted = client.map(sh).join(' ');
  const mysqldump = await b.time(undefined, 'sh', ['-c', `mariadb-dump ${quoted} --single-transaction --quick ${copied} | gzip -1 > ${sh(dumpFile)}`]);
  const archive = path.join(b.tmp, 'backup-my.zip');
  const backup = await b.dbporter(() => fs.rmSync(archive, { force: true }), 'backup', '--database-url', myUrl(copied), '--backup-file', archive);
  b.record('backup MySQL', backup, mysqldump, 'mysqldump | gzip -1', ratioTarget(2, 'mysqldump', 250));
  const restored = 'dbporter_bench_restore';
  const mysqlRestore = await b.time(() => recreateMy(restored), 'sh', ['-c', `gunzip -c ${sh(dumpFile)} | mariadb ${quoted} ${restored}`]);
  const restore = await b.dbporter(() => recreateMy(restored), 'restore', '--backup-file', archive, '--database-url', myUrl(restored), '--yes');
  b.record('restore MySQL', restore, mysqlRestore, 'gunzip | mysql', ratioTarget(2, 'mysql'));

  const imported = 'dbporter_bench_import';
  for (const format of ['ndjson', 'json']) {
    const ours = await b.dbporter(() => recreateMy(imported), 'import', dumps[format], '--database-url', myUrl(imported));
    b.record(`import ${format.toUpperCase()} → MySQL`, ours, loadData, 'LOAD DATA LOCAL INFILE', ratioTarget(1.5, 'LOAD DATA'));
  }
  dropMy(native, copied, restored, imported);
  for (const f of [sqlOut, dumpFile, archive, ...Object.values(dumps)]) fs.rmSync(f, { force: true });
}
