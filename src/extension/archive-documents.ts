import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { archiveManifest, archiveSchema, previewArchiveRows } from '../core/archive/preview';
import { DbPorterError } from '../core/errors';
import type { Services } from './services';

/**
 * Zip archives (backups, snapshots, `dbporter export out.zip`) as read-only documents, without
 * unpacking them:
 *
 *   dbporter:/path/to/archive.zip/manifest.json     the manifest
 *   dbporter:/path/to/archive.zip/schema.json       the tables and columns
 *   dbporter:/path/to/archive.zip/rows/<table>.json the first rows of a table (?rows=N, default 100)
 *
 * Rows are streamed out of the archive and reading stops after the rows shown (see
 * src/core/archive/preview.ts), so a large table opens as fast as a small one.
 */
export const ARCHIVE_SCHEME = 'dbporter';
export const PREVIEW_ROWS = 100;

export type ArchivePart = { part: 'manifest' } | { part: 'schema' } | { part: 'table'; table: string; rows?: number };

export function archiveDocumentUri(file: string, which: ArchivePart): vscode.Uri {
  const base = vscode.Uri.file(path.resolve(file)).path;
  if (which.part === 'table') {
    const rows = which.rows ?? PREVIEW_ROWS;
    return vscode.Uri.from({ scheme: ARCHIVE_SCHEME, path: `${base}/rows/${encodeURIComponent(which.table)}.json`, query: rows === PREVIEW_ROWS ? '' : `rows=${rows}` });
  }
  return vscode.Uri.from({ scheme: ARCHIVE_SCHEME, path: `${base}/${which.part}.json` });
}

/** The archive and the part a dbporter: URI names. */
export function parseArchiveUri(uri: vscode.Uri): { file: string } & ArchivePart {
  const m = /^(.*\.zip)\/(?:(manifest|schema)\.json|rows\/([^/]+)\.json)$/i.exec(uri.path);
  if (!m) throw new DbPorterError('BAD_ARGUMENT', `${uri.toString()} names no part of a zip archive (manifest.json, schema.json or rows/<table>.json).`);
  const file = vscode.Uri.from({ scheme: 'file', path: m[1] }).fsPath;
  if (m[2]) return { file, part: m[2].toLowerCase() as 'manifest' | 'schema' };
  const rows = Number(new URLSearchParams(uri.query).get('rows') ?? PREVIEW_ROWS);
  return { file, part: 'table', table: decodeURIComponent(m[3]), rows: Number.isInteger(rows) && rows >= 0 ? rows : PREVIEW_ROWS };
}

/**
 * The archive's parts as a read-only file system: VS Code opens them in read-only editors and
 * refuses every write, and a folder view of an archive (`dbporter:/…/x.zip/`) lists them.
 */
