import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { DbPorterError } from '../../src/core/errors';
import type { DumpFormat } from '../../src/core/dump/format';
import { readAll, readAsText, sampleTable, writeDump } from '../helpers/dumps';

/**
 * Broken dumps fed to the readers: valid dumps cut short, with bytes flipped, inserted, removed
 * or lines repeated, and plain noise. Each must either read as a dump (when the damage happens to
 * leave one) or fail with a DbPorterError that says what is wrong: never another exception, never
 * a hang. The counts are printed for the reliability page (docs/reliability.md).
 */
const row = fc.tuple(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  fc.option(fc.string({ unit: 'grapheme', maxLength: 20 }), { nil: null }),
  fc.option(fc.integer({ min: -1e6, max: 1e6 }).map((n) => (n / 100).toFixed(2)), { nil: null }),
  fc.option(fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('base64')), { nil: null }),
  fc.option(fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()), { nil: null }),
);

type Damage = { kind: 'cut'; at: number } | { kind: 'flip'; at: number; byte: number } | { kind: 'insert'; at: number; text: string } | { kind: 'remove'; at: number; length: number } | { kind: 'repeat-line'; line: number };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('"', '{', '}', ',', '\n', '[', ']', ':', 'null', '\\', '\u0000', '"\\u12', '9e999', '{"trailer":{}}') }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('repeat-line' as const), line: fc.nat() }),
);

function apply(text: string, d: Damage): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const at = (n: number) => n % (bytes.length + 1);
  switch (d.kind) {
    case 'cut':
      return bytes.subarray(0, at(d.at));
    case 'flip': {
      const copy = Buffer.from(bytes);
      if (copy.length) copy[d.at % copy.length] = d.byte;
      return copy;
    }
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at(d.at)), Buffer.from(d.text), bytes.subarray(at(d.at))]);
    case 'remove':
      return Buffer.concat([bytes.subarray(0, at(d.at)), bytes.subarray(at(d.at) + d.length)]);
    case 'repeat-line': {
      const lines = text.split('\n');
      const i = d.line % lines.length;
      lines.splice(i, 0, lines[i]);
      return Buffer.from(lines.join('\n'));
    }
  }
}

/** Reads a damaged dump; resolves 'read' or 'refused', rejects on anything that is not a clear refusal. */
async function outcome(bytes: Buffer, format: DumpFormat, chunk: number): Promise<'read' | 'refused'> {
  const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the reader hung')), 5_000).unref());
  try {
    await Promise.race([readAll(bytes, format, chunk), timer]);
    return 'read';
  } catch (err) {
    if (err instanceof DbPorterError && err.message.length > 10) return 'refused';
    throw err;
  }
}

export const fuzzCounts = { tried: 0, read: 0, refused: 0 };

describe('fuzzing the dump readers', function () {
  this.timeout(120_000);
  after(() => console.log(`      fuzz: ${fuzzCounts.tried} broken dumps tried, ${fuzzCounts.refused} refused with a clear error, ${fuzzCounts.read} still whole`));

  for (const format of ['ndjson', 'json'] as DumpFormat[]) {
    it(`${format}: every damaged dump reads or is refused with a DbPorterError`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(row, { maxLength: 8 }), damage, fc.integer({ min: 1, max: 64 }), async (rows, d, chunk) => {
          const text = await writeDump(format, [{ table: sampleTable, rows }]);
          const result = await outcome(apply(text, d), format, chunk);
          fuzzCounts.tried++;
          fuzzCounts[result]++;
        }),
        { numRuns: 1000, seed: 20261123 },
      );
    });

    it(`${format}: read as bulk text, a damaged dump gives the same rows or the same error as read as rows`, async () => {
      const read = async (bytes: Buffer, chunk: number, bulkTables: string[]) => {
        try {
          return (await readAsText(bytes, chunk, 'postgres-copy', bulkTables, format)).text;
        } catch (err) {
          if (!(err instanceof DbPorterError)) throw err;
          return `${err.code}: ${err.message}`;
        }
      };
      await fc.assert(
        fc.asyncProperty(fc.array(row, { maxLength: 8 }), damage, fc.integer({ min: 1, max: 64 }), async (rows, d, chunk) => {
          const bytes = apply(await writeDump(format, [{ table: sampleTable, rows }]), d);
          assert.deepEqual(await read(bytes, chunk, [sampleTable.name]), await read(bytes, chunk, []));
        }),
        { numRuns: 1000, seed: 20261124 },
      );
    });

    it(`${format}: noise is refused`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (noise) => {
          const result = await outcome(Buffer.from(noise), format, 7);
          fuzzCounts.tried++;
          fuzzCounts[result]++;
          assert.equal(result, 'refused', 'noise is not a dump');
        }),
        { numRuns: 300, seed: 7 },
      );
    });
  }
});
