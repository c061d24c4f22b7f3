import type { Readable } from 'node:stream';
import type { Row } from './schema/model';

/** Rows already in memory, as the batch stream Writer.writeRows takes. */
export async function* batchOf(rows: Row[]): AsyncIterable<Row[]> {
  if (rows.length) yield rows;
}

/** Regroups a stream of batches into batches of `size` rows (the last one may be smaller). */
export async function* rebatch(batches: AsyncIterable<Row[]>, size: number): AsyncIterable<Row[]> {
  let pending: Row[] = [];
  for await (const batch of batches) {
    if (!pending.length && batch.length === size) {
      yield batch;
      continue;
    }
    for (const row of batch) {
      pending.push(row);
      if (pending.length === size) {
        yield pending;
        pending = [];
      }
    }
  }
  if (pending.length) yield pending;
}

/**
 * An object stream's items in arrays of up to `size`, taken from the stream's buffer as they are
 * there: a for-await over the stream itself costs a promise and a turn of the event loop per item.
 * Errors are thrown; stopping early destroys the stream.
 */
export async function* streamBatches<T>(stream: Readable, size: number): AsyncIterable<T[]> {
  let ended = false;
  let failed: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const onReadable = () => wake?.();
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  const onError = (error: unknown) => {
    failed = { error };
    wake?.();
  };
  stream.on('readable', onReadable).on('end', onEnd).on('error', onError);
  try {
    let batch: T[] = [];
    for (;;) {
      for (let item = stream.read() as T | null; item !== null; item = stream.read() as T | null) {
        batch.push(item);
        if (batch.length === size) {
          yield batch;
          batch = [];
        }
      }
      if (failed) throw failed.error;
      if (ended) break;
      // 'readable', 'end' and 'error' come on a later tick, never between read() and this line.
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    if (batch.length) yield batch;
  } finally {
    stream.off('readable', onReadable).off('end', onEnd).off('error', onError);
    // Stopped early, or failed: the stream goes, as a for-await over it would have it.
    if (!ended) stream.destroy();
  }
}
