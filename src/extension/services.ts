import type * as vscode from 'vscode';
import type { ConflictResolver } from '../core/merge/resolver';
import type { Jobs } from './jobs';
import type { Log } from './log';
import type { WorkspaceConfig } from './workspace-config';

/**
 * What command handlers and views share, made once in activate(): handlers take it and stay
 * thin, calling into the core and the models.
 */
export interface Services {
  config: WorkspaceConfig;
  log: Log;
  jobs: Jobs;
  /** The extension's media folder (engine icons). */
  media: vscode.Uri;
  context: vscode.ExtensionContext;
  /**
   * A resolver that asks the person, one diff editor per colliding row: what merge imports use
   * when their strategy is "ask" (the default in VS Code). Absent until that part is registered.
   */
  askConflicts?: (database: string) => ConflictResolver;
}
