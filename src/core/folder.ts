import * as fs from 'node:fs';
import * as path from 'node:path';

/** Every regular file below a folder, as paths relative to it (symbolic links are not followed). */
export function filesBelow(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(path.relative(root, path.join(entry.parentPath, entry.name)));
  }
  return out.sort();
}
