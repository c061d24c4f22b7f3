// `npm run demo`: the main job on the bundled Chinook sample (SQLite), through the real command line:
// export it to a JSON dump, import that dump into a new SQLite file, copy it into another one
// directly, and check that all three hold the same rows. Output goes to demo-output/.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const out = path.join(root, 'demo-output');
const source = `sqlite:${path.join(root, 'samples/chinook/Chinook_Sqlite.sqlite')}`;
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out);

function dbporter(...args) {
  console.log(`\n$ dbporter ${args.map((a) => a.replace(root + '/', '')).join(' ')}`);
  execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], { stdio: 'inherit' });
}

dbporter('export', path.join(out, 'chinook.json'), '--database-url', source, '--indent', '2');
dbporter('import', path.join(out, 'chinook.json'), '--database-url', `sqlite:${path.join(out, 'imported.db')}`);
dbporter('copy', '--from', source, '--to', `sqlite:${path.join(out, 'copied.db')}`);

// The same checksum the tests use: per table, rows and a digest of their canonical values.
const { withAdapter } = require(path.join(root, 'out/src/core/engines/index.js'));
const { tableChecksums } = require(path.join(root, 'out/src/core/checksum.js'));
const { LEDGER_TABLE } = require(path.join(root, 'out/src/core/ledger.js'));
const sums = {};
for (const [name, url] of [['source', source], ['imported', `sqlite:${path.join(out, 'imported.db')}`], ['copied', `sqlite:${path.join(out, 'copied.db')}`]]) {
  // The import also recorded what it brought in, in its ledger table: the data is the rest.
  const { [LEDGER_TABLE]: _ledger, ...tables } = await withAdapter(url, (a) => tableChecksums(a));
  sums[name] = JSON.stringify(tables);
}
const same = sums.source === sums.imported && sums.source === sums.copied;
const tables = JSON.parse(sums.source);
console.log(`\n${Object.keys(tables).length} tables, ${Object.values(tables).reduce((n, t) => n + t.rows, 0)} rows: ${same ? 'the dump, the import and the copy all match the source.' : 'MISMATCH between source and copies!'}`);
console.log(`Files in ${path.relative(process.cwd(), out) || out}: ${fs.readdirSync(out).join(', ')}`);
process.exitCode = same ? 0 : 1;
