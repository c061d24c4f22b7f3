import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ImportOptions } from '../../core/import';
import { importFile, type ImportFileResult } from '../../core/import-file';
import { STRATEGY_HELP, STRATEGY_PATTERN, strategiesFrom } from '../../core/merge/strategy';
import { LOAD_MODES, type LoadMode } from '../../core/load';
import { dryRunReport, loadSummary } from '../../core/report';
import { dumpHeaderOf } from '../../core/import-file';
import { sqlCarriedBy } from '../../core/schema/adapt';
import { reportText } from '../../core/schema/report';
import { showResult } from './results';
import { DatabaseItem } from '../databases-tree';
import type { Services } from '../services';
import { badArgument, confirmModal, oneOf, pickDatabase } from './prompts';

/** The conflict "strategy" that asks the person, one diff editor per colliding row (the default in VS Code). */
export const ASK = 'ask';

/**
 * Arguments of "DB Porter: Import Into…" (dbporter.importInto) for running it without prompts
 * (tests, tasks, keybindings). Called with none, or from a database in the DATABASES view, it asks
 * for what is missing; with an args object it asks only for a missing database or file.
 */
export interface ImportArgs {
  /** The target: a database of dbporter.config.json (or a connection URL, as --database-url). */
  database?: string;
  /** The dump: .json, .ndjson / .jsonl, or a .zip export (rows and their files); relative to the workspace folder. */
  file?: string;
  /** merge (default), replace (asks first: it empties the dump's tables) or append. */
  mode?: LoadMode;
  /**
   * Merge mode only: how collisions are settled. "ask" (the default) asks for each colliding row
   * in a diff editor where that is available, and otherwise keeps the target's row (or does what
   * the database's onConflict in the config says); or strategies as for `--on-conflict`: "keep",
   * "take", "later:updated_at", "tasks=take", ... (several as an array).
   */
  onConflict?: string | string[];
  /** Report per table what would be inserted, merged and skipped; write nothing. */
  dryRun?: boolean;
  /** Answers the modal confirmation of a replace-mode import: true goes ahead, false declines. */
  confirm?: boolean;
  /** The label the import ledger records the rows under (default: the file's name). */
  label?: string;
  /** Also import the ledger rows the dump carries (`--keep-import-metadata`). */
  keepImportMetadata?: boolean;
  /**
   * Run the SQL the dump carries (views, triggers, functions, expressions), as `--trust-dump`.
   * Asked (showing what it is) when the dump carries any and this is not given; false without asking.
   */
  trustDump?: boolean;
}

export type ImportOutcome = ImportFileResult & {
  database: string;
  file: string;
  /** The snapshot taken before the import (absent for a dry run). */
  snapshot?: string;
  /** The report shown in the output channel. */
  report: string;
};

/**
 * DB Porter: Import Into… — reads a dump into a database exactly as `dbporter import` does: a
 * snapshot of the target first, then one atomic import (cancel rolls it back), a zip's files put in
 * place only once its rows are in. Resolves to the outcome, or to undefined when the person
 * stopped it (a prompt dismissed, the confirmation declined, the progress cancelled).
 */
