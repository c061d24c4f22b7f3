import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const API_KEY_HEADER = 'x-api-key';

/** What is compared: 32 bytes whatever the key's length, so the comparison needs no length check. */
export const keyDigest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether the request carries the key, compared in constant time: both sides are hashed first,
 * so the comparison neither stops at the first differing byte nor reveals the key's length.
 */
export function hasApiKey(req: IncomingMessage, expected: string): boolean {
  const given = req.headers[API_KEY_HEADER];
  if (typeof given !== 'string') return false;
  return timingSafeEqual(keyDigest(given), keyDigest(expected));
}
