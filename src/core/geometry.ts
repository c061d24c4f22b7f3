/**
 * Geometry values (the portable type `geometry`) travel as EWKB in upper-case hex, the form
 * PostGIS prints: well-known binary (WKB, ISO 13249-3 / OGC) whose outermost header may carry a
 * spatial reference id (SRID). MySQL keeps a geometry as a 4-byte little-endian SRID followed by
 * WKB; these functions move between the two without touching the coordinates, so no value is
 * rounded on the way.
 *
 * EWKB header: byte order (0 big-endian, 1 little-endian), then a uint32 type whose flag
 * 0x20000000 says a uint32 SRID follows (0x80000000 has Z, 0x40000000 has M).
 */
const SRID_FLAG = 0x20000000;
const Z_FLAG = 0x80000000;
const M_FLAG = 0x40000000;

/** A geometry's bytes without its SRID (plain WKB), and the SRID (0 when it has none). */
export interface Wkb {
  wkb: Buffer;
  srid: number;
}

/** Whether the hex text is EWKB this module can read: a known byte order and geometry type. Returns the reason when not. */
export function ewkbProblem(hex: string): string | undefined {
  if (hex.length < 10 || hex.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(hex)) return 'expected a geometry as EWKB in hex (as PostGIS prints it)';
  const bytes = Buffer.from(hex.slice(0, 18), 'hex');
  const order = bytes[0];
  if (order !== 0 && order !== 1) return 'is not EWKB: its first byte must be 00 or 01 (the byte order)';
  const type = order === 1 ? bytes.readUInt32LE(1) : bytes.readUInt32BE(1);
  const base = (type & ~(SRID_FLAG | Z_FLAG | M_FLAG)) >>> 0;
  if (!((base >= 1 && base <= 7) || (base % 1000 >= 1 && base % 1000 <= 7 && base < 4000))) return `is not EWKB: ${base} is no geometry type`;
  if (type & SRID_FLAG && hex.length < 18) return 'is not EWKB: its SRID is cut off';
  return undefined;
}

/** EWKB (hex) into plain WKB and its SRID, as MySQL's ST_GeomFromWKB(wkb, srid) takes them. */
export function wkbFromEwkb(hex: string): Wkb {
  const bytes = Buffer.from(hex, 'hex');
  const little = bytes[0] === 1;
  const type = little ? bytes.readUInt32LE(1) : bytes.readUInt32BE(1);
  if (!(type & SRID_FLAG)) return { wkb: bytes, srid: 0 };
  const srid = little ? bytes.readUInt32LE(5) : bytes.readUInt32BE(5);
  const wkb = Buffer.concat([bytes.subarray(0, 1), Buffer.alloc(4), bytes.subarray(9)]);
  const plain = (type & ~SRID_FLAG) >>> 0;
  if (little) wkb.writeUInt32LE(plain, 1);
  else wkb.writeUInt32BE(plain, 1);
  return { wkb, srid };
}

/** Plain WKB and an SRID as EWKB in upper-case hex; an SRID of 0 is left out, as PostGIS does. */
export function ewkbFromWkb(wkb: Buffer, srid: number): string {
  if (!srid) return wkb.toString('hex').toUpperCase();
  const little = wkb[0] === 1;
  const type = little ? wkb.readUInt32LE(1) : wkb.readUInt32BE(1);
  const head = Buffer.alloc(9);
  head[0] = wkb[0];
  if (little) {
    head.writeUInt32LE((type | SRID_FLAG) >>> 0, 1);
    head.writeUInt32LE(srid, 5);
  } else {
    head.writeUInt32BE((type | SRID_FLAG) >>> 0, 1);
    head.writeUInt32BE(srid, 5);
  }
  return Buffer.concat([head, wkb.subarray(5)]).toString('hex').toUpperCase();
}

/** A MySQL geometry as stored (4-byte little-endian SRID, then WKB) as EWKB hex. */
export function ewkbFromMysql(stored: Buffer): string {
  return ewkbFromWkb(stored.subarray(4), stored.readUInt32LE(0));
}