export async function importCommand(services: Services, arg?: ImportArgs | DatabaseItem): Promise<ImportOutcome | undefined> {
  const { config, log, jobs, databases } = services;
  const interactive = arg === undefined || arg instanceof DatabaseItem;
  const args: ImportArgs = arg instanceof DatabaseItem ? { database: arg.database } : { ...arg };

  const database = args.database ?? (await pickDatabase(config, 'Import into which database?'));
  if (!database) return undefined;
  const picked = args.file ?? (await pickDump(config.file, database));
  if (!picked) return undefined;
  // Relative to the workspace folder (keybindings and tasks give paths without ${workspaceFolder} there).
  const file = config.file ? path.resolve(path.dirname(config.file), picked) : path.resolve(picked);
  const mode = args.mode ? oneOf(args.mode, LOAD_MODES, 'import mode') : interactive ? await pickMode() : 'merge';
  if (!mode) return undefined;
  let onConflict = args.onConflict === undefined ? undefined : ([] as string[]).concat(args.onConflict);
  if (onConflict && mode !== 'merge') {
    badArgument(`onConflict settles collisions in merge mode; mode ${mode} does not merge.`);
  }
  if (mode === 'merge' && !onConflict && interactive) {
    const picked = await pickStrategy(services, database);
    if (!picked) return undefined;
    onConflict = picked;
  }
  onConflict ??= [ASK];
  const dryRun = args.dryRun ?? (interactive ? await pickDryRun() : false);
  if (dryRun === undefined) return undefined;

  const name = path.basename(file);
  await config.ready();
  const trustDump = args.trustDump ?? (interactive ? await askTrust(services, database, file) : false);
  if (trustDump === undefined) return undefined;
  if (mode === 'replace' && !dryRun) {
    const go = await confirmModal(
      `Replace the data of ${database} with ${name}?`,
      `Every table the dump holds is emptied first, then filled with the dump's rows. A snapshot of ${database} is taken first.`,
      'Replace',
      args.confirm,
    );
    if (!go) {
      log.info(`Import of ${file} into ${database} (replace): not confirmed; nothing was changed.`);
      return undefined;
    }
  }

  const outcome = await jobs.run(`${dryRun ? 'Dry run: importing' : 'Importing'} ${name} into ${database}`, async (signal, onProgress) => {
    const db = config.resolve(database);
    const asking = onConflict.includes(ASK);
    // A dry run only counts: it settles collisions by the strategies instead of asking for each.
    const resolver = asking && !dryRun ? services.askConflicts?.(database) : undefined;
    const strategies = strategiesFrom(
      db.entry?.onConflict,
      onConflict.filter((s) => s !== ASK),
    );
    const options: Omit<ImportOptions, 'format'> = {
      mode,
      merge: { strategies, resolver, creationColumns: db.entry?.creationColumns, updateColumns: db.entry?.updateColumns },
      dryRun,
      ledger: { label: args.label ?? (name.replace(/\.(ndjson|jsonl|json|zip)$/i, '') || 'import'), sourceFile: name },
      keepImportMetadata: args.keepImportMetadata,
      trustDump,
      signal,
      onProgress,
    };
    return importFile(db, file, { ...options, onSnapshot: (f) => log.info(`Snapshot of ${db.name} before the import: ${f}`) });
  });
  if (!outcome) return undefined;

  const lines = [dryRun ? dryRunReport(outcome) : loadSummary(`Imported ${name}:`, outcome, true)];
  if (dryRun && onConflict.includes(ASK) && services.askConflicts && mode === 'merge') {
    lines.push('Collisions were counted as the strategies settle them (keep by default); the import itself asks for each.');
  }
  if ('files' in outcome && !dryRun) lines.push(`Put ${outcome.files} files in place${outcome.filesKept ? `, kept ${outcome.filesKept} that were there already` : ''}.`);
  if (outcome.snapshot) lines.push(`The state before is in ${outcome.snapshot}.`);
  const schemaReport = reportText(outcome.notes, true);
  if (schemaReport) lines.push(schemaReport);
  const report = lines.join('\n');
  log.info(report);
  if (dryRun) {
    log.channel.show(true);
  } else {
    databases.refresh();
  }
  showResult(services, report.split('\n')[0], outcome.notes);
  return { ...outcome, database, file, report };
}

/**
 * Asks whether to run the SQL a dump carries, showing what it is; undefined when the person
 * closed the question. A dump without SQL asks nothing.
 */
