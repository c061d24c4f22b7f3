import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { streamBatches } from '../../src/core/batches';

/** An object stream that pushes `n` numbers a few at a time on later ticks, like rows off a socket. */
function slowNumbers(n: number, failAt?: number): Readable {
  let next = 0;
  return new Readable({
    objectMode: true,
    highWaterMark: 8,
    read() {
      setImmediate(() => {
        for (let k = 0; k < 3 && next < n; k++) {
          if (next === failAt) return this.destroy(new Error(`failed at ${next}`));
          this.push(next++);
        }
        if (next === n) this.push(null);
      });
    },
  });
}

describe('streamBatches', () => {
  it('gives every item once, in order, in arrays of the size asked (the last one shorter)', async () => {
    const batches: number[][] = [];
    for await (const batch of streamBatches<number>(slowNumbers(1003), 100)) batches.push(batch);
    assert.deepEqual(
      batches.map((b) => b.length),
      [...Array(10).fill(100), 3],
    );
    assert.deepEqual(batches.flat(), Array.from({ length: 1003 }, (_, i) => i));
  });

  it('ends at once on an empty stream', async () => {
    const batches: number[][] = [];
    for await (const batch of streamBatches<number>(slowNumbers(0), 10)) batches.push(batch);
    assert.deepEqual(batches, []);
  });

  it("throws the stream's error", async () => {
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const batch of streamBatches<number>(slowNumbers(500, 250), 100)) seen.push(...batch);
      })(),
      /failed at 250/,
    );
    assert.ok(seen.length <= 250);
  });

  it('destroys the stream when the reader stops early', async () => {
    const stream = slowNumbers(10_000);
    for await (const batch of streamBatches<number>(stream, 100)) {
      assert.equal(batch[0], 0);
      break;
    }
    assert.equal(stream.destroyed, true);
  });
});
