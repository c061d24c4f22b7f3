import type { SchemaNote } from '../core/schema/model';
import { reportText } from '../core/schema/report';
import type { CliContext } from './context';

/** A default dump name when none is given: dump-2024_01_01_00_10_01.json in the working directory. */
export function defaultDumpName(format: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}_${p(now.getMonth() + 1)}_${p(now.getDate())}_${p(now.getHours())}_${p(now.getMinutes())}_${p(now.getSeconds())}`;
  return `dump-${stamp}.${format}`;
}

/** The schema report on stderr: a summary, or with -v every item (see core/schema/report.ts). */
export function logReport(ctx: CliContext, notes: SchemaNote[], verbose: boolean | undefined): void {
  const text = reportText(notes, verbose);
  if (text) ctx.log(text);
}
