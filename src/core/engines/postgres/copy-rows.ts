import type { Column, Row } from '../../schema/model';
import { throwIfAborted } from '../../errors';
import { CopyTextParser } from './copy-text';
import { fromCopyText } from './types';

const BATCH_ROWS = 2000;

/**
 * COPY text, as COPY TO writes it in the adapter's session, to batches of rows of portable values
 * (values in the order of `columns`). The one loop that does it: the adapter's reads, and backups
 * of PostgreSQL put back into another engine. A row with another number of fields than columns
 * is an error (plain, for the caller to say where the text came from).
 */
export async function* copyTextRows(chunks: AsyncIterable<Buffer>, columns: Column[], signal?: AbortSignal): AsyncIterable<Row[]> {
  const converters = columns.map(fromCopyText);
  const parser = new CopyTextParser();
  let batch: Row[] = [];
  let rowNumber = 0;
  for await (const chunk of chunks) {
    for (const fields of parser.push(chunk)) {
      rowNumber++;
      if (fields.length !== converters.length) throw new Error(`row ${rowNumber} has ${fields.length} fields, not ${converters.length}`);
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i];
        if (f !== null) (fields as unknown[])[i] = converters[i](f);
      }
      batch.push(fields);
    }
    if (batch.length >= BATCH_ROWS) {
      yield batch;
      batch = [];
      throwIfAborted(signal);
    }
  }
  parser.finish();
  if (batch.length) yield batch;
}
