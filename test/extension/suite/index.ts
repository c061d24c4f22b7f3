import * as path from 'node:path';
import Mocha from 'mocha';

/**
 * The test entry VS Code loads (through @vscode/test-electron or test/extension/run-in-code-server.mjs):
 * runs the extension tests with mocha inside the extension host and prints the closing
 * "N passed, N failed" line that CI reads.
 */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  // extension.test.js first: it checks that nothing activated the extension before its view opened.
  mocha.addFile(path.join(__dirname, 'extension.test.js'));
  mocha.addFile(path.join(__dirname, 'databases.test.js'));
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
