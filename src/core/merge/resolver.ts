import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Column, Row } from '../schema/model';
import { DbPorterError, errorMessage } from '../errors';
import { portableValue, ValueProblem } from '../values';

/** A row as a resolver sees it: column name to portable value (the dump's encoding, docs/dump-format.md). */
export type RowObject = Record<string, unknown>;

/**
 * What a resolver answers for one collision: keep the target's row, take the incoming one, or a
 * row of its own (columns it leaves out keep the incoming values). Whatever it answers, the merged
 * row keeps the target's primary key.
 */
export type Resolution = 'target' | 'incoming' | { row: RowObject };

/**
 * The interface of --conflict-resolver modules, and of the VS Code diff resolution: asked once
 * per colliding row, in load order, and awaited, so it may ask a person. Throwing cancels the
 * import and leaves the target as it was.
 *
 *   module.exports = class {
 *     async resolve(table, targetRow, incomingRow) {
 *       return incomingRow.updated_at > targetRow.updated_at ? 'incoming' : 'target';
 *     }
 *   };
 */
export interface ConflictResolver {
  resolve(table: string, targetRow: RowObject, incomingRow: RowObject, details: ConflictDetails): Resolution | Promise<Resolution>;
}

/** What else a resolver may want to know: the columns, in the rows' order, with their types. */
export interface ConflictDetails {
  columns: Column[];
}

export function rowObject(columns: Column[], row: Row): RowObject {
  const o: RowObject = {};
  columns.forEach((c, i) => (o[c.name] = row[i]));
  return o;
}

/** A resolver's answer as a row of `columns`, checked against the table's types. */
export function resolvedRow(table: string, columns: Column[], target: Row, incoming: Row, answer: Resolution): Row {
  if (answer === 'target') return target;
  if (answer === 'incoming') return incoming;
  if (!answer || typeof answer !== 'object' || !answer.row || typeof answer.row !== 'object') {
    throw new DbPorterError('BAD_ARGUMENT', `The conflict resolver answered ${JSON.stringify(answer)} for table "${table}"; it must answer "target", "incoming" or { row: {...} }.`);
  }
  const known = new Set(columns.map((c) => c.name));
  const unknown = Object.keys(answer.row).find((k) => !known.has(k));
  if (unknown) throw new DbPorterError('UNKNOWN_COLUMN', `The conflict resolver's row for table "${table}" has a column "${unknown}" that the table does not have.`);
  return columns.map((c, i) => {
    if (!(c.name in answer.row)) return incoming[i];
    try {
      return portableValue(c, answer.row[c.name]);
    } catch (err) {
      if (err instanceof ValueProblem) throw new DbPorterError('BAD_VALUE', `The conflict resolver's row for table "${table}", column "${c.name}" ${err.message}.`);
      throw err;
    }
  });
}

/**
 * Loads a resolver module: a path (relative to `baseDir`) or a package name. It may export the
 * class (module.exports, `default` or a `ConflictResolver` export) or an object with resolve().
 */
export async function loadResolver(pathOrName: string, baseDir: string): Promise<ConflictResolver> {
  const local = path.resolve(baseDir, pathOrName);
  const looksLikePath = /^\.{0,2}[\\/]|^[A-Za-z]:[\\/]|\.[cm]?js$/.test(pathOrName);
  if (looksLikePath && !fs.existsSync(local)) {
    throw new DbPorterError('FILE_NOT_FOUND', `The conflict resolver ${local} does not exist. Give the path of a JavaScript module, or the name of an installed package.`);
  }
  let loaded: unknown;
  try {
    const require = createRequire(path.join(baseDir, 'noop.js'));
    const file = require.resolve(looksLikePath ? local : pathOrName);
    try {
      loaded = require(file);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw err;
      // An ES module: import() it (kept out of the bundler's sight, which would turn it into require).
      const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;
      loaded = await importModule(pathToFileURL(file).href);
    }
  } catch (err) {
    throw new DbPorterError('BAD_ARGUMENT', `Cannot load the conflict resolver "${pathOrName}": ${errorMessage(err)}.`);
  }
  const candidates = [loaded, (loaded as { default?: unknown })?.default, (loaded as { ConflictResolver?: unknown })?.ConflictResolver];
  for (const c of candidates) {
    if (typeof c === 'function' && typeof (c as { prototype?: { resolve?: unknown } }).prototype?.resolve === 'function') {
      return new (c as new () => ConflictResolver)();
    }
    if (c && typeof c === 'object' && typeof (c as ConflictResolver).resolve === 'function') return c as ConflictResolver;
  }
  throw new DbPorterError(
    'BAD_ARGUMENT',
    `The conflict resolver "${pathOrName}" exports no class with a resolve(table, targetRow, incomingRow) method. Export one as module.exports, default, or ConflictResolver.`,
  );
}
