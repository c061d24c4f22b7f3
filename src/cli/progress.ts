import type { Progress } from '../core/progress';

/**
 * Progress on stderr, one table at a time: rows, total and rows/s. On a terminal the line is
 * redrawn in place; in a pipe or log a line is written when a table is done (and every few seconds).
 */
export class ProgressReporter {
  private table = '';
  private started = 0;
  private lastDraw = 0;
  private last: Progress | undefined;
  private readonly tty: boolean;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly verbose = false,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  readonly update = (p: Progress): void => {
    if (p.table !== this.table) {
      this.done();
      this.table = p.table;
      this.started = Date.now();
      this.lastDraw = 0;
    }
    this.last = p;
    const now = Date.now();
    if (this.tty ? now - this.lastDraw >= 100 : now - this.lastDraw >= 5000 && this.lastDraw !== 0) this.draw(false);
    if (!this.lastDraw) this.lastDraw = now;
  };

  /** Finishes the current table's line. */
  done(): void {
    if (this.last && this.table) this.draw(true);
    this.last = undefined;
    this.table = '';
  }

  private draw(final: boolean): void {
    const p = this.last!;
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const rate = Math.round(p.rowsDone / seconds);
    const total = p.rowsTotal !== undefined ? `/${p.rowsTotal.toLocaleString('en-US')}` : '';
    const line = `  ${p.table}: ${p.rowsDone.toLocaleString('en-US')}${total} rows, ${rate.toLocaleString('en-US')} rows/s${
      final && this.verbose ? ` (${seconds.toFixed(1)} s)` : ''
    }`;
    if (this.tty) this.out.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else this.out.write(line + '\n');
    this.lastDraw = Date.now();
  }
}
