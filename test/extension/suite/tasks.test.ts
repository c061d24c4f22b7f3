import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AtomicWriteStream } from '../../../src/core/atomic-file';
import { withAdapter } from '../../../src/core/engines';
import { exportDatabase } from '../../../src/core/export';
import type { TaskItem } from '../../../src/extension/tasks/tasks-tree';
import type { TaskOutcome } from '../../../src/extension/tasks/run-task';
import type { RestoreResult } from '../../../src/core/backup';
import { api, rowsOf, tableNames, waitFor, workspace } from './helpers';
import { screenshot } from './screenshots';

const file = (relative: string) => path.join(workspace(), relative);
const lines = (relative: string) => fs.readFileSync(file(relative), 'utf8').trimEnd().split('\n');

/** Runs a VS Code task and resolves to its exit code when it ends. */
async function execute(task: vscode.Task): Promise<number | undefined> {
  let exitCode: number | undefined;
  const ended = new Promise<void>((resolve) => {
    const subscriptions = [
      vscode.tasks.onDidEndTaskProcess((e) => {
        if (e.execution.task.name === task.name) exitCode = e.exitCode;
      }),
      vscode.tasks.onDidEndTask((e) => {
        if (e.execution.task.name !== task.name) return;
        subscriptions.forEach((s) => s.dispose());
        resolve();
      }),
    ];
  });
  await vscode.tasks.executeTask(task);
  await ended;
  return exitCode;
}

async function providedTask(name: string): Promise<vscode.Task> {
  const tasks = await vscode.tasks.fetchTasks({ type: 'dbporter' });
  const task = tasks.find((t) => t.name === name && t.source === 'dbporter');
  assert.ok(task, `the provider offers ${name}: ${tasks.map((t) => t.name).join(', ')}`);
  return task;
}

