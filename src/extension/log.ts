import * as vscode from 'vscode';
import { maskUrlsIn } from '../core/url';

/** The "DB Porter" output channel. Every line goes through password masking first. */
export class Log {
  readonly channel = vscode.window.createOutputChannel('DB Porter', { log: true });

  info(message: string): void {
    this.channel.info(maskUrlsIn(message));
  }

  error(message: string): void {
    this.channel.error(maskUrlsIn(message));
  }

  dispose(): void {
    this.channel.dispose();
  }
}
