import * as fs from 'node:fs';
import * as path from 'node:path';
import { execSql, type TestDatabase } from './servers';

/** The Chinook sample (MIT licence) ships in samples/chinook, for the tests and the demo. */
export const CHINOOK_DIR = process.env.DBPORTER_CHINOOK_DIR ?? path.resolve(__dirname, '../../../samples/chinook');
export const CHINOOK_SQLITE = path.join(CHINOOK_DIR, 'Chinook_Sqlite.sqlite');

/** Loads Chinook into a fresh test database: the file copied for SQLite, the SQL script for the servers. */
export async function loadChinook(db: TestDatabase): Promise<void> {
  if (db.engine === 'sqlite') {
    fs.copyFileSync(CHINOOK_SQLITE, db.url.slice('sqlite:'.length));
    return;
  }
  const file = db.engine === 'postgres' ? 'Chinook_PostgreSql.sql' : 'Chinook_MySql.sql';
  const script = fs
    .readFileSync(path.join(CHINOOK_DIR, file), 'utf8')
    // The scripts create and switch to a database of their own; the test already made one.
    .split('\n')
    .filter((line) => !/^\s*(DROP DATABASE|CREATE DATABASE|\\c |USE )/i.test(line))
    .join('\n');
  await execSql(db, script);
}
