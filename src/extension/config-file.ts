import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { DbPorterError } from '../core/errors';
import type { WorkspaceConfig } from './workspace-config';

/**
 * Changes to dbporter.config.json made by commands (Create Config, Set Password): the file is read
 * (from its editor when it is open, so unsaved edits are kept), changed as JSON, and written back
 * with its indentation, through the editor when it is open (so Undo works), then re-read.
 */

type ConfigJson = { databases?: Array<{ name: string; url: string; [key: string]: unknown }>; [key: string]: unknown };

export async function editConfigFile(config: WorkspaceConfig, change: (json: ConfigJson) => void): Promise<string> {
  const file = config.file;
  if (!file) throw new DbPorterError('CONFIG_NOT_FOUND', 'Open a folder first; dbporter.config.json lives at its root.');
  const uri = vscode.Uri.file(file);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath);
  const before = open ? open.getText() : fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  let json: ConfigJson;
  try {
    json = before.trim() ? JSON.parse(before) : { databases: [] };
  } catch (err) {
    throw new DbPorterError('CONFIG_INVALID', `${file} is not valid JSON (${(err as Error).message}); fix it first.`);
  }
  change(json);
  const indent = /\n(\t| +)"/.exec(before)?.[1] ?? '  ';
  const after = JSON.stringify(json, null, indent) + '\n';
  if (open) {
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(open.positionAt(0), open.positionAt(before.length)), after);
    await vscode.workspace.applyEdit(edit);
    await open.save();
  } else {
    await vscode.workspace.fs.writeFile(uri, Buffer.from(after, 'utf8'));
  }
  config.reload();
  return file;
}

/** The password part of a server URL as written in the config: a `${kind:NAME}` reference, a literal, or none. */
export type PasswordPart = { kind: 'none' } | { kind: 'literal' } | { kind: 'reference'; source: string; name: string };

interface UserInfo {
  scheme: string;
  user: string;
  password: string | undefined;
  rest: string;
}

/** Splits scheme://user:password@rest, minding `${…}` references (which may hold ":"). */
function splitUserInfo(url: string): UserInfo | undefined {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/i.exec(url);
  if (!m) return undefined;
  const [, scheme, after] = m;
  let depth = 0;
  let colon = -1;
  for (let i = 0; i < after.length; i++) {
    const c = after[i];
    if (c === '$' && after[i + 1] === '{') depth++;
    else if (c === '}' && depth) depth--;
    else if (!depth && c === ':' && colon < 0) colon = i;
    else if (!depth && (c === '/' || c === '?' || c === '#')) break;
    else if (!depth && c === '@') {
      const info = after.slice(0, i);
      return colon >= 0 && colon < i
        ? { scheme, user: info.slice(0, colon), password: info.slice(colon + 1), rest: after.slice(i + 1) }
        : { scheme, user: info, password: undefined, rest: after.slice(i + 1) };
    }
  }
  return { scheme, user: '', password: undefined, rest: after };
}

export function passwordPart(url: string): PasswordPart {
  const info = splitUserInfo(url);
  if (!info?.password) return { kind: 'none' };
  const ref = /^\$\{(\w+):([^}]+)\}$/.exec(info.password);
  return ref ? { kind: 'reference', source: ref[1], name: ref[2] } : { kind: 'literal' };
}

/** The URL with its password replaced by `${secret:NAME}` (added when it had none). */
export function withSecretPassword(url: string, name: string): string {
  const info = splitUserInfo(url);
  if (!info) throw new DbPorterError('BAD_URL', 'Only a server URL (postgresql://…, mysql://…) has a password.');
  return `${info.scheme}${info.user}:\${secret:${name}}@${info.rest}`;
}

/** The literal password of a URL as typed (decoded), if it has one. */
export function literalPassword(url: string): string | undefined {
  const info = splitUserInfo(url);
  if (!info?.password || passwordPart(url).kind !== 'literal') return undefined;
  try {
    return decodeURIComponent(info.password);
  } catch {
    return info.password;
  }
}