async function askTrust(services: Services, database: string, file: string): Promise<boolean | undefined> {
  const header = await dumpHeaderOf(services.config.resolve(database), file, undefined).catch(() => undefined);
  // A dump whose header cannot be read fails in the import itself, with its error.
  const carried = header ? sqlCarriedBy(header.schema) : [];
  if (!carried.length) return false;
  const counts = new Map<string, number>();
  for (const c of carried) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  const summary = [...counts].map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`).join(', ');
  const shown = carried.slice(0, 12).map((c) => `• ${c.kind} ${c.table && c.table !== c.name ? `${c.table}.` : ''}${c.name.length > 60 ? `${c.name.slice(0, 57)}…` : c.name}`);
  const more = carried.length > shown.length ? [`… and ${carried.length - shown.length} more`] : [];
  const run = 'Run Its SQL';
  const without = 'Import Without It';
  const picked = await vscode.window.showWarningMessage(
    `${path.basename(file)} carries SQL: ${summary}.`,
    {
      modal: true,
      detail: [
        `It would run with your rights on ${database}. Run it only if you trust where the dump came from; without it, the tables and rows are imported and these are reported as not carried.`,
        '',
        ...shown,
        ...more,
      ].join('\n'),
    },
    run,
    without,
  );
  return picked === run ? true : picked === without ? false : undefined;
}

async function pickDump(configFile: string | undefined, database: string): Promise<string | undefined> {
  const uris = await vscode.window.showOpenDialog({
    title: `Import into ${database}`,
    openLabel: 'Import',
    canSelectMany: false,
    defaultUri: configFile ? vscode.Uri.file(path.dirname(configFile)) : undefined,
    filters: { 'DB Porter dumps': ['json', 'ndjson', 'jsonl', 'zip'] },
  });
  return uris?.[0]?.fsPath;
}

async function pickMode(): Promise<LoadMode | undefined> {
  const items: Array<vscode.QuickPickItem & { mode: LoadMode }> = [
    { label: 'Merge', mode: 'merge', description: 'default', detail: 'Insert new rows; rows that collide on a key are merged with the existing ones.' },
    { label: 'Replace', mode: 'replace', detail: "Empty the dump's tables first, then fill them (asks first)." },
    { label: 'Append', mode: 'append', detail: 'Insert; any key collision fails the whole import.' },
  ];
  return (await vscode.window.showQuickPick(items, { title: 'Import mode' }))?.mode;
}

async function pickStrategy(services: Services, database: string): Promise<string[] | undefined> {
  const configured = services.config.config?.config.databases.find((d) => d.name === database)?.onConflict;
  const describe = configured ? Object.entries(configured).map(([t, s]) => `${t}: ${s}`).join(', ') : undefined;
  const items: Array<vscode.QuickPickItem & { value?: string[] }> = [];
  if (services.askConflicts) items.push({ label: 'Ask me', value: [ASK], detail: 'Open each colliding row in a diff editor: current on the left, incoming on the right.' });
  items.push(
    configured
      ? { label: 'As configured', value: [], detail: `The database's onConflict in dbporter.config.json: ${describe}.` }
      : { label: 'Keep existing rows', value: ['keep'], detail: "A colliding row leaves the target's row as it is." },
    { label: 'Take incoming rows', value: ['take'], detail: "A colliding row overwrites the target's row (its primary key stays)." },
    { label: 'By a column…', detail: 'The row with the earlier, later, smaller or larger value of a column wins.' },
  );
  const picked = await vscode.window.showQuickPick(items, { title: 'When an incoming row collides with an existing one' });
  if (!picked) return undefined;
  if (picked.value) return picked.value;
  const typed = await vscode.window.showInputBox({
    title: 'Merge strategy',
    prompt: `${STRATEGY_HELP}; per table as TABLE=STRATEGY, several separated by spaces`,
    value: 'later:updated_at',
    validateInput: (v) => (v.trim().split(/\s+/).every((s) => STRATEGY_PATTERN.test(s.replace(/^[^=:]+=/, ''))) ? undefined : `Use ${STRATEGY_HELP}.`),
  });
  return typed?.trim().split(/\s+/);
}

async function pickDryRun(): Promise<boolean | undefined> {
  const items = [
    { label: 'Import', dryRun: false },
    { label: 'Dry run', dryRun: true, detail: 'Report per table what would be inserted, merged and skipped; write nothing.' },
  ];
  return (await vscode.window.showQuickPick(items, { title: 'Import now, or see what it would do first?' }))?.dryRun;
}
