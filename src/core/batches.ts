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
