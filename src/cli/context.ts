import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as readline from 'node:readline';
import { CONFIG_FILE, loadConfig, resolveDatabase, type LoadedConfig, type ResolvedDatabase } from '../core/config';
import { DbPorterError } from '../core/errors';
import { openAdapter } from '../core/engines';
import type { Adapter } from '../core/engines/adapter';
import { ProgressReporter } from './progress';

/** What every command gets: the config, a cancel signal, and where to talk. */
export interface CliContext {
  signal: AbortSignal;
  log(message: string): void;
}

/** Options every command takes. */
export const COMMON_OPTIONS = {
  config: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** Parses a command's arguments; the tokens say where each positional stood (export --id 1 2 3 needs it). */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    throw new DbPorterError('BAD_ARGUMENT', `${(err as Error).message}\n\n${usage}`);
  }
}

export function configFrom(option: string | undefined): LoadedConfig | undefined {
  if (option) {
    const loaded = loadConfig(option);
    if (!loaded) throw new DbPorterError('CONFIG_NOT_FOUND', `No config file at ${path.resolve(option)}.`);
    return loaded;
  }
  return loadConfig(path.resolve(CONFIG_FILE));
}

/** Opens the database that a --database-url value (URL or config name) or DATABASE_URL names. */
export async function openDatabase(nameOrUrl: string | undefined, config: LoadedConfig | undefined): Promise<Adapter> {
  return openResolved(resolveDatabase(nameOrUrl, config));
}

export function openResolved(db: ResolvedDatabase): Promise<Adapter> {
  return openAdapter(db.url, db.baseDir);
}

/** Asks on a terminal; without one, the caller must have said --yes. */
export async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) {
    throw new DbPorterError('BAD_ARGUMENT', `${question} There is no terminal to ask on; add --yes to go ahead.`);
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new DbPorterError('CANCELLED', 'Nothing was changed.');
}

export function reporter(verbose: boolean | undefined): ProgressReporter {
  return new ProgressReporter(process.stderr, Boolean(verbose));
}
