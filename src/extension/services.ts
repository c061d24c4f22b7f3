import type * as vscode from 'vscode';
import type { ConflictResolver } from '../core/merge/resolver';
import type { DatabasesTree } from './databases-tree';
import type { Jobs } from './jobs';
import type { Log } from './log';
import type { Secrets } from './secrets';
import type { WorkspaceConfig } from './workspace-config';

/**
 * What command handlers and views share, made once in activate(): handlers take it and stay
 * thin, calling into the core and the models.
 */
export interface Services {
  config: WorkspaceConfig;
  log: Log;
  jobs: Jobs;
  /** The DATABASES tree: refreshed after changes, told what connection attempts found. */
  databases: DatabasesTree;
  /** Passwords in VS Code's SecretStorage, referred to from the config as ${secret:NAME}. */
  secrets: Secrets;
  /** The extension's media folder (engine icons). */
  media: vscode.Uri;
  context: vscode.ExtensionContext;
  /**
   * A resolver that asks the person, one diff editor per colliding row: what merge imports use
   * when their strategy is "ask" (the default in VS Code). Absent where no one can be asked.
   */
  askConflicts?: (database: string) => ConflictResolver;
}
