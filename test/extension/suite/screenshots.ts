import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Asks the launcher for a screenshot of the whole workbench, as it is now, and waits for it.
 * The launcher (test/extension/run-in-code-server.mjs, given a screenshots folder) passes the
 * folder as DBPORTER_SCREENSHOTS; this writes NAME.request there, and the launcher answers with
 * NAME.png and removes the request. Resolves to the PNG's path, or to undefined where no launcher
 * takes screenshots (run-in-electron.mjs, or a run without a folder). Give the workbench a moment
 * to paint what the test just did (a view that was focused, an editor that was opened) first.
 */
export async function screenshot(name: string, options: { settleMs?: number; timeoutMs?: number } = {}): Promise<string | undefined> {
  const dir = process.env.DBPORTER_SCREENSHOTS;
  if (!dir) return undefined;
  if (!/^[\w.-]+$/.test(name)) throw new Error(`A screenshot's name is a file name without folders: ${name}`);
  await sleep(options.settleMs ?? 700);
  const request = path.join(dir, `${name}.request`);
  const png = path.join(dir, `${name}.png`);
  fs.rmSync(png, { force: true });
  fs.writeFileSync(request, new Date().toISOString());
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (fs.existsSync(request)) {
    if (Date.now() > deadline) throw new Error(`The launcher did not answer the screenshot request ${request}.`);
    await sleep(100);
  }
  if (!fs.existsSync(png)) throw new Error(`The launcher took no screenshot ${png} (see its log).`);
  return png;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
