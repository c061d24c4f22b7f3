import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const API_KEY_HEADER = 'x-api-key';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether the request carries the key, compared in constant time: both sides are hashed first,
 * so the comparison neither stops at the first differing byte nor reveals the key's length.
 */
export function hasApiKey(req: IncomingMessage, expected: string): boolean {
  const given = req.headers[API_KEY_HEADER];
  if (typeof given !== 'string') return false;
  return timingSafeEqual(digest(given), digest(expected));
}
