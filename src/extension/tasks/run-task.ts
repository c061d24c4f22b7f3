import * as path from 'node:path';
import * as vscode from 'vscode';
import { DRY_RUN_TASK_TYPES, type TaskConfig } from '../../core/config';
import { DbPorterError } from '../../core/errors';
import type { Progress } from '../../core/progress';
import { backUp, backupFileOf, copyTask, exportTask, importTask, migrateTask, restore, type OperationContext } from '../operations';
import type { Services } from '../services';

export interface TaskRunOptions {
  dryRun?: boolean;
  /**
   * Asked before a task that replaces a database's data (restore), as `dbporter restore` asks;
   * resolves true to go ahead.
   */
  confirm: (question: string) => Promise<boolean>;
  /** Each line the task reports (the snapshot it took, what it wrote). */
  say?: (line: string) => void;
  /** Rows done, besides the notification's progress. */
  onProgress?: (progress: Progress) => void;
  /** Stops the task (a terminated VS Code task); the notification's Cancel stops it too. */
  signal?: AbortSignal;
}

export interface TaskOutcome {
  task: string;
  type: TaskConfig['type'];
  dryRun: boolean;
  /** What the task reported, line by line. */
  lines: string[];
  /** The core's result (the export's, the import's, the backup's, ...). */
  result: unknown;
}

/** The tasks of dbporter.config.json. */
export function configuredTasks(services: Services): TaskConfig[] {
  return services.config.config?.config.tasks ?? [];
}

export function supportsDryRun(task: Pick<TaskConfig, 'type'>): boolean {
  return DRY_RUN_TASK_TYPES.includes(task.type);
}

/**
 * Runs a task of dbporter.config.json: the one function behind the TASKS view's Run and Dry Run
 * and the VS Code tasks of type "dbporter". It goes through the job runner (progress
 * notification, status bar, output channel, cancel) and the operations the command line runs.
 * Resolves to undefined when the person cancelled or declined.
 */
export async function runConfiguredTask(services: Services, name: string, options: TaskRunOptions): Promise<TaskOutcome | undefined> {
  const loaded = services.config.config;
  const task = configuredTasks(services).find((t) => t.name === name);
  if (!loaded || !task) {
    const names = configuredTasks(services).map((t) => t.name);
    throw new DbPorterError('BAD_ARGUMENT', `No task "${name}" in ${services.config.file ?? 'dbporter.config.json'}. Tasks there: ${names.join(', ') || 'none'}.`);
  }
  const dryRun = Boolean(options.dryRun);
  if (dryRun && !supportsDryRun(task)) {
    throw new DbPorterError('BAD_ARGUMENT', `The task "${task.name}" (${task.type}) has no dry run; only ${DRY_RUN_TASK_TYPES.join(' and ')} tasks do.`);
  }
  // Through the workspace's config, which knows where secrets come from in VS Code.
  const resolve = (db: string) => services.config.resolve(db);
  if (task.type === 'restore') {
    const db = resolve(task.database);
    if (!(await options.confirm(`Replace all data of ${db.name} with ${backupFileOf(task, loaded, db)}? A snapshot of ${db.name} is taken first.`))) return undefined;
  }

  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    services.log.info(`${task.name}: ${line}`);
    options.say?.(line);
  };
  const title = `${dryRun ? 'Dry run of' : 'Running'} task ${task.name}`;
  const result = await services.jobs.run(title, async (signal, onProgress) => {
    const ctx: OperationContext = {
      signal: options.signal ? AbortSignal.any([signal, options.signal]) : signal,
      onProgress: (p) => {
        onProgress(p);
        options.onProgress?.(p);
      },
      say,
    };
    switch (task.type) {
      case 'export':
        return exportTask(task, loaded, resolve, ctx);
      case 'import':
        return importTask(task, loaded, resolve, { ...ctx, dryRun });
      case 'copy':
        return copyTask(task, resolve, ctx);
      case 'backup':
        return backUp(resolve(task.database), { ...ctx, destination: task.destination ? path.resolve(loaded.dir, task.destination) : undefined });
      case 'restore': {
        const db = resolve(task.database);
        return restore(db, backupFileOf(task, loaded, db), ctx);
      }
      case 'migrate':
        return migrateTask(task, loaded, resolve, { ...ctx, dryRun });
    }
  });
  if (result === undefined) return undefined;
  if (!dryRun) {
    // Every task but an export leaves an archive behind (a backup, a snapshot, a guard's backup).
    if (task.type !== 'export') void vscode.commands.executeCommand('dbporter.refreshBackups');
    if (task.type !== 'export' && task.type !== 'backup') void vscode.commands.executeCommand('dbporter.refresh');
  }
  return { task: task.name, type: task.type, dryRun, lines, result };
}
