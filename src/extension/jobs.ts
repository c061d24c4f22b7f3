import * as vscode from 'vscode';
import type { Progress } from '../core/progress';
import { DbPorterError, errorMessage, explainError } from '../core/errors';
import type { Log } from './log';

export type Work<T> = (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<T>;

/**
 * Every long action of the extension runs through here, so that all of them look and behave
 * alike: a cancellable progress notification with the table and rows done, a status-bar item
 * while anything runs, a line in the output channel, and one way to report the end. Cancel fires
 * the AbortSignal the core listens to, which rolls the work back; that is not an error.
 */
export class Jobs implements vscode.Disposable {
  private readonly status = vscode.window.createStatusBarItem('dbporter.job', vscode.StatusBarAlignment.Left, 10);
  private readonly running = new Set<string>();
  /** The abort controllers of the running jobs (cancelAll fires them) and their last progress. */
  private readonly controllers = new Map<AbortController, string>();
  private readonly reported = new Map<string, Progress>();

  constructor(private readonly log: Log) {
    this.status.name = 'DB Porter job';
    this.status.command = 'workbench.action.output.show.extension-output-dbporter.dbporter-#1-DB Porter';
  }

  /** Titles of the jobs running now (the status bar shows them; tests read them). */
  get active(): string[] {
    return [...this.running];
  }

  /** The last progress a running job reported (tests wait for rows to flow before cancelling). */
  progress(title: string): Progress | undefined {
    return this.reported.get(title);
  }

  /**
   * Cancels every running job, as the notification's Cancel button does: their AbortSignals fire
   * and the core rolls their work back. Returns how many were running.
   */
  cancelAll(): number {
    const controllers = [...this.controllers.keys()];
    for (const c of controllers) c.abort();
    return controllers.length;
  }

  /**
   * Runs `work`; resolves to its result, or to undefined when the person cancelled. An error is
   * logged, shown, and thrown again for the caller (commands run by tests and tasks see it).
   */
  async run<T>(title: string, work: Work<T>): Promise<T | undefined> {
    this.running.add(title);
    this.show();
    this.log.info(`${title}…`);
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
        const controller = new AbortController();
        this.controllers.set(controller, title);
        token.onCancellationRequested(() => controller.abort());
        let last = '';
        const onProgress = (p: Progress) => {
          this.reported.set(title, p);
          const total = p.rowsTotal !== undefined ? `/${p.rowsTotal.toLocaleString('en-US')}` : '';
          const message = `${p.table}: ${p.rowsDone.toLocaleString('en-US')}${total} rows`;
          if (message !== last) progress.report({ message: (last = message) });
        };
        return work(controller.signal, onProgress).finally(() => this.controllers.delete(controller));
      });
    } catch (thrown) {
      const err = explainError(thrown);
      if (err instanceof DbPorterError && err.code === 'CANCELLED') {
        this.log.info(`${title}: cancelled; nothing was written.`);
        void vscode.window.showInformationMessage(`${title}: cancelled; nothing was written.`);
        return undefined;
      }
      const message = errorMessage(err);
      this.log.error(`${title} failed: ${message}`);
      void vscode.window.showErrorMessage(`DB Porter: ${message}`);
      throw err;
    } finally {
      this.running.delete(title);
      this.reported.delete(title);
      this.show();
    }
  }

  private show(): void {
    const titles = [...this.running];
    if (!titles.length) return void this.status.hide();
    this.status.text = `$(sync~spin) ${titles.length === 1 ? titles[0] : `${titles.length} DB Porter jobs`}`;
    this.status.tooltip = titles.join('\n');
    this.status.show();
  }

  dispose(): void {
    this.status.dispose();
  }
}
