import * as assert from 'node:assert/strict';
import { ewkbFromMysql, ewkbFromWkb, ewkbProblem, wkbFromEwkb } from '../../src/core/geometry';
import { checkType, ValueProblem } from '../../src/core/values';

/** POINT(1 2) with SRID 4326, as PostGIS prints it (little-endian EWKB). */
const POINT_4326 = '0101000020E6100000000000000000F03F0000000000000040';
/** The same point as plain WKB. */
const POINT_WKB = '0101000000000000000000F03F0000000000000040';

describe('geometry values (EWKB hex)', () => {
  it('moves between EWKB and WKB with its SRID, coordinates untouched', () => {
    const { wkb, srid } = wkbFromEwkb(POINT_4326);
    assert.equal(srid, 4326);
    assert.equal(wkb.toString('hex').toUpperCase(), POINT_WKB);
    assert.equal(ewkbFromWkb(wkb, srid), POINT_4326);
    assert.equal(ewkbFromWkb(wkb, 0), POINT_WKB);
    assert.deepEqual(wkbFromEwkb(POINT_WKB), { wkb: Buffer.from(POINT_WKB, 'hex'), srid: 0 });
  });

  it('reads big-endian EWKB too', () => {
    const big = '0020000001000010E63FF00000000000004000000000000000';
    const { wkb, srid } = wkbFromEwkb(big);
    assert.equal(srid, 4326);
    assert.equal(ewkbFromWkb(wkb, srid), big.toUpperCase());
  });

  it('reads MySQL\'s stored form: a 4-byte little-endian SRID, then WKB', () => {
    const stored = Buffer.concat([Buffer.from([0xe6, 0x10, 0, 0]), Buffer.from(POINT_WKB, 'hex')]);
    assert.equal(ewkbFromMysql(stored), POINT_4326);
  });

  it('accepts EWKB in either case and refuses anything else, saying why', () => {
    assert.equal(checkType('geometry', POINT_4326.toLowerCase()), POINT_4326);
    assert.equal(ewkbProblem(POINT_4326), undefined);
    for (const bad of ['', 'POINT(1 2)', '02' + POINT_WKB.slice(2), '0109000000', 'abc', '0101000020E610']) {
      assert.ok(ewkbProblem(bad), bad);
      assert.throws(() => checkType('geometry', bad), ValueProblem, bad);
    }
    assert.throws(() => checkType('geometry', 42), ValueProblem);
  });
});