describe('TASKS', () => {
  before(async () => {
    // fixtures/new-genres.ndjson, for the import task: Chinook's 25 genres and 2 new ones.
    const scratch = file('fixtures/scratch-copy.db');
    fs.mkdirSync(path.dirname(scratch), { recursive: true });
    fs.copyFileSync(file('chinook.db'), scratch);
    await withAdapter(`sqlite:${scratch}`, (a) => a.write((w) => w.execute(`INSERT INTO Genre (GenreId, Name) VALUES (26, 'Polka'), (27, 'Sea Shanty')`)));
    const out = new AtomicWriteStream(file('fixtures/new-genres.ndjson'));
    await withAdapter(`sqlite:${scratch}`, (a) => exportDatabase(a, out.stream, { format: 'ndjson', tables: ['Genre'] }));
    await out.commit();
    fs.rmSync(scratch);
  });

  it('lists the tasks of dbporter.config.json, with Dry Run where the type has one', async () => {
    const { tasks, views } = await api();
    const config = JSON.parse(fs.readFileSync(file('dbporter.config.json'), 'utf8'));
    const items = tasks.getChildren() as TaskItem[];
    assert.deepEqual(items.map((i) => i.label), config.tasks.map((t: { name: string }) => t.name));
    const dryRunnable = items.filter((i) => i.contextValue === 'task.dryRun').map((i) => i.label);
    assert.deepEqual(dryRunnable, ['import-genres', 'migrate-chinook']);
    assert.ok(items.every((i) => i.contextValue === 'task' || i.contextValue === 'task.dryRun'));
    assert.equal(items[0].description, 'Artist as NDJSON');
    assert.equal(items.find((i) => i.label === 'backup-scratch')!.description, 'back up scratch');

    await vscode.commands.executeCommand('dbporter.tasks.focus');
    await views.tasks.reveal(items[0], { select: true, focus: true });
    await screenshot('tasks');
  });

  it('runs a task from its TASKS item', async () => {
    fs.rmSync(file('exports/artists.ndjson'), { force: true });
    const [item] = (await api()).tasks.getChildren() as TaskItem[];
    const outcome = (await vscode.commands.executeCommand('dbporter.runTask', item)) as TaskOutcome;
    assert.equal(outcome.task, 'export-artists');
    assert.match(outcome.lines.join('\n'), /Exported 275 rows from 1 tables to .*exports\/artists\.ndjson/);
    const written = lines('exports/artists.ndjson');
    assert.equal(written.length, 1 + 275 + 1, 'header, 275 rows, trailer');
    assert.match(written[1], /"AC\/DC"/);
  });

  it('runs the same task as a VS Code task from the provider, in a terminal that ends with exit code 0', async () => {
    fs.rmSync(file('exports/artists.ndjson'), { force: true });
    const task = await providedTask('export-artists');
    assert.deepEqual(task.definition, { type: 'dbporter', task: 'export-artists' });
    assert.ok(task.execution instanceof vscode.CustomExecution);
    assert.equal(await execute(task), 0);
    assert.equal(lines('exports/artists.ndjson').length, 277);
  });

  it('runs a task that tasks.json names, and a failing one ends with exit code 1', async () => {
    fs.rmSync(file('exports/artists.ndjson'), { force: true });
    const tasksJson = file('.vscode/tasks.json');
    fs.mkdirSync(path.dirname(tasksJson), { recursive: true });
    fs.writeFileSync(
      tasksJson,
      JSON.stringify({
        version: '2.0.0',
        tasks: [
          { type: 'dbporter', task: 'export-artists', label: 'Artists from tasks.json' },
          { type: 'dbporter', task: 'export-missing-table', label: 'A task that fails' },
        ],
      }),
    );
    try {
      const fromFile = await waitFor('tasks.json to be read', async () => (await vscode.tasks.fetchTasks({ type: 'dbporter' })).find((t) => t.name === 'Artists from tasks.json'));
      assert.equal(fromFile.definition.task, 'export-artists');
      assert.equal(await execute(fromFile), 0);
      assert.equal(lines('exports/artists.ndjson').length, 277);

      const failing = (await vscode.tasks.fetchTasks({ type: 'dbporter' })).find((t) => t.name === 'A task that fails')!;
      assert.equal(await execute(failing), 1);
      assert.ok(!fs.existsSync(file('exports/nothing.json')));
    } finally {
      fs.rmSync(path.dirname(tasksJson), { recursive: true, force: true });
    }
  });

  it('a dry run of an import changes nothing; the run imports after a snapshot', async () => {
    const { backups } = await api();
    const before = (await rowsOf('scratch', 'Genre')).length;
    assert.equal(before, 25);
    const archives = async () => fs.readdirSync(file('.dbporter/backups/scratch')).filter((f) => f.endsWith('.zip')).sort();
    const archivesBefore = await archives();

    const dry = (await vscode.commands.executeCommand('dbporter.dryRunTask', { task: 'import-genres' })) as TaskOutcome;
    assert.equal(dry.dryRun, true);
    assert.match(dry.lines.join('\n'), /Dry run, nothing written: would import 2 rows into 1 tables \(merge\), kept 25 existing rows/);
    assert.equal((await rowsOf('scratch', 'Genre')).length, 25);
    assert.ok(!(await tableNames('scratch')).includes('dbporter_imported'), 'not even the ledger');
    assert.deepEqual(await archives(), archivesBefore, 'a dry run takes no snapshot');

    const run = (await vscode.commands.executeCommand('dbporter.runTask', { task: 'import-genres' })) as TaskOutcome;
    const genres = await rowsOf('scratch', 'Genre');
    assert.deepEqual(genres.slice(-2), [{ GenreId: 26, Name: 'Polka' }, { GenreId: 27, Name: 'Sea Shanty' }]);
    const snapshot = /Snapshot of scratch before the import: (.*)$/m.exec(run.lines.join('\n'))?.[1];
    assert.ok(snapshot && fs.existsSync(snapshot), `the snapshot is named: ${run.lines.join(' | ')}`);
    await waitFor('the snapshot in BACKUPS', async () => {
      const group = (await backups.getChildren()).find((g) => g.label === 'scratch')!;
      return (await backups.getChildren(group)).find((i) => (i as { file?: string }).file === snapshot);
    });

    // The snapshot is the way back.
    const restored = (await vscode.commands.executeCommand('dbporter.restoreBackup', { database: 'scratch', backup: snapshot, confirm: true })) as RestoreResult & { snapshot: string };
    assert.equal(restored.rowCounts.Genre, 25);
    assert.equal((await rowsOf('scratch', 'Genre')).length, 25);
    for (const f of [snapshot, restored.snapshot]) fs.rmSync(f);
  });

  it('a dry run of a migration changes nothing; Dry Run is refused where the type has none', async () => {
    const dry = (await vscode.commands.executeCommand('dbporter.dryRunTask', { task: 'migrate-chinook' })) as TaskOutcome;
    assert.match(dry.lines.join('\n'), /Would run .*001_notes\.sql \(sql\)/);
    assert.match(dry.lines.join('\n'), /rolled back: it ran without error/);
    const tables = await tableNames('chinook');
    assert.equal(tables.length, 11, tables.join(', '));
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('dbporter.dryRunTask', { task: 'export-artists' })), /has no dry run/);
  });

  it('offers a dry run of the tasks that have one as VS Code tasks too', async () => {
    const task = await providedTask('import-genres (dry run)');
    assert.deepEqual(task.definition, { type: 'dbporter', task: 'import-genres', dryRun: true });
    assert.equal(await execute(task), 0);
    assert.equal((await rowsOf('scratch', 'Genre')).length, 25);
    const names = (await vscode.tasks.fetchTasks({ type: 'dbporter' })).map((t) => t.name);
    assert.ok(!names.includes('export-artists (dry run)'));
  });
});
