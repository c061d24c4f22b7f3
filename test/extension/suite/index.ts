import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/**
 * The test entry VS Code loads (through @vscode/test-electron or test/extension/run-in-code-server.mjs):
 * runs the extension tests with mocha inside the extension host and prints the closing
 * "N passed, N failed" line that CI reads.
 */
export function run(): Promise<void> {
  // DBPORTER_VSCODE_GREP runs the matching tests only (while working on some).
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec', grep: process.env.DBPORTER_VSCODE_GREP });
  // extension.test.js first: it checks that nothing activated the extension before its view opened.
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js'));
  files.sort((a, b) => Number(b === 'extension.test.js') - Number(a === 'extension.test.js') || a.localeCompare(b));
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    let passed = 0;
    let failed = 0;
    const runner = mocha.run(() => {
      console.log(`${passed} passed, ${failed} failed`);
      if (failed) reject(new Error(`${failed} extension test(s) failed`));
      else resolve();
    });
    runner.on('pass', () => passed++);
    runner.on('fail', () => failed++);
  });
}
