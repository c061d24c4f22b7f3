import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import type { Progress } from '../../core/progress';
import { maskUrlsIn } from '../../core/url';
import { confirmModal } from '../confirm';
import type { Services } from '../services';
import { configuredTasks, runConfiguredTask, supportsDryRun } from './run-task';

export const TASK_TYPE = 'dbporter';

/** What tasks.json says: `{ "type": "dbporter", "task": "NAME", "dryRun": true }` (see package.json). */
export interface DbPorterTaskDefinition extends vscode.TaskDefinition {
  type: typeof TASK_TYPE;
  /** The name of a task in dbporter.config.json. */
  task: string;
  dryRun?: boolean;
}

/**
 * Offers the tasks of dbporter.config.json as VS Code tasks (Terminal ▸ Run Task, tasks.json,
 * keybindings with workbench.action.tasks.runTask). Each runs in-process through
 * runConfiguredTask, the same function as the TASKS view's Run, in a pseudoterminal that shows
 * what the task reports and ends with exit code 0 (done) or 1 (failed, cancelled or declined).
 */
export class DbPorterTaskProvider implements vscode.TaskProvider {
  constructor(private readonly services: Services) {}

  provideTasks(): vscode.Task[] {
    return configuredTasks(this.services).flatMap((t) => {
      const tasks = [this.task({ type: TASK_TYPE, task: t.name })];
      if (supportsDryRun(t)) tasks.push(this.task({ type: TASK_TYPE, task: t.name, dryRun: true }));
      return tasks;
    });
  }

  /** A task from tasks.json: the same execution, keeping the definition as it was written. */
  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const definition = task.definition as DbPorterTaskDefinition;
    if (typeof definition.task !== 'string') return undefined;
    return this.task(definition, task.scope, task.name);
  }

  private task(definition: DbPorterTaskDefinition, scope?: vscode.Task['scope'], name?: string): vscode.Task {
    const configured = configuredTasks(this.services).find((t) => t.name === definition.task);
    const task = new vscode.Task(
      definition,
      scope ?? vscode.workspace.workspaceFolders?.[0] ?? vscode.TaskScope.Workspace,
      name ?? (definition.dryRun ? `${definition.task} (dry run)` : definition.task),
      TASK_TYPE,
      new vscode.CustomExecution(async (resolved) => new TaskTerminal(this.services, resolved as DbPorterTaskDefinition)),
    );
    task.detail = configured?.description ?? (configured ? `${configured.type} ${configured.database}` : undefined);
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, clear: true };
    return task;
  }
}

/** The terminal of one task run: progress lines while it works, then the outcome. */
class TaskTerminal implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  private readonly closed = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.written.event;
  readonly onDidClose = this.closed.event;
  private readonly controller = new AbortController();

  constructor(
    private readonly services: Services,
    private readonly definition: DbPorterTaskDefinition,
  ) {}

  open(): void {
    void this.run();
  }

  /** The person terminated the task: stop the job, which rolls its work back. */
  close(): void {
    this.controller.abort();
  }

  private line(text: string): void {
    this.written.fire(maskUrlsIn(text).replace(/\r?\n/g, '\r\n') + '\r\n');
  }

  private async run(): Promise<void> {
    const { task, dryRun } = this.definition;
    this.line(`DB Porter: ${dryRun ? 'dry run of' : 'running'} task "${task}"`);
    const progress = progressLines((text) => this.line(text));
    let code = 1;
    try {
      const outcome = await runConfiguredTask(this.services, task, {
        dryRun,
        confirm: (question) => confirmModal(question, 'Restore'),
        say: (text) => this.line(text),
        onProgress: progress,
        signal: this.controller.signal,
      });
      if (outcome) {
        code = 0;
        this.line('Done.');
      } else {
        this.line('Cancelled; nothing was changed.');
      }
    } catch (err) {
      this.line(`Failed: ${errorMessage(err)}`);
    }
    this.closed.fire(code);
  }
}

/** Turns progress reports into lines: one when a table starts and ends, and at most one a second between. */
function progressLines(write: (line: string) => void): (p: Progress) => void {
  let table = '';
  let last = 0;
  return (p) => {
    const now = Date.now();
    const finished = p.rowsTotal !== undefined && p.rowsDone >= p.rowsTotal;
    if (p.table === table && !finished && now - last < 1000) return;
    if (p.table === table && finished && p.rowsDone === 0) return;
    table = p.table;
    last = now;
    const total = p.rowsTotal !== undefined ? `/${p.rowsTotal.toLocaleString('en-US')}` : '';
    write(`  ${p.table}: ${p.rowsDone.toLocaleString('en-US')}${total} rows`);
  };
}
