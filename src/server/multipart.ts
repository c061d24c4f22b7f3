import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { DbPorterError, errorMessage } from '../core/errors';
import { abortReason, BodyLimit, clientGone } from './body';

/** The fields a multipart import takes besides its file. */
export const FORM_FIELDS = ['format', 'truncate', 'mode', 'database'];

export interface ImportForm {
  fields: Record<string, string>;
  /** The file part's name as the client sent it (curl: the local file's name). */
  filename: string | undefined;
  /** The dump's bytes; they end only once the whole form has arrived, well formed. */
  file: AsyncIterable<Buffer>;
  /** Removes the temporary copy, when one was made. */
  cleanup(): Promise<void>;
}

/**
 * Reads a multipart import (`file=@dump.json`, plus `format`, `truncate`, `mode`, `database`).
 * The dump is never held in memory. When the fields come first (or `fieldsKnown`, from the query
 * string), the file part streams straight to the importer and a field after it is refused; when the
 * file comes first, it is copied to a temporary file until the fields behind it have arrived.
 * The body limit counts every byte as it arrives; the signal stops the form (a stalled body).
 */
export function readImportForm(req: IncomingMessage, limit: number, options: { fieldsKnown: boolean; signal: AbortSignal }): Promise<ImportForm> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fields: FORM_FIELDS.length, fieldSize: 4096, parts: FORM_FIELDS.length + 1 } });
    } catch (err) {
      return reject(malformed(err));
    }
    const fields: Record<string, string> = {};
    let settled = false;
    let fileSeen = false;
    let streaming = false;

    const form = new Promise<void>((done, failed) => {
      bb.once('close', done);
      bb.once('error', (err) => failed(asFormError(err)));
    });
    form.catch(() => undefined);

    const limiter = new BodyLimit(limit);
    /** Stops the form: before the hand-over the promise fails; after it, the file stream does. */
    const fail = (err: DbPorterError) => {
      if (!settled) reject(err);
      settled = true;
      req.unpipe(limiter);
      req.resume();
      bb.destroy(err);
    };
    limiter.on('error', (err) => fail(asFormError(err)));
    req.once('close', () => {
      if (!req.complete) fail(clientGone());
    });
    const onAbort = () => fail(abortReason(options.signal));
    if (options.signal.aborted) return onAbort();
    options.signal.addEventListener('abort', onAbort, { once: true });

    bb.on('field', (name, value, info) => {
      if (streaming) {
        return fail(
          new DbPorterError(
            'BAD_ARGUMENT',
            `The form field "${name}" comes after the file, but the import had already begun with the fields before it; nothing was written. Send every field before the file (curl: -F ${name}=... before -F file=@...), or every field after it.`,
          ),
        );
      }
      if (!FORM_FIELDS.includes(name)) return fail(new DbPorterError('BAD_ARGUMENT', `Unknown form field "${name}". An import takes: file, ${FORM_FIELDS.join(', ')}.`));
      if (info.valueTruncated) return fail(new DbPorterError('BAD_ARGUMENT', `The form field "${name}" is too long.`));
      fields[name] = value;
    });
    const tooManyParts = () => fail(new DbPorterError('BAD_ARGUMENT', `The form has more parts than an import takes: one file part named "file", and the fields ${FORM_FIELDS.join(', ')}.`));
    bb.on('filesLimit', tooManyParts);
    bb.on('fieldsLimit', tooManyParts);
    bb.on('partsLimit', tooManyParts);

    bb.on('file', (name, stream, info) => {
      fileSeen = true;
      if (name !== 'file') {
        stream.resume();
        return fail(new DbPorterError('BAD_ARGUMENT', `The form's file part is named "${name}"; name it "file" (curl: -F file=@dump.json).`));
      }
      if (options.fieldsKnown || Object.keys(fields).length) {
        streaming = true;
        settled = true;
        resolve({ fields, filename: info.filename, file: readThrough(stream, form), cleanup: async () => undefined });
        return;
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbporter-upload-'));
      const cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
      const copy = path.join(dir, 'dump');
      Promise.all([pipeline(stream, fs.createWriteStream(copy)), form]).then(
        () => {
          if (settled) return void cleanup();
          settled = true;
          resolve({ fields, filename: info.filename, file: fs.createReadStream(copy, { highWaterMark: 1024 * 1024 }), cleanup });
        },
        (err) => {
          void cleanup();
          fail(asFormError(err));
        },
      );
    });
    form.then(
      () => {
        if (!fileSeen) fail(new DbPorterError('BAD_ARGUMENT', 'The form has no file part. Send the dump as file=@dump.json (curl -F file=@dump.json).'));
      },
      (err) => fail(err),
    );

    req.pipe(limiter).pipe(bb);
  });
}

/** The file part as the importer reads it: its end waits for the end of the form. */
async function* readThrough(stream: Readable, form: Promise<void>): AsyncIterable<Buffer> {
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
    await form;
  } catch (err) {
    throw asFormError(err);
  }
}

function asFormError(err: unknown): DbPorterError {
  return err instanceof DbPorterError ? err : malformed(err);
}

function malformed(err: unknown): DbPorterError {
  return new DbPorterError('BAD_ARGUMENT', `The multipart body is malformed (${errorMessage(err)}); nothing was written. Send it as multipart/form-data, as curl -F file=@dump.json does.`);
}
