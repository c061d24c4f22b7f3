import * as vscode from 'vscode';
import { withAdapter } from '../../core/engines';
import { errorMessage } from '../../core/errors';
import { DatabaseItem } from '../databases-tree';
import type { Services } from '../services';
import { pickDatabase } from './prompts';

/** Arguments of "DB Porter: Test Connection" (dbporter.testConnection). */
export interface TestConnectionArgs {
  /** A database of dbporter.config.json. */
  database?: string;
}

export interface ConnectionOutcome {
  database: string;
  connected: boolean;
  /** What it found ("sqlite:/…/app.db, 11 tables"), or why it could not connect. */
  detail: string;
}

/**
 * DB Porter: Test Connection — connects the way every other command does (the config's URL with its
 * ${env:…} and ${secret:…} references resolved), reads the list of tables, and shows the result in
 * the DATABASES tree (connected / unreachable, the reason in the tooltip) and in a message.
 * Not reaching the database is a result here, not an error.
 */
export async function testConnectionCommand(services: Services, arg?: TestConnectionArgs | DatabaseItem): Promise<ConnectionOutcome | undefined> {
  const { config, log, jobs, databases } = services;
  const database = (arg instanceof DatabaseItem ? arg.database : arg?.database) ?? (await pickDatabase(config, 'Test the connection to which database?'));
  if (!database) return undefined;
  await config.ready();
  const outcome = await jobs.run(`Connecting to ${database}`, async (): Promise<ConnectionOutcome> => {
    try {
      const db = config.resolve(database);
      const found = await withAdapter(db.url, async (adapter) => `${adapter.description}, ${(await adapter.introspect()).tables.length} tables`, db.baseDir);
      return { database, connected: true, detail: found };
    } catch (err) {
      return { database, connected: false, detail: errorMessage(err) };
    }
  });
  if (!outcome) return undefined;
  databases.setConnection(database, { connected: outcome.connected, detail: outcome.detail });
  if (outcome.connected) {
    log.info(`Connected to ${database}: ${outcome.detail}`);
    void vscode.window.showInformationMessage(`DB Porter: connected to ${database} (${outcome.detail}).`);
  } else {
    log.error(`Cannot connect to ${database}: ${outcome.detail}`);
    void vscode.window.showWarningMessage(`DB Porter: cannot connect to ${database}. ${outcome.detail}`);
  }
  return outcome;
}
