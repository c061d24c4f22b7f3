import * as path from 'node:path';
import * as vscode from 'vscode';
import { AtomicWriteStream } from '../../core/atomic-file';
import { openAdapter } from '../../core/engines';
import { exportDatabase, type ExportResult } from '../../core/export';
import { formatFromPath, type DumpFormat } from '../../core/dump/format';
import { DatabaseItem, TableItem } from '../databases-tree';
import type { Services } from '../services';
import type { WorkspaceConfig } from '../workspace-config';

/** Arguments for running the command without prompts (tasks, keybindings, tests). */
export interface ExportArgs {
  database?: string;
  destination?: string;
  format?: DumpFormat;
  tables?: string[];
  indent?: number;
  /** Open the dump in an editor afterwards (default true). */
  open?: boolean;
}

export interface ExportOutcome extends ExportResult {
  file: string;
}

/**
 * DB Porter: Export Database… — from the palette it asks for the database and the file; from the
 * DATABASES view it takes the clicked database (or table); with arguments it asks nothing.
 */
export async function exportCommand({ config, log, jobs }: Services, arg?: ExportArgs | DatabaseItem | TableItem): Promise<ExportOutcome | undefined> {
  const args: ExportArgs =
    arg instanceof DatabaseItem ? { database: arg.database } : arg instanceof TableItem ? { database: arg.database, tables: [arg.table] } : { ...arg };

  const database = args.database ?? (await pickDatabase(config));
  if (!database) return undefined;
  const destination = args.destination ?? (await pickDestination(config, database, args.format ?? 'json'));
  if (!destination) return undefined;
  const format = args.format ?? formatFromPath(destination);
  await config.ready();

  const result = await jobs.run(`Exporting ${database}`, async (signal, onProgress) => {
      const { url, baseDir } = config.resolve(database);
      const adapter = await openAdapter(url, baseDir);
      const out = new AtomicWriteStream(destination);
      try {
        const r = await exportDatabase(adapter, out.stream, { format, tables: args.tables, indent: args.indent, signal, onProgress });
        await out.commit();
        return r;
      } catch (err) {
        await out.abort();
        throw err;
      } finally {
        await adapter.close();
      }
    });
  if (!result) return undefined;
  log.info(`Exported ${result.rows} rows from ${result.tables.length} tables of ${database} to ${destination} (${format}, ${result.durationMs} ms)`);
  if (args.open !== false) await vscode.window.showTextDocument(vscode.Uri.file(destination), { preview: false });
  return { ...result, file: destination };
}

async function pickDatabase(config: WorkspaceConfig): Promise<string | undefined> {
  const names = config.databaseNames;
  if (!names.length) {
    void vscode.window.showWarningMessage('DB Porter: no databases in dbporter.config.json yet. Add one to export it.');
    return undefined;
  }
  if (names.length === 1) return names[0];
  return vscode.window.showQuickPick(names, { title: 'Export which database?' });
}

async function pickDestination(config: WorkspaceConfig, database: string, format: DumpFormat): Promise<string | undefined> {
  const folder = config.file ? path.dirname(config.file) : undefined;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const uri = await vscode.window.showSaveDialog({
    title: `Export ${database} to`,
    defaultUri: folder ? vscode.Uri.file(path.join(folder, `${database}-${stamp}.${format}`)) : undefined,
    filters: { 'JSON dump': ['json'], 'NDJSON dump': ['ndjson', 'jsonl'] },
  });
  return uri?.fsPath;
}
