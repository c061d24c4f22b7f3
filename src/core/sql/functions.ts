import type { Engine } from '../url';
import { walk } from './ast';
import type { Expr, KeywordName } from './ast';
import { checkDialect } from './errors';

/**
 * The safety policy for expressions carried between databases: a closed list of functions that
 * only compute from their arguments (or read the clock, or draw random numbers). Nothing that
 * reads files, reaches the network or other sessions, sleeps, changes settings, or tells who is
 * connected or what the server is. A name not on the list is refused, so a function added to an
 * engine later is refused until someone looks at it.
 */

const names = (s: string) => s.trim().split(/\s+/);

const COMMON = names(`
  lower upper length char_length character_length octet_length trim ltrim rtrim substr substring replace concat
  concat_ws left right lpad rpad position instr reverse repeat md5 coalesce nullif greatest least abs round floor
  ceil ceiling mod power sqrt sign exp ln log log10 pi random json_valid json_type json_extract json_array
  json_object json_length json_array_length regexp_like regexp_replace`);

const POSTGRES = names(`
  btrim strpos initcap translate split_part ascii chr trunc div now statement_timestamp transaction_timestamp
  clock_timestamp date_trunc date_part to_char to_date to_timestamp to_number age timezone make_date make_time
  make_timestamp make_interval justify_days justify_hours justify_interval isfinite gen_random_uuid
  uuid_generate_v4 json_typeof jsonb_typeof jsonb_array_length json_build_object jsonb_build_object
  json_build_array jsonb_build_array to_json to_jsonb jsonb_extract_path jsonb_extract_path_text
  json_extract_path json_extract_path_text array_length cardinality array_position array_to_string
  string_to_array to_tsvector to_tsquery plainto_tsquery phraseto_tsquery websearch_to_tsquery setweight
  st_srid st_geometrytype st_isvalid geometrytype`);

const MYSQL = names(`
  lcase ucase locate ascii char truncate pow if ifnull year month day dayofmonth dayofweek dayofyear weekday week
  quarter hour minute second microsecond date time date_format str_to_date to_days from_days unix_timestamp
  from_unixtime curdate curtime now sysdate utc_timestamp utc_date utc_time date_add date_sub adddate subdate
  addtime subtime datediff timediff last_day makedate maketime uuid rand json_unquote json_contains json_keys
  json_quote st_srid`);

const SQLITE = names(`
  ifnull iif hex unhex quote char typeof likely unlikely likelihood like glob datetime date time julianday strftime
  unixepoch timediff randomblob json json_quote`);

export const SAFE_FUNCTIONS: Record<Engine, ReadonlySet<string>> = {
  postgres: new Set([...COMMON, ...POSTGRES]),
  mysql: new Set([...COMMON, ...MYSQL]),
  sqlite: new Set([...COMMON, ...SQLITE]),
};

/** Niladic keywords that tell who is connected or where: never carried. */
export const UNSAFE_KEYWORDS: ReadonlySet<KeywordName> = new Set<KeywordName>(['CURRENT_USER', 'SESSION_USER', 'USER', 'CURRENT_ROLE', 'SYSTEM_USER', 'CURRENT_SCHEMA', 'CURRENT_CATALOG']);

/**
 * nextval('seq') and nextval('seq'::regclass), PostgreSQL's serial default: allowed only with a
 * literal sequence name, so that the call cannot be pointed at something computed.
 */
export function isSafeNextval(expr: Expr): boolean {
  if (expr.kind !== 'call' || expr.name !== 'nextval' || expr.args.length !== 1 || expr.star || expr.distinct) return false;
  let arg = expr.args[0];
  if (arg.kind === 'cast' && arg.type.name === 'regclass' && !arg.type.quoted && !arg.type.args && !arg.type.array) arg = arg.operand;
  return arg.kind === 'string';
}

/**
 * The function names and keywords an expression uses that the policy does not allow, each once,
 * in the order they appear: empty when the expression may be carried. Keywords are given in
 * upper case (CURRENT_USER), functions as named in the tree.
 */
export function unsafeParts(expr: Expr, dialect: Engine): string[] {
  checkDialect(dialect);
  const found = new Set<string>();
  const safe = SAFE_FUNCTIONS[dialect];
  walk(expr, (node) => {
    if (node.kind === 'keyword' && UNSAFE_KEYWORDS.has(node.name)) found.add(node.name);
    if (node.kind !== 'call') return;
    if (dialect === 'postgres' && node.name === 'nextval') {
      if (!isSafeNextval(node)) found.add(node.name);
    } else if (!safe.has(node.name) || node.star || node.distinct) {
      // f(*) and f(DISTINCT …) are aggregates, which no default or CHECK can hold.
      found.add(node.name);
    }
  });
  return [...found];
}
