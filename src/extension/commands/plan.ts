import * as path from 'node:path';
import * as vscode from 'vscode';
import { planCopy } from '../../core/copy-into';
import { openAdapter } from '../../core/engines';
import { planImportFile } from '../../core/import-file';
import { LOAD_MODES, type LoadMode } from '../../core/load';
import { planText, type LoadPlan } from '../../core/plan';
import { DatabaseItem, TableItem } from '../databases-tree';
import type { Services } from '../services';
import { oneOf, pickDatabase } from './prompts';

/**
 * Arguments of "DB Porter: Preview Plan…" (dbporter.previewPlan): the plan of an import (`file`
 * into `database`) or of a copy (`database` into `target`), as `--plan` prints it. Called with none,
 * or from the DATABASES view, it asks.
 */
export interface PlanArgs {
  /** The database an import goes into, or a copy comes from. */
  database?: string;
  /** An import's dump: .json, .ndjson, .zip; relative to the workspace folder. */
  file?: string;
  /** A copy's target database. */
  target?: string;
  /** A copy's tables (default: all). */
  tables?: string[];
  mode?: LoadMode;
  /** Plan an import as with --trust-dump: the dump's SQL would run. */
  trustDump?: boolean;
}

export interface PlanOutcome {
  plan: LoadPlan;
  document: vscode.TextDocument;
}

/**
 * DB Porter: Preview Plan… — reads both sides and opens the plan in an editor: what would be
 * created, each column's type in both databases, the DDL, and what would be adapted or not
 * carried. Nothing is written and no snapshot is taken.
 */
export async function previewPlanCommand(services: Services, arg?: PlanArgs | DatabaseItem | TableItem): Promise<PlanOutcome | undefined> {
  const { config, jobs } = services;
  const args: PlanArgs = arg instanceof DatabaseItem ? { database: arg.database } : arg instanceof TableItem ? { database: arg.database, tables: [arg.table] } : { ...arg };
  const kind = args.file ? 'import' : args.target ? 'copy' : await pickKind(args.tables !== undefined);
  if (!kind) return undefined;
  const database = args.database ?? (await pickDatabase(config, kind === 'import' ? 'Import into which database?' : 'Copy which database?'));
  if (!database) return undefined;
  const mode = args.mode ? oneOf(args.mode, LOAD_MODES, 'mode') : 'merge';
  await config.ready();
  let plan: LoadPlan | undefined;
  if (kind === 'import') {
    const picked = args.file ?? (await pickDumpFile(config.file, database));
    if (!picked) return undefined;
    const file = config.file ? path.resolve(path.dirname(config.file), picked) : path.resolve(picked);
    plan = await jobs.run(`Planning the import of ${path.basename(file)} into ${database}`, () =>
      planImportFile(config.resolve(database), file, { mode, trustDump: args.trustDump }),
    );
  } else {
    const target = args.target ?? (await pickDatabase(config, `Copy ${database} to which database?`, { exclude: database }));
    if (!target) return undefined;
    plan = await jobs.run(`Planning the copy of ${database} to ${target}`, async () => {
      const from = config.resolve(database);
      const source = await openAdapter(from.url, from.baseDir);
      try {
        return await planCopy(source, config.resolve(target), { tables: args.tables, mode });
      } finally {
        await source.close();
      }
    });
  }
  if (!plan) return undefined;
  const document = await vscode.workspace.openTextDocument({ content: planText(plan), language: 'plaintext' });
  await vscode.window.showTextDocument(document, { preview: false });
  return { plan, document };
}

async function pickKind(tablesGiven: boolean): Promise<'import' | 'copy' | undefined> {
  if (tablesGiven) return 'copy';
  const items: Array<vscode.QuickPickItem & { choice: 'import' | 'copy' }> = [
    { label: 'Import a dump…', choice: 'import', detail: 'What importing a .json, .ndjson or .zip dump into this database would create and adapt.' },
    { label: 'Copy to another database…', choice: 'copy', detail: 'What copying this database into another would create and adapt.' },
  ];
  return (await vscode.window.showQuickPick(items, { title: 'Preview the plan of' }))?.choice;
}

async function pickDumpFile(configFile: string | undefined, database: string): Promise<string | undefined> {
  const uris = await vscode.window.showOpenDialog({
    title: `Plan an import into ${database}`,
    openLabel: 'Preview Plan',
    canSelectMany: false,
    defaultUri: configFile ? vscode.Uri.file(path.dirname(configFile)) : undefined,
    filters: { 'DB Porter dumps': ['json', 'ndjson', 'jsonl', 'zip'] },
  });
  return uris?.[0]?.fsPath;
}
