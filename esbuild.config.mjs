// Builds the extension and the command line into dist/ (one file each, sql.js's wasm beside them),
// and, with --tests, transpiles src/ and test/ into out/ for mocha. Type checking is tsc's job.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';

const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // pg tries pg-native only when asked to; sql.js's wasm is copied, not bundled.
  external: ['vscode', 'pg-native'],
  logOverride: { 'require-resolve-not-external': 'silent' },
};

const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
];

fs.mkdirSync('dist', { recursive: true });
fs.copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');

// The JSON schema of dbporter.config.json comes from the zod schema, so the two cannot drift apart.
async function writeConfigSchema() {
  const { outputFiles } = await esbuild.build({ entryPoints: ['src/core/config.ts'], bundle: true, platform: 'node', format: 'cjs', write: false });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', outputFiles[0].text)(mod, mod.exports, createRequire(import.meta.url));
  fs.mkdirSync('schemas', { recursive: true });
  fs.writeFileSync('schemas/dbporter.config.schema.json', JSON.stringify(mod.exports.configJsonSchema(), null, 2) + '\n');
}

if (tests) {
  builds.push({
    entryPoints: ['src/**/*.ts', 'test/**/*.ts'],
    outdir: 'out',
    outbase: '.',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all([...builds.map((b) => esbuild.build(b)), writeConfigSchema()]);
  fs.chmodSync('dist/cli.js', 0o755);
}
