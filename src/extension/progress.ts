import * as vscode from 'vscode';
import type { Progress } from '../core/progress';

/**
 * Runs core work in a cancellable progress notification: the table and its rows show as they go,
 * and Cancel fires the AbortSignal the core listens to (which rolls the work back).
 */
export function withCoreProgress<T>(title: string, work: (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    const onProgress = (p: Progress) => {
      const total = p.rowsTotal !== undefined ? `/${p.rowsTotal.toLocaleString('en-US')}` : '';
      progress.report({ message: `${p.table}: ${p.rowsDone.toLocaleString('en-US')}${total} rows` });
    };
    return work(controller.signal, onProgress);
  });
}
