import * as assert from 'node:assert/strict';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { withAdapter } from '../../../src/core/engines';
import { createDumpWriter } from '../../../src/core/dump/writer';
import { parseUrl, type ServerLocation } from '../../../src/core/url';
import type { Table } from '../../../src/core/schema/model';
import type { RunResult, UpResult } from '../../../src/core/migrate';
import { header } from '../../helpers/dumps';
import { hasServer as needServer } from './helpers';
import type { DbPorterApi } from '../../../src/extension/extension';
import type { DatabaseItem, DatabasesNode, TableItem } from '../../../src/extension/databases-tree';
import type { MigrationItem } from '../../../src/extension/migrations-node';
import type { ImportOutcome } from '../../../src/extension/commands/import';
import type { CopyOutcome } from '../../../src/extension/commands/copy';
import type { PlanOutcome } from '../../../src/extension/commands/plan';
import type { ConnectionOutcome } from '../../../src/extension/commands/connection';
import type { SetPasswordOutcome } from '../../../src/extension/commands/set-password';
import type { CreateConfigOutcome } from '../../../src/extension/commands/create-config';

/**
 * The DATABASES view and the commands behind it, driven with arguments (as tasks and keybindings
 * run them) inside a real VS Code, against the workspace the launcher prepared: "chinook" (SQLite
 * Chinook), "target", "copy" and "fresh" (SQLite files that do not exist yet), "server"
 * (PostgreSQL Chinook) when the launcher could make one, and scripts/migrations with two migrations.
 */
const workspace = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const configFile = () => path.join(workspace(), 'dbporter.config.json');
const sqlite = (name: string) => `sqlite:${path.join(workspace(), name)}`;
const command = <T>(id: string, args?: unknown) => vscode.commands.executeCommand(id, args) as Thenable<T>;

async function api(): Promise<DbPorterApi> {
  return vscode.extensions.getExtension<DbPorterApi>('dbporter.dbporter')!.activate();
}

async function rows(url: string, table: string): Promise<number> {
  return withAdapter(url, (a) => a.read((r) => r.countRows(table)));
}

async function tables(url: string): Promise<string[]> {
  return withAdapter(url, async (a) => (await a.introspect()).tables.map((t) => t.name));
}

async function genreName(url: string, id: number): Promise<unknown> {
  return withAdapter(url, async (a) => {
    const genre = (await a.introspect()).tables.find((t) => t.name === 'Genre')!;
    return a.read(async (r) => {
      for await (const batch of r.rows('Genre', genre.columns)) for (const row of batch) if (row[0] === id) return row[1];
      return undefined;
    });
  });
}

async function root(name: string): Promise<DatabaseItem> {
  const roots = await (await api()).databases.getChildren();
  const found = roots.find((r) => r.label === name);
  assert.ok(found, `the tree lists ${name}: ${roots.map((r) => r.label).join(', ')}`);
  return found as DatabaseItem;
}

