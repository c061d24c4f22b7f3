import * as vscode from 'vscode';
import { DbPorterError } from '../../core/errors';
import type { WorkspaceConfig } from '../workspace-config';

/**
 * What the commands share when they ask a person: which database, and a modal confirmation that
 * an `args.confirm` answers instead (tests, tasks, keybindings).
 */

/** The database named in the args, or one picked from the config (the only one is taken as it is). */
export async function pickDatabase(config: WorkspaceConfig, title: string, options: { exclude?: string; placeHolder?: string } = {}): Promise<string | undefined> {
  const names = config.databaseNames.filter((n) => n !== options.exclude);
  if (!names.length) {
    void vscode.window.showWarningMessage(
      options.exclude ? `DB Porter: dbporter.config.json names no database besides ${options.exclude}.` : 'DB Porter: no databases in dbporter.config.json yet.',
    );
    return undefined;
  }
  if (names.length === 1 && !options.exclude) return names[0];
  return vscode.window.showQuickPick(names, { title, placeHolder: options.placeHolder });
}

/**
 * A modal warning with one action button. `answer` (args.confirm) decides without asking: true
 * goes ahead, false declines. Returns whether to go ahead.
 */
export async function confirmModal(message: string, detail: string, action: string, answer: boolean | undefined): Promise<boolean> {
  if (answer !== undefined) return answer;
  const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, action);
  return choice === action;
}

/**
 * Refuses a bad args object before any work starts: shows the message (as a job shows its errors)
 * and throws it, so that tests and tasks see it too.
 */
export function badArgument(message: string): never {
  void vscode.window.showErrorMessage(`DB Porter: ${message}`);
  throw new DbPorterError('BAD_ARGUMENT', message);
}

/** Checks a value from an args object against the allowed ones. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) badArgument(`Unknown ${what} "${value}". Use one of: ${allowed.join(', ')}.`);
  return value as T;
}
