import * as vscode from 'vscode';

/**
 * A modal question before something that replaces or deletes data. `given` is the answer a caller
 * passed in its arguments (`confirm: true` from tests, keybindings and scripts): then nobody is asked.
 */
export async function confirmModal(question: string, action: string, given?: boolean): Promise<boolean> {
  if (given !== undefined) return given;
  return (await vscode.window.showWarningMessage(question, { modal: true }, action)) === action;
}