async function children(node: DatabasesNode): Promise<DatabasesNode[]> {
  return (await api()).databases.getChildren(node);
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs `fn` with extra databases in dbporter.config.json, and puts the file back afterwards. */
async function withDatabases(extra: Array<{ name: string; url: string }>, fn: () => Promise<void>): Promise<void> {
  const { config } = await api();
  const original = fs.readFileSync(configFile(), 'utf8');
  try {
    const json = JSON.parse(original);
    json.databases.push(...extra);
    fs.writeFileSync(configFile(), JSON.stringify(json, null, 2));
    config.reload();
    await fn();
  } finally {
    fs.writeFileSync(configFile(), original);
    config.reload();
  }
}

/** The password a resolved server URL carries. */
const passwordOf = (url: string) => (parseUrl(url) as ServerLocation).password;


describe('DATABASES: import, copy, migrations, connections and passwords', () => {
  const dumps = () => path.join(workspace(), 'dumps');
  const chinookDump = () => path.join(dumps(), 'chinook.ndjson');

  before(async () => {
    fs.mkdirSync(dumps(), { recursive: true });
    await command('dbporter.exportDatabase', { database: 'chinook', destination: chinookDump(), open: false });
  });

  describe('Import Into…', () => {
    it('a dry run reports per table what would happen and writes nothing', async () => {
      // A relative path starts at the workspace folder.
      const outcome = await command<ImportOutcome>('dbporter.importInto', { database: 'target', file: 'dumps/chinook.ndjson', dryRun: true });
      assert.equal(outcome.file, chinookDump());
      assert.equal(outcome.dryRun, true);
      assert.equal(outcome.inserted, 15607);
      assert.equal(outcome.snapshot, undefined, 'a dry run takes no snapshot');
      assert.match(outcome.report, /^Dry run \(merge\), nothing written: 15,607 rows would be inserted/);
      assert.match(outcome.report, /^ {2}Track: 3,503 inserted \(table created\)$/m, 'one line per table');
      assert.equal(fs.existsSync(path.join(workspace(), 'target.db')), false, 'the target file was not even created');
    });

    it('imports a dump (merge by default), takes a snapshot first, and the tree shows the rows', async () => {
      const outcome = await command<ImportOutcome>('dbporter.importInto', { database: 'target', file: chinookDump() });
      assert.equal(outcome.mode, 'merge');
      assert.equal(outcome.inserted, 15607);
      assert.ok(outcome.snapshot && fs.existsSync(outcome.snapshot), `snapshot at ${outcome.snapshot}`);
      assert.match(path.basename(outcome.snapshot), /before-import(_\d+)?\.zip$/);
      assert.equal(await rows(sqlite('target.db'), 'Artist'), 275);
      const artist = (await children(await root('target'))).find((c) => c.label === 'Artist') as TableItem;
      assert.equal(artist.description, '275 rows');
    });

    it('merging the same dump again keeps the existing rows (identical rows: nobody is asked)', async () => {
      const outcome = await command<ImportOutcome>('dbporter.importInto', { database: 'target', file: chinookDump() });
      assert.equal(outcome.inserted, 0);
      assert.equal(outcome.merged, 0);
      assert.equal(outcome.rows, 15607, 'every row came in and collided');
      assert.equal(await rows(sqlite('target.db'), 'Track'), 3503);
    });

    it('takes an onConflict strategy, and refuses one outside merge mode', async () => {
      const outcome = await command<ImportOutcome>('dbporter.importInto', { database: 'target', file: chinookDump(), onConflict: 'Genre=take', dryRun: true });
      const genre = outcome.tables.find((t) => t.table === 'Genre')!;
      assert.equal(genre.merged, 0, 'identical rows change nothing even when taken');
      await assert.rejects(
        Promise.resolve(command('dbporter.importInto', { database: 'target', file: chinookDump(), mode: 'append', onConflict: 'take' })),
        /merge mode/,
      );
      await assert.rejects(Promise.resolve(command('dbporter.importInto', { database: 'target', file: chinookDump(), onConflict: 'newest' })), /not a merge strategy/);
    });

    it('replace mode refuses without confirmation and replaces with confirm: true', async () => {
      // A JSON dump of Genre with every name changed.
      const genreJson = path.join(dumps(), 'genre.json');
      await command('dbporter.exportDatabase', { database: 'chinook', tables: ['Genre'], destination: genreJson, open: false });
      const dump = JSON.parse(fs.readFileSync(genreJson, 'utf8'));
      dump.data.Genre = dump.data.Genre.map((g: { GenreId: number }) => ({ ...g, Name: `Genre ${g.GenreId}` }));
      fs.writeFileSync(genreJson, JSON.stringify(dump));
      assert.equal(await genreName(sqlite('target.db'), 1), 'Rock');

      const refused = await command<ImportOutcome | undefined>('dbporter.importInto', { database: 'target', file: genreJson, mode: 'replace', confirm: false });
      assert.equal(refused, undefined);
      assert.equal(await genreName(sqlite('target.db'), 1), 'Rock', 'nothing changed');

      const done = await command<ImportOutcome>('dbporter.importInto', { database: 'target', file: genreJson, mode: 'replace', confirm: true });
      assert.equal(done.mode, 'replace');
      assert.equal(done.inserted, 25, 'emptied first, so every row went in');
      assert.equal(await genreName(sqlite('target.db'), 1), 'Genre 1');
    });

    it('cancelling a long import leaves the target as it was', async function () {
      this.timeout(120_000);
      const { jobs } = await api();
      // Genre (emptied first in replace mode), then many rows of a new table.
      const file = path.join(dumps(), 'big.ndjson');
      const genre: Table = {
        name: 'Genre',
        columns: [{ name: 'GenreId', type: 'integer', nullable: false }, { name: 'Name', type: 'text', nullable: true }],
        primaryKey: ['GenreId'], uniques: [], foreignKeys: [], indexes: [],
      };
      const big: Table = { ...genre, name: 'Big', columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'label', type: 'text', nullable: true }], primaryKey: ['id'] };
      const total = 400_000;
      const out = fs.createWriteStream(file);
      const writer = createDumpWriter(out, 'ndjson');
      await writer.writeHeader(header([genre, big], { Genre: 25, Big: total }));
      await writer.beginTable(genre);
      await writer.writeRows(Array.from({ length: 25 }, (_, i) => [i + 1, `Cancelled ${i + 1}`]));
      await writer.endTable();
      await writer.beginTable(big);
      for (let i = 0; i < total; i += 5000) await writer.writeRows(Array.from({ length: 5000 }, (_, j) => [i + j + 1, `row ${i + j + 1}`]));
      await writer.endTable();
      await writer.finish();
      out.end();
      await once(out, 'finish');

      const nameBefore = await genreName(sqlite('target.db'), 1);
      const running = command<ImportOutcome | undefined>('dbporter.importInto', { database: 'target', file, mode: 'replace', confirm: true });
      await until('rows of Big to flow', () => {
        const title = jobs.active[0];
        const p = title ? jobs.progress(title) : undefined;
        return p?.table === 'Big' && p.rowsDone > 0;
      });
      assert.equal(jobs.cancelAll(), 1, 'one job was running');
      assert.equal(await running, undefined, 'a cancelled import resolves to nothing');
      assert.deepEqual(jobs.active, []);
      assert.equal(await rows(sqlite('target.db'), 'Genre'), 25);
      assert.equal(await genreName(sqlite('target.db'), 1), nameBefore, 'Genre was emptied and refilled inside the import, and that was rolled back');
      assert.ok(!(await tables(sqlite('target.db'))).includes('Big'), 'the new table is gone with it');
    });
  });

  describe('Copy To…', () => {
    it('copies a database into another one, after a snapshot of the target', async () => {
      const outcome = await command<CopyOutcome>('dbporter.copyTo', { database: 'chinook', target: 'copy' });
      assert.equal(outcome.inserted, 15607);
      assert.equal(outcome.tables.length, 11);
      assert.ok(fs.existsSync(outcome.snapshot));
      assert.equal(await rows(sqlite('copy.db'), 'Track'), 3503);
      const track = (await children(await root('copy'))).find((c) => c.label === 'Track') as TableItem;
      assert.equal(track.description, '3,503 rows');
    });

    it('replace mode asks first; one table at a time', async () => {
      await withAdapter(sqlite('copy.db'), (a) => a.write((w) => w.execute('DELETE FROM "Genre" WHERE "GenreId" > 20')));
      const refused = await command<CopyOutcome | undefined>('dbporter.copyTo', { database: 'chinook', target: 'copy', tables: ['Genre'], mode: 'replace', confirm: false });
      assert.equal(refused, undefined);
      assert.equal(await rows(sqlite('copy.db'), 'Genre'), 20);
      const done = await command<CopyOutcome>('dbporter.copyTo', { database: 'chinook', target: 'copy', tables: ['Genre'], mode: 'replace', confirm: true });
      assert.deepEqual(done.tables.map((t) => [t.table, t.inserted]), [['Genre', 25]]);
      assert.equal(await rows(sqlite('copy.db'), 'Genre'), 25);
    });

    it('copies from PostgreSQL into SQLite', async function () {
      await needServer(this);
      await withDatabases([{ name: 'from-server', url: 'sqlite:from-server.db' }], async () => {
        const outcome = await command<CopyOutcome>('dbporter.copyTo', { database: 'server', target: 'from-server' });
        assert.equal(outcome.inserted, 15607);
        assert.equal(await rows(sqlite('from-server.db'), 'artist'), 275);
      });
    });
  });

  describe('The schema report and Preview Plan…', () => {
    /** A JSON dump of one table and a view over it, as a SQLite database exports it. */
    const viewDump = () => {
      const file = path.join(dumps(), 'with-view.json');
      const table: Table = { name: 'items', columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'name', type: 'text', nullable: true }], primaryKey: ['id'], uniques: [], foreignKeys: [], indexes: [] };
      const h = header([table], { items: 2 });
      h.schema.views = [{ name: 'named_items', query: { engine: 'sqlite', sql: 'SELECT id FROM items WHERE name IS NOT NULL' } }];
      fs.writeFileSync(file, JSON.stringify({ ...h, data: { items: [{ id: 1, name: 'pen' }, { id: 2, name: null }] } }));
      return file;
    };

    it('an import reports in its outcome and the output what it did not carry: a dump\'s view, without trustDump', async () => {
      await withDatabases([{ name: 'reported', url: 'sqlite:reported.db' }], async () => {
        const outcome = await command<ImportOutcome>('dbporter.importInto', { database: 'reported', file: viewDump() });
        assert.equal(outcome.inserted, 2);
        assert.deepEqual(outcome.notes.map((n) => [n.action, n.kind, n.name]), [['not carried', 'view', 'named_items']]);
        assert.match(outcome.report, /^Schema: 1 not carried \(1 view\)\.$/m);
        assert.match(outcome.report, /not carried: view "named_items": a dump carries it as SQL text, which import runs only with --trust-dump\./);
      });
    });

    it('Preview Plan… of an import opens the plan and writes nothing', async () => {
      await withDatabases([{ name: 'planned', url: 'sqlite:planned.db' }], async () => {
        const outcome = await command<PlanOutcome>('dbporter.previewPlan', { database: 'planned', file: viewDump() });
        assert.deepEqual(outcome.plan.tables.map((t) => [t.name, t.action]), [['items', 'create']]);
        assert.deepEqual(outcome.plan.tables[0].columns.map((c) => [c.name, c.target, c.mapping]), [['id', 'INT', 'exact'], ['name', 'TEXT', 'exact']]);
        const text = outcome.document.getText();
        assert.match(text, /^Plan: .*with-view\.json \(sqlite\) into sqlite:.*planned\.db \(sqlite\), mode merge\. Nothing was changed\./);
        assert.match(text, /not carried: view "named_items"/);
        assert.equal(vscode.window.activeTextEditor?.document, outcome.document, 'the plan is the active editor');
        assert.equal(fs.existsSync(path.join(workspace(), 'planned.db')), false, 'nothing was created');
      });
    });

    it('Preview Plan… of a copy into a database that has the tables: each loads into the existing table', async () => {
      const outcome = await command<PlanOutcome>('dbporter.previewPlan', { database: 'chinook', target: 'copy', tables: ['Genre'] });
      assert.deepEqual(outcome.plan.tables.map((t) => [t.name, t.action]), [['Genre', 'existing']]);
      assert.deepEqual(outcome.plan.notes, []);
    });
  });

  describe('Migrations', () => {
    const migrationsOf = async (database: string) => {
      const node = (await children(await root(database))).find((c) => c.contextValue === 'migrations')!;
      assert.ok(node, `${database} has a Migrations node`);
      return (await children(node)) as MigrationItem[];
    };

    it('lists the migrations of the folder as pending, with their descriptions', async () => {
      const items = await migrationsOf('fresh');
      assert.deepEqual(items.map((m) => [m.label, m.contextValue]), [
        ['001_notes.sql', 'migration.pending'],
        ['002_first_note.sql', 'migration.pending'],
      ]);
      assert.equal(items[0].description, 'pending · A table of notes');
    });

    it('Dry Run (from the tree item) tries the migration and changes nothing', async () => {
      const [first] = await migrationsOf('fresh');
      const result = await command<RunResult>('dbporter.dryRunMigration', first);
      assert.equal(result.outcome, 'dry-run');
      assert.match(result.message, /rolled back: it ran without error/);
      assert.equal(fs.existsSync(path.join(workspace(), 'fresh.db')), false);
      assert.equal((await migrationsOf('fresh'))[0].contextValue, 'migration.pending');
    });

    it('Run Migration applies one; the tree shows it applied and the next one pending', async () => {
      const result = await command<RunResult>('dbporter.runMigration', { database: 'fresh', migration: '001_notes.sql' });
      assert.equal(result.outcome, 'applied');
      assert.ok((await tables(sqlite('fresh.db'))).includes('notes'));
      assert.deepEqual((await migrationsOf('fresh')).map((m) => m.contextValue), ['migration.applied', 'migration.pending']);
      const again = await command<RunResult>('dbporter.runMigration', { database: 'fresh', migration: '001_notes.sql' });
      assert.equal(again.outcome, 'already-applied');
    });

    it('Run Pending Migrations applies the rest under the guard', async () => {
      const result = await command<UpResult>('dbporter.migrateUp', { database: 'fresh' });
      assert.deepEqual(result.applied.map((r) => r.migration.name), ['002_first_note.sql']);
      assert.equal(await rows(sqlite('fresh.db'), 'notes'), 1);
      assert.deepEqual((await migrationsOf('fresh')).map((m) => m.contextValue), ['migration.applied', 'migration.applied']);
    });

    it('refuses a migration that does not exist, with the core message', async () => {
      await assert.rejects(Promise.resolve(command('dbporter.runMigration', { database: 'fresh', migration: '999_nope.sql' })), /No migration "999_nope\.sql"/);
    });
  });

  describe('Test Connection', () => {
    it('marks a reachable database connected and an unreachable one with the reason', async () => {
      await withDatabases(
        [
          { name: 'offline', url: 'postgresql://postgres@127.0.0.1:1/nowhere' },
          { name: 'locked', url: 'postgresql://app:${secret:never-stored-here}@127.0.0.1:1/app' },
        ],
        async () => {
          const good = await command<ConnectionOutcome>('dbporter.testConnection', { database: 'chinook' });
          assert.equal(good.connected, true);
          assert.match(good.detail, /chinook\.db, 11 tables$/);
          const bad = await command<ConnectionOutcome>('dbporter.testConnection', { database: 'offline' });
          assert.equal(bad.connected, false);
          assert.match(bad.detail, /Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/nowhere/);
          const locked = await command<ConnectionOutcome>('dbporter.testConnection', { database: 'locked' });
          assert.equal(locked.connected, false);
          assert.match(locked.detail, /\$\{secret:never-stored-here\}, which is not stored\. Set it first \(in VS Code: DB Porter: Set Password\)/);

          const chinook = await root('chinook');
          assert.equal(chinook.description, 'SQLite · connected');
          assert.match(String(chinook.tooltip), /Connected at .*: sqlite:.*chinook\.db, 11 tables/);
          assert.match(String((chinook.iconPath as vscode.Uri).path), /media\/sqlite\.svg$/, 'the engine icon stays');
          const offline = await root('offline');
          assert.equal(offline.description, 'PostgreSQL · unreachable');
          assert.match(String(offline.tooltip), /Unreachable at .*: Cannot connect to PostgreSQL/);
        },
      );
    });

    it('connects to PostgreSQL', async function () {
      await needServer(this);
      const outcome = await command<ConnectionOutcome>('dbporter.testConnection', { database: 'server' });
      assert.equal(outcome.connected, true, outcome.detail);
      assert.equal((await root('server')).description, 'PostgreSQL · connected');
    });
  });

  describe('Set Password', () => {
    it('stores the password in SecretStorage and rewrites the URL to refer to it', async () => {
      const { config, secrets } = await api();
      await withDatabases(
        [
          { name: 'remote', url: 'postgresql://app:written-in-the-file@db.invalid:5432/app' },
          { name: 'locked', url: 'postgresql://app:${secret:locked-password}@db.invalid/app' },
        ],
        async () => {
          assert.throws(() => config.resolve('locked'), (e: Error & { code?: string }) => e.code === 'ENV_MISSING' && /DB Porter: Set Password/.test(e.message));

          const password = 'n3w p@ss/wörd';
          const outcome = await command<SetPasswordOutcome>('dbporter.setPassword', { database: 'remote', password, rewrite: true });
          try {
            assert.equal(outcome.referenced, true);
            const text = fs.readFileSync(configFile(), 'utf8');
            assert.ok(!text.includes('written-in-the-file'), 'the password written in the URL left the file');
            assert.ok(!text.includes('n3w'), 'the new password never entered it');
            const entry = JSON.parse(text).databases.find((d: { name: string }) => d.name === 'remote');
            assert.equal(entry.url, `postgresql://app:\${secret:${outcome.secret}}@db.invalid:5432/app`);
            assert.equal(passwordOf(config.resolve('remote').url), password);
            // Not only in the cache: read back from SecretStorage.
            await secrets.reload([outcome.secret]);
            assert.equal(passwordOf(config.resolve('remote').url), password);

            // A URL that already refers to a secret names where the password goes; the file stays as it is.
            const before = fs.readFileSync(configFile(), 'utf8');
            const locked = await command<SetPasswordOutcome>('dbporter.setPassword', { database: 'locked', password: 'x-1' });
            assert.deepEqual(locked, { database: 'locked', secret: 'locked-password', referenced: true });
            assert.equal(fs.readFileSync(configFile(), 'utf8'), before);
            assert.equal(passwordOf(config.resolve('locked').url), 'x-1');
          } finally {
            await secrets.delete(outcome.secret);
            await secrets.delete('locked-password');
          }
          assert.throws(() => config.resolve('locked'), /not stored/);
        },
      );
    });

    it('leaves the URL alone when told not to rewrite it', async () => {
      const { secrets } = await api();
      await withDatabases([{ name: 'envy', url: 'mysql://root:${env:SOME_MYSQL_PASSWORD}@127.0.0.1:3306/test' }], async () => {
        const before = fs.readFileSync(configFile(), 'utf8');
        const outcome = await command<SetPasswordOutcome>('dbporter.setPassword', { database: 'envy', password: 'pw', rewrite: false });
        await secrets.delete(outcome.secret);
        assert.equal(outcome.referenced, false);
        assert.equal(fs.readFileSync(configFile(), 'utf8'), before);
      });
    });

    it('connects to PostgreSQL through a ${secret:…} URL', async function () {
      await needServer(this);
      const { secrets } = await api();
      const original = fs.readFileSync(configFile(), 'utf8');
      let secret: string | undefined;
      try {
        // The test server trusts local connections, so any password gets in; what matters is the URL resolving.
        secret = (await command<SetPasswordOutcome>('dbporter.setPassword', { database: 'server', password: 'any-password', rewrite: true })).secret;
        assert.match(fs.readFileSync(configFile(), 'utf8'), /postgres:\$\{secret:[^}]+\}@127\.0\.0\.1/);
        const outcome = await command<ConnectionOutcome>('dbporter.testConnection', { database: 'server' });
        assert.equal(outcome.connected, true, outcome.detail);
      } finally {
        fs.writeFileSync(configFile(), original);
        (await api()).config.reload();
        if (secret) await secrets.delete(secret);
      }
    });
    it('keeps a stored password out of the output channel, through a connection and a backup', async function () {
      await needServer(this);
      const { secrets, services } = await api();
      const original = fs.readFileSync(configFile(), 'utf8');
      const password = 'Xq9 never-in/the-log';
      const destination = path.join(path.dirname(configFile()), 'secret-check.zip');
      let secret: string | undefined;
      try {
        secret = (await command<SetPasswordOutcome>('dbporter.setPassword', { database: 'server', password, rewrite: true })).secret;
        assert.equal((await command<ConnectionOutcome>('dbporter.testConnection', { database: 'server' })).connected, true);
        await command('dbporter.backupDatabase', { database: 'server', destination });
        // The channel's lines land in a log file of this session, beside the extension's own log folder.
        const session = path.dirname(path.dirname(services.context.logUri.fsPath));
        let text = '';
        await until('the backup in the DB Porter log', () => {
          text = logFiles(session).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
          return text.includes(`to ${destination}`);
        });
        assert.match(text, /Backed up server: 15,607 rows/);
        for (const form of [password, encodeURIComponent(password), Buffer.from(password).toString('base64')]) assert.ok(!text.includes(form), `the password (${form === password ? 'plain' : 'encoded'}) is in the output channel`);
      } finally {
        fs.writeFileSync(configFile(), original);
        (await api()).config.reload();
        if (secret) await secrets.delete(secret);
        fs.rmSync(destination, { force: true });
      }
    });
  });

  describe('Create Config', () => {
    it('creates dbporter.config.json from a URL (its password to SecretStorage) and adds a SQLite file', async () => {
      const { config, secrets, databases } = await api();
      const original = fs.readFileSync(configFile(), 'utf8');
      fs.rmSync(configFile());
      config.reload();
      let secret: string | undefined;
      try {
        assert.equal(config.config, undefined);
        assert.deepEqual(await databases.getChildren(), [], 'an empty tree: the welcome content shows');
        const made = await command<CreateConfigOutcome>('dbporter.createConfig', { from: 'url', url: 'postgresql://postgres:pa55-word@127.0.0.1:5432/made_db', open: false });
        secret = made.secret;
        assert.ok(secret);
        const text = fs.readFileSync(configFile(), 'utf8');
        assert.ok(!text.includes('pa55-word'), 'no password in the file');
        assert.deepEqual(JSON.parse(text), { databases: [{ name: 'made_db', url: `postgresql://postgres:\${secret:${secret}}@127.0.0.1:5432/made_db` }] });
        assert.equal(passwordOf(config.resolve('made_db').url), 'pa55-word');

        const added = await command<CreateConfigOutcome>('dbporter.addDatabase', { from: 'sqlite', file: path.join(workspace(), 'chinook.db'), open: false });
        assert.deepEqual(added.database, { name: 'chinook', url: 'sqlite:chinook.db' });
        assert.deepEqual((await databases.getChildren()).map((r) => r.label), ['made_db', 'chinook']);
        await assert.rejects(Promise.resolve(command('dbporter.addDatabase', { from: 'sqlite', file: 'chinook.db', name: 'chinook', open: false })), /already has a database named "chinook"/);
      } finally {
        fs.writeFileSync(configFile(), original);
        config.reload();
        if (secret) await secrets.delete(secret);
      }
    });
  });

  it('the tree follows dbporter.config.json as it is edited', async () => {
    const { databases } = await api();
    const original = fs.readFileSync(configFile(), 'utf8');
    let events = 0;
    const sub = databases.onDidChangeTreeData(() => events++);
    const labels = async () => (await databases.getChildren()).map((r) => String(r.label));
    try {
      const json = JSON.parse(original);
      json.databases.push({ name: 'later', url: 'mysql://root@127.0.0.1:3306/later' });
      // No reload() here: the file watcher notices, and the tree is told.
      fs.writeFileSync(configFile(), JSON.stringify(json, null, 2));
      await until('the tree to list "later"', async () => (await labels()).includes('later'), 10_000);
      assert.ok(events > 0, 'the tree fired a change');
      assert.equal((await root('later')).description, 'MySQL/MariaDB');
      fs.writeFileSync(configFile(), original);
      await until('"later" to leave the tree', async () => !(await labels()).includes('later'), 10_000);
    } finally {
      sub.dispose();
      fs.writeFileSync(configFile(), original);
    }
  });
});

/** The output channel files ("… DB Porter.log") under a session's log folder. */
function logFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? logFiles(full) : e.name.endsWith('DB Porter.log') ? [full] : [];
  });
}
