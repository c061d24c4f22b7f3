// The desktop launcher for the same extension tests: @vscode/test-electron downloads a VS Code and
// runs test/extension/suite in it. Needs internet (and a display: wrap in xvfb-run on Linux).
// On machines without internet, npm test uses run-in-code-server.mjs instead (docs/vscode-testing.md).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'dbporter-workspace-'));
fs.copyFileSync(path.join(root, 'samples/chinook/Chinook_Sqlite.sqlite'), path.join(workspace, 'chinook.db'));
fs.writeFileSync(path.join(workspace, 'dbporter.config.json'), JSON.stringify({ databases: [{ name: 'chinook', url: 'sqlite:chinook.db' }] }, null, 2));
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/test/extension/suite/index.js'),
    launchArgs: [workspace, '--disable-extensions'],
  });
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  fs.rmSync(workspace, { recursive: true, force: true });
}
