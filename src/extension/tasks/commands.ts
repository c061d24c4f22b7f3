import * as vscode from 'vscode';
import type { Services } from '../services';
import { confirmModal } from '../confirm';
import { configuredTasks, runConfiguredTask, supportsDryRun, type TaskOutcome } from './run-task';
import { TaskItem } from './tasks-tree';

/** Arguments for running a task without prompts (keybindings, tests). */
export interface RunTaskArgs {
  /** The task's name in dbporter.config.json. */
  task?: string;
  /** The answer to a restore's confirmation; asked in a modal dialog when absent. */
  confirm?: boolean;
}

/**
 * DB Porter: Run Task / Dry Run Task — from the TASKS view it takes the clicked task, from the
 * palette it asks which one. What the task reports goes to the output channel; its last line
 * shows in a notification.
 */
export async function runTaskCommand(services: Services, arg: RunTaskArgs | TaskItem | undefined, dryRun: boolean): Promise<TaskOutcome | undefined> {
  const args: RunTaskArgs = arg instanceof TaskItem ? { task: arg.task.name } : { ...arg };
  const name = args.task ?? (await pickTask(services, dryRun));
  if (!name) return undefined;
  const outcome = await runConfiguredTask(services, name, { dryRun, confirm: (question) => confirmModal(question, 'Restore', args.confirm) });
  if (outcome) {
    // The last thing a task reports says what it did (the full report is in the output channel).
    void vscode.window.showInformationMessage(`${name}: ${outcome.lines.at(-1)?.split('\n')[0] ?? 'done'}`);
  }
  return outcome;
}

async function pickTask(services: Services, dryRun: boolean): Promise<string | undefined> {
  const tasks = configuredTasks(services).filter((t) => !dryRun || supportsDryRun(t));
  if (!tasks.length) {
    void vscode.window.showWarningMessage(`DB Porter: no ${dryRun ? 'import or migrate ' : ''}tasks in dbporter.config.json yet. Add them under "tasks".`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    tasks.map((t) => ({ label: t.name, description: t.type, detail: t.description })),
    { title: dryRun ? 'Dry run of which task?' : 'Run which task?' },
  );
  return picked?.label;
}
