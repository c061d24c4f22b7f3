import * as vscode from 'vscode';
import { openAdapter } from '../../core/engines';
import { copyDatabase } from '../../core/copy';
import { withSnapshot } from '../../core/backup';
import { LOAD_MODES, type LoadMode, type LoadResult } from '../../core/load';
import { loadSummary } from '../../core/report';
import { DatabaseItem, TableItem } from '../databases-tree';
import type { Services } from '../services';
import { confirmModal, oneOf, pickDatabase } from './prompts';
import { showResult } from './results';
import { reportText } from '../../core/schema/report';

/**
 * Arguments of "DB Porter: Copy To…" (dbporter.copyTo) for running it without prompts. Called with
 * none it asks for the source, the target and the mode; from a database (or a table) in the
 * DATABASES view it takes that as the source (and table).
 */
export interface CopyArgs {
  /** The source: a database of dbporter.config.json (or a connection URL). */
  database?: string;
  /** The target: another database of the config (or a connection URL). */
  target?: string;
  /** Only these tables (default: all). */
  tables?: string[];
  /** merge (default), replace (asks first) or append, as for import. */
  mode?: LoadMode;
  /** Answers the modal confirmation of a replace-mode copy: true goes ahead, false declines. */
  confirm?: boolean;
}

export type CopyOutcome = LoadResult & { database: string; target: string; snapshot: string; report: string };

/**
 * DB Porter: Copy To… — streams tables from one database into another exactly as `dbporter copy`
 * does: a snapshot of the target first, then one atomic copy (cancel rolls it back).
 */
export async function copyCommand(services: Services, arg?: CopyArgs | DatabaseItem | TableItem): Promise<CopyOutcome | undefined> {
  const { config, log, jobs, databases } = services;
  const interactive = arg === undefined || arg instanceof DatabaseItem || arg instanceof TableItem;
  const args: CopyArgs =
    arg instanceof DatabaseItem ? { database: arg.database } : arg instanceof TableItem ? { database: arg.database, tables: [arg.table] } : { ...arg };

  const source = args.database ?? (await pickDatabase(config, 'Copy which database?'));
  if (!source) return undefined;
  const what = args.tables?.length ? `${args.tables.join(', ')} of ${source}` : source;
  const target = args.target ?? (await pickDatabase(config, `Copy ${what} to which database?`, { exclude: source }));
  if (!target) return undefined;
  const mode = args.mode ? oneOf(args.mode, LOAD_MODES, 'copy mode') : interactive ? await pickMode() : 'merge';
  if (!mode) return undefined;
  if (mode === 'replace') {
    const go = await confirmModal(
      `Replace the data of ${target} with ${what}?`,
      `Every table copied is emptied in ${target} first, then filled from ${source}. A snapshot of ${target} is taken first.`,
      'Replace',
      args.confirm,
    );
    if (!go) {
      log.info(`Copy of ${what} to ${target} (replace): not confirmed; nothing was changed.`);
      return undefined;
    }
  }

  await config.ready();
  const result = await jobs.run(`Copying ${what} to ${target}`, async (signal, onProgress) => {
    const from = config.resolve(source);
    const to = config.resolve(target);
    const sourceAdapter = await openAdapter(from.url, from.baseDir);
    try {
      return await withSnapshot(to, 'snapshot-before-import', { signal, onSnapshot: (f) => log.info(`Snapshot of ${to.name} before the copy: ${f}`) }, async () => {
        const targetAdapter = await openAdapter(to.url, to.baseDir);
        try {
          return await copyDatabase(sourceAdapter, targetAdapter, { tables: args.tables, mode, signal, onProgress });
        } finally {
          await targetAdapter.close();
        }
      });
    } finally {
      await sourceAdapter.close();
    }
  });
  if (!result) return undefined;
  const schemaReport = reportText(result.notes, true);
  const report = `${loadSummary(`Copied ${what} to ${target}:`, result, true)}\nThe state before is in ${result.snapshot}.${schemaReport ? `\n${schemaReport}` : ''}`;
  log.info(report);
  databases.refresh();
  showResult(services, report.split('\n')[0], result.notes);
  return { ...result, database: source, target, report };
}

async function pickMode(): Promise<LoadMode | undefined> {
  const items: Array<vscode.QuickPickItem & { mode: LoadMode }> = [
    { label: 'Merge', mode: 'merge', description: 'default', detail: "Insert new rows; rows that collide on a key keep the target's row." },
    { label: 'Replace', mode: 'replace', detail: 'Empty the copied tables in the target first (asks first).' },
    { label: 'Append', mode: 'append', detail: 'Insert; any key collision fails the whole copy.' },
  ];
  return (await vscode.window.showQuickPick(items, { title: 'Copy mode' }))?.mode;
}
