import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Column } from '../core/schema/model';
import { cancelled, errorMessage } from '../core/errors';
import { resolvedRow, type ConflictDetails, type ConflictResolver, type Resolution, type RowObject } from '../core/merge/resolver';
import type { Log } from './log';

/** The read-only left side of a conflict diff: the target's current row. */
export const CURRENT_SCHEME = 'dbporter-conflict';

/** What the person can answer, from the editor title, a CodeLens or a command's args. */
export type ConflictChoice = 'incoming' | 'current' | 'edited';

/** Args of the conflict commands; without them the command acts on the conflict in the active editor. */
export interface ConflictArgs {
  /** Which conflict (ConflictUi.pending lists them); default the one in the active editor. */
  id?: number;
  /** For "apply to the rest of this table": which choice (asked in a quick pick otherwise). */
  choice?: 'incoming' | 'current';
}

interface Pending {
  id: number;
  database: string;
  table: string;
  columns: Column[];
  current: RowObject;
  incoming: RowObject;
  left: vscode.Uri;
  right: vscode.Uri;
  settle: (answer: Resolution | Error) => void;
  /** Set by "apply to the rest of this table". */
  rest?: 'incoming' | 'current';
}

/**
 * Collisions of a merge import, settled by a person in the diff editor. Each colliding row opens
 * as a diff: the target's current row on the left (read-only), the incoming row on the right
 * (editable). The person accepts the incoming row, keeps the current one, accepts the right side
 * as edited (checked against the table's column types first), or applies a choice to every
 * remaining conflict of the table. The import waits; closing the diff without an answer cancels
 * it, and the import rolls back.
 */
export class ConflictUi implements vscode.Disposable, vscode.TextDocumentContentProvider, vscode.CodeLensProvider {
  private readonly pending = new Map<number, Pending>();
  private readonly contents = new Map<string, string>();
  private readonly folder = fs.mkdtempSync(path.join(os.tmpdir(), 'dbporter-conflicts-'));
  private readonly disposables: vscode.Disposable[] = [];
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private next = 1;