export class ArchiveFileSystem implements vscode.FileSystemProvider {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    const { archive, rest } = splitArchivePath(uri);
    const st = fs.statSync(archive, { throwIfNoEntry: false });
    if (!st) throw vscode.FileSystemError.FileNotFound(uri);
    const type = rest === '' || rest === 'rows' ? vscode.FileType.Directory : vscode.FileType.File;
    if (type === vscode.FileType.File) parseArchiveUri(uri);
    return { type, ctime: st.ctimeMs, mtime: st.mtimeMs, size: 0, permissions: vscode.FilePermission.Readonly };
  }

  async readDirectory(uri: vscode.Uri): Promise<Array<[string, vscode.FileType]>> {
    const { archive, rest } = splitArchivePath(uri);
    if (rest === '') return [['manifest.json', vscode.FileType.File], ['schema.json', vscode.FileType.File], ['rows', vscode.FileType.Directory]];
    if (rest === 'rows') return Object.keys((await archiveManifest(archive)).rowCounts).map((t) => [`${encodeURIComponent(t)}.json`, vscode.FileType.File]);
    throw vscode.FileSystemError.FileNotADirectory(uri);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const which = parseArchiveUri(uri);
    let content: unknown;
    if (which.part === 'manifest') content = await archiveManifest(which.file);
    else if (which.part === 'schema') content = await archiveSchema(which.file);
    else {
      const preview = await previewArchiveRows(which.file, which.table, which.rows);
      content = { table: preview.table, rowsInArchive: preview.rowsInArchive, rowsShown: preview.rows.length, rows: preview.rows };
    }
    return Buffer.from(JSON.stringify(content, null, 2) + '\n');
  }

  createDirectory(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  writeFile(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
}

/** The archive's path and what follows it in a dbporter: URI ("", "rows", "manifest.json", ...). */
function splitArchivePath(uri: vscode.Uri): { archive: string; rest: string } {
  const m = /^(.*?\.zip)(?:\/(.*?))?\/?$/i.exec(uri.path);
  if (!m) throw vscode.FileSystemError.FileNotFound(uri);
  return { archive: vscode.Uri.from({ scheme: 'file', path: m[1] }).fsPath, rest: m[2] ?? '' };
}

/** Arguments for opening an archive without prompts. */
export interface OpenArchiveArgs {
  file?: string;
  /** Which document; without it a quick pick offers the manifest, the schema and each table. */
  part?: ArchivePart['part'];
  table?: string;
  rows?: number;
}

/**
 * DB Porter: Open Archive… — from the palette it asks for a .zip, from the explorer or the
 * BACKUPS view it takes the clicked one; then it opens the part asked for, or lets the person pick
 * one. Resolves to the opened document's URI.
 */
export async function openArchiveCommand(_services: Services, arg?: OpenArchiveArgs | vscode.Uri | { file: string }): Promise<vscode.Uri | undefined> {
  const args: OpenArchiveArgs = arg instanceof vscode.Uri ? { file: arg.fsPath } : { ...arg };
  const file = args.file ?? (await pickArchive());
  if (!file) return undefined;
  let which: ArchivePart | undefined;
  if (args.part === 'table') {
    if (!args.table) throw new DbPorterError('BAD_ARGUMENT', 'Opening a table of an archive needs its name (table).');
    which = { part: 'table', table: args.table, rows: args.rows };
  } else if (args.part) {
    which = { part: args.part };
  } else {
    which = await pickPart(file);
  }
  if (!which) return undefined;
  const uri = archiveDocumentUri(file, which);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document, { preview: true });
  return uri;
}

async function pickArchive(): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({ title: 'Open which archive?', filters: { 'Zip archive': ['zip'] }, canSelectMany: false });
  return picked?.[0]?.fsPath;
}

async function pickPart(file: string): Promise<ArchivePart | undefined> {
  const manifest = await archiveManifest(file);
  type Pick = vscode.QuickPickItem & { which: ArchivePart };
  const items: Pick[] = [
    { label: '$(info) Manifest', description: `${manifest.reason}, ${manifest.createdAt}`, which: { part: 'manifest' } },
    { label: '$(symbol-structure) Schema', description: `${Object.keys(manifest.rowCounts).length} tables`, which: { part: 'schema' } },
    ...Object.entries(manifest.rowCounts).map(([table, rows]) => ({
      label: `$(table) ${table}`,
      description: `${rows.toLocaleString('en-US')} rows${rows > PREVIEW_ROWS ? `, first ${PREVIEW_ROWS} shown` : ''}`,
      which: { part: 'table' as const, table },
    })),
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `${path.basename(file)}: open which part?` });
  return picked?.which;
}

/** The dbporter: documents and DB Porter: Open Archive…. */
export function registerArchiveDocuments(services: Services): void {
  services.context.subscriptions.push(
    vscode.workspace.registerFileSystemProvider(ARCHIVE_SCHEME, new ArchiveFileSystem(), { isReadonly: true, isCaseSensitive: true }),
    vscode.commands.registerCommand('dbporter.openArchive', (arg) => openArchiveCommand(services, arg)),
  );
}
