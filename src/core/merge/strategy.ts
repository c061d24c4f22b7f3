import type { Column, Row, Table } from '../schema/model';
import { DbPorterError } from '../errors';
import { compareValues } from '../values';

/**
 * How a merging import settles a collision between an incoming row and the target's row, when no
 * resolver module decides: keep the target's row (the default), take the incoming one, or take
 * the one with the earlier / later / smaller / larger value of a column.
 */
export type Strategy = { kind: 'keep' } | { kind: 'take' } | { kind: 'earlier' | 'later' | 'smaller' | 'larger'; column: string };

export const STRATEGY_HELP = 'keep, take, earlier:COLUMN, later:COLUMN, smaller:COLUMN or larger:COLUMN';
export const STRATEGY_PATTERN = /^(keep|take|(earlier|later|smaller|larger):.+)$/;

export function parseStrategy(text: string, where: string): Strategy {
  const t = text.trim();
  if (t === 'keep' || t === 'take') return { kind: t };
  const m = /^(earlier|later|smaller|larger):(.+)$/.exec(t);
  if (m) return { kind: m[1] as 'earlier', column: m[2] };
  throw new DbPorterError('BAD_ARGUMENT', `${where}: "${text}" is not a merge strategy. Use ${STRATEGY_HELP}.`);
}

/** Per-table strategies: `tables[name]`, else `fallback`. */
export interface Strategies {
  tables: Record<string, Strategy>;
  fallback: Strategy;
}

export const KEEP_TARGET: Strategies = { tables: {}, fallback: { kind: 'keep' } };

/**
 * Strategies from the config's "onConflict" (table or "*" to strategy), overridden by the command
 * line's --on-conflict values: STRATEGY for every table, or TABLE=STRATEGY.
 */
export function strategiesFrom(configured: Record<string, string> | undefined, given: string[] = []): Strategies {
  const out: Strategies = { tables: {}, fallback: { kind: 'keep' } };
  const set = (table: string, strategy: Strategy) => (table === '*' ? (out.fallback = strategy) : (out.tables[table] = strategy));
  for (const [table, text] of Object.entries(configured ?? {})) set(table, parseStrategy(text, `onConflict.${table} in the config`));
  for (const arg of given) {
    const m = /^([^=:]+)=(.+)$/.exec(arg);
    if (m) set(m[1], parseStrategy(m[2], '--on-conflict'));
    else set('*', parseStrategy(arg, '--on-conflict'));
  }
  return out;
}

export function strategyFor(strategies: Strategies, table: Table): Strategy {
  const strategy = strategies.tables[table.name] ?? strategies.fallback;
  if ('column' in strategy && !table.columns.some((c) => c.name === strategy.column)) {
    if (!strategies.tables[table.name]) return { kind: 'keep' }; // a default by column applies where the column exists
    throw new DbPorterError('BAD_ARGUMENT', `The merge strategy for table "${table.name}" compares column "${strategy.column}", which the table does not have.`);
  }
  return strategy;
}

/** Which row wins under a strategy; a tie, or a NULL on either side, keeps the target's. */
export function choose(strategy: Strategy, columns: Column[], target: Row, incoming: Row): 'target' | 'incoming' {
  if (strategy.kind === 'keep') return 'target';
  if (strategy.kind === 'take') return 'incoming';
  const i = columns.findIndex((c) => c.name === strategy.column);
  if (i < 0) return 'target';
  const [a, b] = [target[i], incoming[i]];
  if (a === null || a === undefined || b === null || b === undefined) return 'target';
  const order = compareValues(columns[i].type, b, a);
  const incomingWins = strategy.kind === 'earlier' || strategy.kind === 'smaller' ? order < 0 : order > 0;
  return incomingWins ? 'incoming' : 'target';
}
