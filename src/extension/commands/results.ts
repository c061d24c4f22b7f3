import * as vscode from 'vscode';
import type { SchemaNote } from '../../core/schema/model';
import { reportSummary } from '../../core/schema/report';
import type { Services } from '../services';

/**
 * The notification at the end of a job that changed a schema (import, copy, restore): its first
 * line, and the schema report's summary when anything was adapted or not carried, with a button to
 * the output channel that lists every item.
 */
export function showResult(services: Services, line: string, notes: SchemaNote[]): void {
  const summary = reportSummary(notes);
  if (!summary) return void vscode.window.showInformationMessage(`DB Porter: ${line}`);
  const show = 'Show Report';
  void vscode.window.showInformationMessage(`DB Porter: ${line} ${summary}`, show).then((choice) => {
    if (choice === show) services.log.channel.show(true);
  });
}
