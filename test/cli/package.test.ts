import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as yauzl from 'yauzl';

const root = path.resolve(__dirname, '../../..');
const run = promisify(execFile);
// The launcher is an ES module; esbuild would turn a plain import() into require().
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<any>;

function entriesOf(file: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    }),
  );
}

describe('npm run package', function () {
  this.timeout(180_000);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const vsix = path.join(root, `dbporter-${pkg.version}.vsix`);
  let entries: string[];

  before(async () => {
    fs.rmSync(vsix, { force: true });
    await run('npm', ['run', 'package'], { cwd: root, maxBuffer: 10 * 1024 * 1024 });
    entries = await entriesOf(vsix);
  });

  it(`writes dbporter-<version>.vsix with the bundle, its wasm, the media and the manifest`, () => {
    for (const name of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/sql-wasm.wasm', 'extension/media/dbporter.svg', 'extension/media/sqlite.svg', 'extension/schemas/dbporter.config.schema.json', 'extension/readme.md']) {
      assert.ok(entries.includes(name), `${name} is in the vsix: ${entries.join(', ')}`);
    }
  });

  it("holds the docs the README links to, so its links work in VS Code's extension page", () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\((?!https?:|#)([^)#]+)/g)].map((m) => m[1]);
    assert.ok(links.length > 0);
    for (const link of links) assert.ok(entries.includes(`extension/${link}`), `${link} is in the vsix`);
  });

  it('leaves out sources, tests, node_modules, the benchmark, the samples and source maps', () => {
    const unwanted = entries.filter((e) => /^extension\/(src|test|out|node_modules|bench|samples|scripts|\.vscode|\.ci)\//.test(e) || e.endsWith('.map') || e.endsWith('.ts'));
    assert.deepEqual(unwanted, []);
    assert.ok(entries.length < 30, `a small package: ${entries.length} entries`);
  });

  it('activates lazily: on its views, commands and task type, never at start-up', () => {
    assert.ok(!pkg.activationEvents.some((e: string) => e === '*' || e === 'onStartupFinished'), pkg.activationEvents.join(', '));
    assert.equal(pkg.main, './dist/extension.js');
  });

  it("installs into a code-server's extensions folder and is listed there", async function () {
    const launcher = await importEsm(path.join(root, 'test/extension/run-in-code-server.mjs'));
    if (!fs.existsSync(path.join(launcher.codeServerDir(), '.install-complete')) && !process.env.CI) this.skip(); // scripts/setup.sh installs it
    const { node, entry } = launcher.ensureCodeServer();
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'dbporter-vsix-'));
    try {
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: temp, XDG_CONFIG_HOME: temp, XDG_DATA_HOME: temp, XDG_CACHE_HOME: temp };
      const extensions = path.join(temp, 'extensions');
      const common = [entry, '--extensions-dir', extensions, '--user-data-dir', path.join(temp, 'user-data')];
      await run(node, [...common, '--install-extension', vsix], { env });
      const { stdout } = await run(node, [...common, '--list-extensions', '--show-versions'], { env });
      assert.ok(stdout.split('\n').includes(`dbporter.dbporter@${pkg.version}`), stdout);
      const installed = path.join(extensions, `dbporter.dbporter-${pkg.version}`);
      assert.ok(fs.existsSync(path.join(installed, 'dist/sql-wasm.wasm')));
    } finally {
      fs.rmSync(temp, { recursive: true, force: true });
    }
  });
});
