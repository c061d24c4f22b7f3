import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Row, Table } from '../../src/core/schema/model';
import { writeDump } from './dumps';

/**
 * Two small databases that overlap: authors collide by primary key (Ann, id 1) and by a unique
 * email under another key (Bob is 2 in the target and 5 in the dump), posts collide by key (10).
 */
export const authors: Table = {
  name: 'authors',
  columns: [
    { name: 'id', type: 'bigint', nullable: false },
    { name: 'email', type: 'text', length: 100, nullable: false },
    { name: 'name', type: 'text', nullable: true },
    { name: 'score', type: 'integer', nullable: true },
    { name: 'created_at', type: 'timestamp', nullable: true },
    { name: 'updated_at', type: 'timestamp', nullable: true },
  ],
  primaryKey: ['id'],
  uniques: [{ name: 'authors_email_key', columns: ['email'] }],
  foreignKeys: [],
  indexes: [],
};

export const posts: Table = {
  name: 'posts',
  columns: [
    { name: 'id', type: 'bigint', nullable: false },
    { name: 'author_id', type: 'bigint', nullable: false },
    { name: 'reply_to', type: 'bigint', nullable: true },
    { name: 'title', type: 'text', nullable: false },
  ],
  primaryKey: ['id'],
  uniques: [],
  foreignKeys: [
    { name: 'posts_author_fk', columns: ['author_id'], references: { table: 'authors', columns: ['id'] } },
    { name: 'posts_reply_fk', columns: ['reply_to'], references: { table: 'posts', columns: ['id'] } },
  ],
  indexes: [],
};

export const T = (d: string) => `${d}T00:00:00`;

export const targetRows = {
  authors: [
    [1, 'ann@x', 'Ann', 10, T('2020-01-01'), T('2021-01-01')],
    [2, 'bob@x', 'Bob', 20, T('2020-02-01'), T('2020-02-01')],
  ],
  posts: [
    [10, 1, null, 'Ann post'],
    [11, 2, null, 'Bob post'],
  ],
};

export const incomingRows = {
  authors: [
    [1, 'ann@x', 'Ann B', 5, T('2019-06-01'), T('2022-01-01')],
    [5, 'bob@x', 'Robert', 30, T('2021-01-01'), T('2019-01-01')],
    [6, 'cat@x', 'Cat', 7, T('2021-03-01'), T('2021-03-01')],
  ],
  posts: [
    [10, 1, null, 'Ann post v2'],
    [20, 5, null, 'Robert post'],
    [21, 6, 20, 'Cat replies to Robert'],
  ],
};

export async function dumpFile(dir: string, name: string, data: { authors: Row[]; posts: Row[] }): Promise<string> {
  const file = path.join(dir, `${name}.ndjson`);
  fs.writeFileSync(file, await writeDump('ndjson', [{ table: authors, rows: data.authors }, { table: posts, rows: data.posts }]));
  return file;
}
