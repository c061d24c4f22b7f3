import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { cancelled, DbPorterError } from '../core/errors';

/**
 * A stream into an HTTP response for the exporter. The status line and headers go out with the
 * first byte, so an export that fails before writing anything can still answer with a JSON error.
 * The exporter waits whenever the client reads slowly (memory stays flat), and stops when the
 * client goes away or the server stops, instead of waiting for a drain that never comes.
 */
export function responseSink(res: ServerResponse, headers: OutgoingHttpHeaders, signal: AbortSignal): Writable {
  const start = () => {
    if (!res.headersSent) res.writeHead(200, headers);
  };
  const sink = new Writable({
    highWaterMark: 256 * 1024,
    write(chunk: Buffer, _encoding, done) {
      start();
      if (res.write(chunk)) done();
      else res.once('drain', () => done());
    },
    final(done) {
      start();
      res.end(() => done());
    },
  });
  // Errors reach the exporter through its writes; this keeps an unwatched one from crashing the process.
  sink.on('error', () => undefined);
  const stop = (err: DbPorterError) => {
    if (!sink.destroyed) sink.destroy(err);
  };
  res.once('close', () => {
    if (!res.writableFinished) stop(new DbPorterError('CANCELLED', 'The client closed the connection during the export.'));
  });
  signal.addEventListener('abort', () => stop(cancelled()), { once: true });
  return sink;
}

/** Ends the sink and waits until the response is out. */
export function endSink(sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    sink.end((err?: Error | null) => (err ? reject(err) : resolve()));
  });
}
