// `npm test`: type-checks, builds, runs the unit, engine, command-line and admin API tests with mocha, then
// the extension tests inside a real VS Code (test/extension/run-in-code-server.mjs), and ends with
// one "N passed, N failed" line over all of them.
//
// Engine tests need the PostgreSQL and MariaDB servers (DBPORTER_TEST_PG_URL, DBPORTER_TEST_MYSQL_URL);
// where one is down they are skipped, except when CI is set: then they fail.
// `npm test -- --no-vscode` skips the VS Code part; `npm test -- --vscode-only` runs only it;
// `npm test -- --grep TEXT` filters mocha tests.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
process.chdir(root);
const args = process.argv.slice(2);
const grep = args.includes('--grep') ? args[args.indexOf('--grep') + 1] : undefined;
const withVscode = !args.includes('--no-vscode') && !grep;
const withMocha = !args.includes('--vscode-only');

function step(title, fn) {
  process.stderr.write(`\n== ${title}\n`);
  return fn();
}

step('type check (tsc)', () => execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', '.', '--noEmit'], { stdio: 'inherit' }));
step('build (esbuild)', () => execFileSync(process.execPath, ['esbuild.config.mjs', '--tests'], { stdio: 'inherit' }));

const totals = { passed: 0, failed: 0 };

if (withMocha) await step('unit, engine and command-line tests (mocha)', async () => {
  const { Mocha } = require('mocha');
  const mocha = new Mocha({ reporter: 'spec', timeout: 10_000, grep });
  const files = (dir) =>
    fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.test.js')).map((f) => path.join(dir, f)) : [];
  for (const dir of ['out/test/unit', 'out/test/engines', 'out/test/cli', 'out/test/server']) files(dir).sort().forEach((f) => mocha.addFile(f));
  await mocha.loadFilesAsync();
  await new Promise((resolve) => {
    const runner = mocha.run(resolve);
    runner.on('pass', () => totals.passed++);
    runner.on('fail', () => totals.failed++);
  });
});

if (withVscode) {
  await step('extension tests in a real VS Code (code-server)', async () => {
    const { runInCodeServer } = await import('../test/extension/run-in-code-server.mjs');
    const { createTestDatabase, serverProblem } = require(path.join(root, 'out/test/helpers/servers.js'));
    const { loadChinook, CHINOOK_SQLITE } = require(path.join(root, 'out/test/helpers/chinook.js'));
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'dbporter-workspace-'));
    fs.copyFileSync(CHINOOK_SQLITE, path.join(workspace, 'chinook.db'));
    // Beside Chinook: SQLite files that do not exist yet, for imports, copies and migrations to create.
    const databases = [
      { name: 'chinook', url: 'sqlite:chinook.db' },
      { name: 'target', url: 'sqlite:target.db' },
      { name: 'copy', url: 'sqlite:copy.db' },
      { name: 'fresh', url: 'sqlite:fresh.db' },
    ];
    const migrations = path.join(workspace, 'scripts', 'migrations');
    fs.mkdirSync(migrations, { recursive: true });
    fs.writeFileSync(path.join(migrations, '001_notes.sql'), '-- A table of notes\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n');
    fs.writeFileSync(path.join(migrations, '002_first_note.sql'), "-- The first note\nINSERT INTO notes (id, body) VALUES (1, 'hello');\n");
    let server;
    if (!(await serverProblem('postgres'))) {
      server = await createTestDatabase('postgres');
      await loadChinook(server);
      databases.push({ name: 'server', url: server.url });
    }
    // "scratch" (another copy of Chinook) is for the tests that change data: "chinook" stays as it is.
    fs.copyFileSync(CHINOOK_SQLITE, path.join(workspace, 'scratch.db'));
    databases.push({ name: 'scratch', url: 'sqlite:scratch.db' });
    const tasks = [
      { name: 'export-artists', type: 'export', database: 'chinook', destination: 'exports/artists.ndjson', tables: ['Artist'], description: 'Artist as NDJSON' },
      { name: 'export-chinook-zip', type: 'export', database: 'chinook', destination: 'exports/chinook.zip' },
      { name: 'export-missing-table', type: 'export', database: 'chinook', destination: 'exports/nothing.json', tables: ['NoSuchTable'] },
      { name: 'import-genres', type: 'import', database: 'scratch', file: 'fixtures/new-genres.ndjson' },
      { name: 'backup-scratch', type: 'backup', database: 'scratch' },
      { name: 'migrate-chinook', type: 'migrate', database: 'chinook' },
    ];
    fs.writeFileSync(path.join(workspace, 'dbporter.config.json'), JSON.stringify({ databases, tasks }, null, 2));
    try {
      const { exitCode, log } = await runInCodeServer({
        extensionDevelopmentPath: root,
        extensionTestsPath: path.join(root, 'out/test/extension/suite/index.js'),
        workspace,
        timeoutMs: 300_000,
        // Pictures of the workbench the tests ask for (docs/vscode-testing.md), kept as artifacts.
        screenshotsDir: path.join(root, 'test-artifacts/screenshots'),
      });
      const summary = [...log.matchAll(/^(\d+) passed, (\d+) failed$/gm)].pop();
      totals.passed += summary ? Number(summary[1]) : 0;
      totals.failed += summary ? Number(summary[2]) : 1;
      if (exitCode !== 0 && (!summary || Number(summary[2]) === 0)) totals.failed++;
    } finally {
      await server?.drop();
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exitCode = totals.failed ? 1 : 0;
