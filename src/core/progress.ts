/**
 * How the core talks back while it works. Every front end maps these to its own UI:
 * a notification in VS Code, a line on stderr in the CLI, a field in an HTTP response.
 */
export interface Progress {
  table: string;
  rowsDone: number;
  rowsTotal?: number;
}

export type ProgressCallback = (progress: Progress) => void;

export interface OperationOptions {
  onProgress?: ProgressCallback;
  /** Stops the operation between batches; nothing is written when it fires. */
  signal?: AbortSignal;
}
