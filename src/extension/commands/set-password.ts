import * as vscode from 'vscode';
import { engineOf } from '../../core/url';
import { DatabaseItem } from '../databases-tree';
import { editConfigFile, passwordPart, withSecretPassword } from '../config-file';
import { secretNameFor } from '../secrets';
import type { Services } from '../services';
import { badArgument, pickDatabase } from './prompts';

/** Arguments of "DB Porter: Set Password" (dbporter.setPassword) for running it without prompts. */
export interface SetPasswordArgs {
  /** A database of dbporter.config.json. */
  database?: string;
  /** The password to store (asked for, masked, when absent). */
  password?: string;
  /**
   * When the database's URL does not take its password from `${secret:…}` yet: true rewrites the
   * URL in dbporter.config.json to refer to the stored one, false leaves the file alone (when
   * absent, the person is asked).
   */
  rewrite?: boolean;
}

export interface SetPasswordOutcome {
  database: string;
  /** The name the password is stored under: the config refers to it as ${secret:NAME}. */
  secret: string;
  /** Whether the config's URL now refers to it (it did already, or it was rewritten). */
  referenced: boolean;
}

/**
 * DB Porter: Set Password — stores a database's password in VS Code's SecretStorage, never in the
 * config file. The URL refers to it as `${secret:NAME}`: an existing reference names where it goes;
 * otherwise it goes under a name made from the folder and the database, and the command offers to
 * rewrite the URL to refer to it (which also takes a password written in the URL out of the file).
 */
export async function setPasswordCommand(services: Services, arg?: SetPasswordArgs | DatabaseItem): Promise<SetPasswordOutcome | undefined> {
  const { config, log, secrets, databases } = services;
  const args: SetPasswordArgs = arg instanceof DatabaseItem ? { database: arg.database } : { ...arg };
  const database = args.database ?? (await pickDatabase(config, 'Set the password of which database?'));
  if (!database) return undefined;
  const entry = config.config?.config.databases.find((d) => d.name === database);
  if (!entry) badArgument(`"${database}" is not a database in ${config.file ?? 'dbporter.config.json'}; Set Password stores passwords of configured databases.`);
  let engine;
  try {
    engine = engineOf(entry.url);
  } catch {
    engine = undefined;
  }
  if (engine === 'sqlite') {
    void vscode.window.showInformationMessage(`DB Porter: ${database} is a SQLite file; it has no password.`);
    return undefined;
  }

  const part = passwordPart(entry.url);
  const name = part.kind === 'reference' && part.source === 'secret' ? part.name : secretNameFor(database, config.file);
  const password =
    args.password ??
    (await vscode.window.showInputBox({
      title: `Password of ${database}`,
      prompt: `Stored in VS Code's secret storage as \${secret:${name}}, never in dbporter.config.json.`,
      password: true,
      ignoreFocusOut: true,
    }));
  if (password === undefined) return undefined;
  await secrets.store(name, password);
  const reference = `\${secret:${name}}`;
  log.info(`Stored the password of ${database} in VS Code's secret storage as ${reference}.`);

  let referenced = part.kind === 'reference' && part.source === 'secret';
  if (!referenced) {
    const now =
      part.kind === 'reference'
        ? `takes its password from \${${part.source}:${part.name}}`
        : part.kind === 'literal'
          ? 'holds its password in dbporter.config.json itself'
          : 'has no password';
    let rewrite = args.rewrite;
    if (rewrite === undefined) {
      const choice = await vscode.window.showInformationMessage(
        `Stored as ${reference}. The URL of ${database} ${now}: rewrite it to use ${reference}?`,
        'Rewrite URL',
        'Copy Reference',
      );
      if (choice === 'Copy Reference') await vscode.env.clipboard.writeText(reference);
      rewrite = choice === 'Rewrite URL';
    }
    if (rewrite) {
      const url = withSecretPassword(entry.url, name);
      await editConfigFile(config, (json) => {
        const db = json.databases?.find((d) => d.name === database);
        if (db) db.url = url;
      });
      referenced = true;
      log.info(`The URL of ${database} in dbporter.config.json now refers to ${reference}.`);
    } else {
      log.info(`The URL of ${database} ${now}; put ${reference} in place of its password to use the stored one.`);
    }
  }
  databases.refresh();
  if (args.password === undefined) void vscode.window.showInformationMessage(`DB Porter: the password of ${database} is stored as ${reference}.`);
  return { database, secret: name, referenced };
}