  constructor(private readonly log: Log) {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(CURRENT_SCHEME, this),
      vscode.languages.registerCodeLensProvider({ scheme: 'file', pattern: `${this.folder.replace(/\\/g, '/')}/**` }, this),
      vscode.window.tabGroups.onDidChangeTabs((e) => this.closed(e.closed)),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateContext()),
      vscode.commands.registerCommand('dbporter.conflict.acceptIncoming', (args?: ConflictArgs) => this.answer('incoming', args)),
      vscode.commands.registerCommand('dbporter.conflict.keepCurrent', (args?: ConflictArgs) => this.answer('current', args)),
      vscode.commands.registerCommand('dbporter.conflict.acceptEdited', (args?: ConflictArgs) => this.answer('edited', args)),
      vscode.commands.registerCommand('dbporter.conflict.applyToRest', (args?: ConflictArgs) => this.applyToRest(args)),
    );
  }

  /** The conflicts waiting for an answer now (tests and the status bar read them). */
  get waiting(): Array<{ id: number; database: string; table: string; right: vscode.Uri }> {
    return [...this.pending.values()].map(({ id, database, table, right }) => ({ id, database, table, right }));
  }

  /** A resolver for one import into `database`: what Services.askConflicts hands out. */
  resolverFor(database: string): ConflictResolver {
    // "Apply to the rest of this table" lasts for one import.
    const rest = new Map<string, 'incoming' | 'current'>();
    return {
      resolve: (table, current, incoming, details) => {
        const remembered = rest.get(table);
        if (remembered) return remembered === 'incoming' ? 'incoming' : 'target';
        return this.ask(database, table, current, incoming, details, (choice) => rest.set(table, choice));
      },
    };
  }

  private async ask(
    database: string,
    table: string,
    current: RowObject,
    incoming: RowObject,
    details: ConflictDetails,
    remember: (choice: 'incoming' | 'current') => void,
  ): Promise<Resolution> {
    const id = this.next++;
    const left = vscode.Uri.from({ scheme: CURRENT_SCHEME, path: `/${id}/${table} (current).json` });
    this.contents.set(left.toString(), JSON.stringify(current, null, 2) + '\n');
    const right = vscode.Uri.file(path.join(this.folder, String(id), `${safe(table)} (incoming).json`));
    fs.mkdirSync(path.dirname(right.fsPath), { recursive: true });
    fs.writeFileSync(right.fsPath, JSON.stringify(incoming, null, 2) + '\n');

    const answer = new Promise<Resolution | Error>((settle) => {
      this.pending.set(id, { id, database, table, columns: details.columns, current, incoming, left, right, settle });
    });
    this.lensesChanged.fire();
    await vscode.commands.executeCommand('vscode.diff', left, right, `${database} · ${table}: current ↔ incoming (conflict ${id})`, { preview: false });
    this.updateContext();
    this.log.info(`Conflict ${id} in ${database}.${table}: waiting for an answer in the diff editor`);
    const result = await answer;
    const rest = this.pending.get(id)?.rest;
    await this.close(id);
    if (result instanceof Error) throw result;
    if (rest) remember(rest);
    return result;
  }

  private async answer(choice: ConflictChoice, args?: ConflictArgs): Promise<boolean> {
    const conflict = this.find(args);
    if (!conflict) {
      void vscode.window.showWarningMessage('DB Porter: no conflict is waiting in this editor.');
      return false;
    }
    if (choice === 'incoming') conflict.settle('incoming');
    else if (choice === 'current') conflict.settle('target');
    else {
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === conflict.right.toString());
      const text = document ? document.getText() : fs.readFileSync(conflict.right.fsPath, 'utf8');
      const row = this.checkEdited(conflict, text);
      if (!row) return false; // the problem is shown; the conflict stays open
      conflict.settle({ row });
    }
    this.log.info(`Conflict ${conflict.id} in ${conflict.database}.${conflict.table}: ${choice === 'edited' ? 'edited right side accepted' : choice === 'incoming' ? 'incoming row accepted' : 'current row kept'}`);
    return true;
  }

  /** The edited right side as a row, or undefined after telling the person what is wrong. */
  private checkEdited(conflict: Pending, text: string): RowObject | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      void vscode.window.showErrorMessage(`DB Porter: the edited row of ${conflict.table} is not valid JSON (${errorMessage(err)}). Fix it, then accept again.`);
      return undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      void vscode.window.showErrorMessage(`DB Porter: the edited row of ${conflict.table} must be one JSON object, column name to value.`);
      return undefined;
    }
    try {
      const values = (o: RowObject) => conflict.columns.map((c) => o[c.name] ?? null);
      resolvedRow(conflict.table, conflict.columns, values(conflict.current), values(conflict.incoming), { row: parsed as RowObject });
      return parsed as RowObject;
    } catch (err) {
      void vscode.window.showErrorMessage(`DB Porter: ${errorMessage(err)} Fix it, then accept again.`);
      return undefined;
    }
  }

  private async applyToRest(args?: ConflictArgs): Promise<boolean> {
    const conflict = this.find(args);
    if (!conflict) {
      void vscode.window.showWarningMessage('DB Porter: no conflict is waiting in this editor.');
      return false;
    }
    const choice =
      args?.choice ??
      (
        await vscode.window.showQuickPick(
          [
            { label: 'Accept Incoming', description: `for this and every remaining conflict of ${conflict.table}`, value: 'incoming' as const },
            { label: 'Keep Current', description: `for this and every remaining conflict of ${conflict.table}`, value: 'current' as const },
          ],
          { title: `Apply to the remaining conflicts of ${conflict.table}` },
        )
      )?.value;
    if (!choice) return false;
    conflict.rest = choice;
    return this.answer(choice, { id: conflict.id });
  }

  private find(args?: ConflictArgs): Pending | undefined {
    if (args?.id !== undefined) return this.pending.get(args.id);
    const active = vscode.window.activeTextEditor?.document.uri.toString();
    const byEditor = [...this.pending.values()].find((p) => p.right.toString() === active || p.left.toString() === active);
    if (byEditor) return byEditor;
    // A single waiting conflict is the one meant, wherever the focus is.
    return this.pending.size === 1 ? [...this.pending.values()][0] : undefined;
  }

  /** A diff closed by the person, unanswered: the import is cancelled and rolls back. */
  private closed(tabs: readonly vscode.Tab[]): void {
    for (const tab of tabs) {
      if (!(tab.input instanceof vscode.TabInputTextDiff)) continue;
      const right = tab.input.modified.toString();
      const conflict = [...this.pending.values()].find((p) => p.right.toString() === right);
      if (!conflict) continue;
      this.log.info(`Conflict ${conflict.id} in ${conflict.database}.${conflict.table}: diff closed without an answer; the import is cancelled`);
      conflict.settle(cancelled());
    }
  }

  private async close(id: number): Promise<void> {
    const conflict = this.pending.get(id);
    if (!conflict) return;
    this.pending.delete(id);
    this.contents.delete(conflict.left.toString());
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === conflict.right.toString());
    // Saved, so that closing the tab does not ask about unsaved edits; the file is thrown away next.
    if (document?.isDirty) await document.save();
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === conflict.right.toString());
    if (tabs.length) await vscode.window.tabGroups.close(tabs);
    fs.rmSync(path.dirname(conflict.right.fsPath), { recursive: true, force: true });
    this.lensesChanged.fire();
    this.updateContext();
  }

  private updateContext(): void {
    const active = vscode.window.activeTextEditor?.document.uri.toString();
    const inConflict = [...this.pending.values()].some((p) => p.right.toString() === active || p.left.toString() === active);
    void vscode.commands.executeCommand('setContext', 'dbporter.conflictActive', inConflict);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '// This conflict has been settled.\n';
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const conflict = [...this.pending.values()].find((p) => p.right.toString() === document.uri.toString());
    if (!conflict) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const args: ConflictArgs = { id: conflict.id };
    return [
      new vscode.CodeLens(top, { title: 'Accept Incoming', command: 'dbporter.conflict.acceptIncoming', arguments: [args] }),
      new vscode.CodeLens(top, { title: 'Keep Current', command: 'dbporter.conflict.keepCurrent', arguments: [args] }),
      new vscode.CodeLens(top, { title: 'Accept Edited Right Side', command: 'dbporter.conflict.acceptEdited', arguments: [args] }),
      new vscode.CodeLens(top, { title: `Apply to Remaining Conflicts of ${conflict.table}…`, command: 'dbporter.conflict.applyToRest', arguments: [args] }),
    ];
  }

  dispose(): void {
    for (const conflict of this.pending.values()) conflict.settle(cancelled());
    this.disposables.forEach((d) => d.dispose());
    this.lensesChanged.dispose();
    fs.rmSync(this.folder, { recursive: true, force: true });
  }
}

function safe(name: string): string {
  return name.replace(/[^\w.-]+/g, '_');
}
