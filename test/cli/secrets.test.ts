import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import JSZip from 'jszip';
import { createTestDatabase, requireServer, type TestDatabase } from '../helpers/servers';
import { loadChinook } from '../helpers/chinook';
import { tempDir } from '../helpers/data';
import { dbporter, type Run } from '../helpers/cli';

/**
 * A password goes through every command, their errors included; then everything they printed and
 * every file they left (dumps, zip exports, backups and snapshots, unpacked) is searched for it,
 * plain and percent-encoded. PostgreSQL here trusts local connections, so any password logs in.
 */
const SECRET = 'Pw-"s3cr3t;$@/#x';
const LEAKS = [SECRET, encodeURIComponent(SECRET), Buffer.from(SECRET).toString('base64')];

function filesBelow(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** A file's text, archives unpacked and gzip entries unzipped. */
async function contentsOf(file: string): Promise<string[]> {
  const bytes = fs.readFileSync(file);
  if (!file.endsWith('.zip')) return [bytes.toString('utf8')];
  const zip = await JSZip.loadAsync(bytes);
  const out: string[] = [];
  for (const entry of Object.values(zip.files)) {
    if (entry.dir) continue;
    const data = await entry.async('nodebuffer');
    out.push((entry.name.endsWith('.gz') ? zlib.gunzipSync(data) : data).toString('utf8'));
  }
  return out;
}

describe('secrets never leak', function () {
  this.timeout(180_000);
  let server: TestDatabase;
  let cwd: string;
  const runs: Run[] = [];

  before(async function () {
    await requireServer(this, 'postgres');
    await requireServer(this, 'mysql');
    server = await createTestDatabase('postgres');
    cwd = tempDir();
    const chinook = await createTestDatabase('sqlite');
    await loadChinook(chinook);
    fs.copyFileSync(chinook.url.slice('sqlite:'.length), path.join(cwd, 'local.db'));
    await chinook.drop();
    const u = new URL(server.url);
    const config = {
      databases: [
        { name: 'local', url: 'sqlite:local.db' },
        { name: 'server', url: `postgresql://${u.username}:\${env:PG_SECRET}@${u.host}${u.pathname}` },
      ],
    };
    fs.writeFileSync(path.join(cwd, 'dbporter.config.json'), JSON.stringify(config));
    fs.mkdirSync(path.join(cwd, 'scripts/migrations'), { recursive: true });
    fs.writeFileSync(path.join(cwd, 'scripts/migrations/001_notes.sql'), '-- a notes table\nCREATE TABLE notes (id integer PRIMARY KEY);\n');
  });
  after(async () => {
    await server?.drop();
    if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
  });

  const run = async (args: string[], expectOk = true) => {
    const r = await dbporter(args, { cwd, env: { PG_SECRET: SECRET } });
    runs.push(r);
    if (expectOk) assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    else assert.notEqual(r.code, 0, `${args.join(' ')} should fail`);
    return r;
  };

  it('through copy, export, import, backup, restore, migrate and guard, and their errors', async () => {
    await run(['copy', '--from', 'local', '--to', 'server', '-v']);
    await run(['export', 'server.ndjson', '--database-url', 'server', '-v']);
    await run(['export', 'server.zip', '--database-url', 'server']);
    await run(['import', 'server.ndjson', '--database-url', 'server', '-v', '--label-name', 'again']);
    await run(['import', 'server.ndjson', '--database-url', 'server', '--dry-run']);
    await run(['backup', '--database-url', 'server', '--backup-file', 'backup.zip', '-v']);
    await run(['backup', 'list', '--database-url', 'server']);
    await run(['backup', 'verify', 'backup.zip', '--database-url', 'server']);
    await run(['restore', '--backup-file', 'backup.zip', '--database-url', 'server', '--yes']);
    await run(['migrate', 'list', '--database-url', 'server']);
    await run(['migrate', 'run', '001_notes', '--database-url', 'server', '--dry-run']);
    await run(['migrate', 'up', '--database-url', 'server']);
    await run(['guard', '--database-url', 'server', '--', process.execPath, '-e', 'process.exit(3)'], false);
    // Errors: a refused connection, a wrong MySQL password, a missing database, a bad dump.
    await run(['export', '-', '--database-url', `postgresql://postgres:${encodeURIComponent(SECRET)}@127.0.0.1:1/nowhere`], false);
    await run(['export', '-', '--database-url', `mysql://root:${encodeURIComponent(SECRET)}@127.0.0.1:3306/test`], false);
    await run(['import', 'server.zip', '--database-url', `postgresql://postgres:${encodeURIComponent(SECRET)}@127.0.0.1:5432/no_such_database`], false);
    fs.writeFileSync(path.join(cwd, 'broken.json'), '{"metadata": ');
    await run(['import', 'broken.json', '--database-url', 'server'], false);

    const files = filesBelow(cwd).filter((f) => !f.endsWith('dbporter.config.json') && !f.endsWith('local.db'));
    assert.ok(files.some((f) => f.includes(`${path.sep}.dbporter${path.sep}`)), 'snapshots were written');
    const texts = [...runs.flatMap((r) => [r.stdout, r.stderr])];
    for (const file of files) texts.push(...(await contentsOf(file)));
    for (const text of texts) for (const leak of LEAKS) assert.ok(!text.includes(leak), `a secret leaked: …${text.slice(Math.max(0, text.indexOf(leak) - 60), text.indexOf(leak) + 20)}…`);
    assert.ok(runs.some((r) => /AUTH_FAILED|refused user/.test(r.stderr)), 'the MySQL error was about the password, without it');
  });
});
