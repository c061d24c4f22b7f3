import type { LoadResult, TableResult } from './load';

/**
 * What an import or copy did (or, for a dry run, would do), in words: the command line prints it
 * and the extension writes it to its output channel, so both say the same thing.
 */

const count = (n: number) => n.toLocaleString('en-US');

export function loadSummary(verb: string, result: LoadResult, perTable: boolean | undefined): string {
  const skipped = result.rows - result.inserted - result.merged;
  const lines = [
    `${verb} ${count(result.inserted)} rows into ${result.tables.length} tables (${result.mode})${result.merged ? `, merged ${count(result.merged)} into existing rows` : ''}${
      skipped ? `, kept ${count(skipped)} existing rows on key collisions` : ''
    } in ${(result.durationMs / 1000).toFixed(1)} s.`,
  ];
  if (perTable) lines.push(...result.tables.map(tableLine));
  return lines.join('\n');
}

export function tableLine(t: TableResult): string {
  return `  ${t.table}: ${count(t.inserted)} inserted${t.merged ? `, ${count(t.merged)} merged` : ''}${t.skipped ? `, ${count(t.skipped)} skipped` : ''}${t.created ? ' (table created)' : ''}`;
}

export function dryRunReport(result: LoadResult): string {
  return [
    `Dry run (${result.mode}), nothing written: ${count(result.inserted)} rows would be inserted, ${count(result.merged)} merged into existing rows, ${count(result.rows - result.inserted - result.merged)} skipped.`,
    ...result.tables.map(tableLine),
  ].join('\n');
}
