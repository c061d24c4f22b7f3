/**
 * Reserved words per dialect. The parser uses them to refuse a bare word that cannot be a column
 * name; the renderer uses them to quote a function name that the dialect would otherwise read as
 * syntax.
 */

const words = (s: string) => new Set(s.trim().split(/\s+/));

/** PostgreSQL 15 `pg_get_keywords()`, category R (reserved), plus SYSTEM_USER (reserved from 16). */
export const PG_RESERVED = words(`
  all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create
  current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc
  distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral
  leading limit localtime localtimestamp not null offset on only or order placing primary references returning
  select session_user some symmetric system_user table then to trailing true union unique user using variadic when
  where window with`);

/** Category T: may name a function or type, never a column. */
export const PG_TYPE_FUNC = words(`
  authorization binary collation concurrently cross current_schema freeze full ilike inner is isnull join left like
  natural notnull outer overlaps right similar tablesample verbose`);

/** Category C: may name a column or type; a function only where the grammar has a rule for it. */
export const PG_COL_NAME = words(`
  between bigint bit boolean char character coalesce dec decimal exists extract float greatest grouping inout int
  integer interval least national nchar none normalize nullif numeric out overlay position precision real row setof
  smallint substring time timestamp treat trim values varchar xmlattributes xmlconcat xmlelement xmlexists xmlforest
  xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable`);

/** MySQL 8.0 reserved words, with MariaDB's additions. */
export const MYSQL_RESERVED = words(`
  accessible add all alter analyze and as asc asensitive before between bigint binary blob both by call cascade case
  change char character check collate column condition constraint continue convert create cross cube cume_dist
  current_date current_role current_time current_timestamp current_user cursor database databases day_hour
  day_microsecond day_minute day_second dec decimal declare default delayed delete delete_domain_id dense_rank desc
  describe deterministic distinct distinctrow div do_domain_ids double drop dual each else elseif empty enclosed
  escaped except exists exit explain false fetch first_value float float4 float8 for force foreign from fulltext
  function general generated get grant group grouping groups having high_priority hour_microsecond hour_minute
  hour_second if ignore ignore_domain_ids ignore_server_ids in index infile inner inout insensitive insert int int1
  int2 int3 int4 int8 integer intersect interval into io_after_gtids io_before_gtids is iterate join json_table key
  keys kill lag last_value lateral lead leading leave left like limit linear lines load localtime localtimestamp lock
  long longblob longtext loop low_priority master_bind master_heartbeat_period master_ssl_verify_server_cert match
  maxvalue mediumblob mediumint mediumtext middleint minute_microsecond minute_second mod modifies natural not
  no_write_to_binlog nth_value ntile null numeric of offset on optimize optimizer_costs option optionally or order
  out outer outfile over page_checksum parse_vcol_expr partition percent_rank position precision primary procedure
  purge range rank read read_write reads real recursive ref_system_id references regexp release rename repeat
  replace require resignal restrict return returning revoke right rlike row row_number rows schema schemas
  second_microsecond select sensitive separator set show signal slow smallint spatial specific sql sql_big_result
  sql_calc_found_rows sql_small_result sqlexception sqlstate sqlwarning ssl starting stats_auto_recalc
  stats_persistent stats_sample_pages stored straight_join system table terminated then tinyblob tinyint tinytext
  to trailing trigger true undo union unique unlock unsigned update usage use using utc_date utc_time utc_timestamp
  values varbinary varchar varcharacter varying virtual when where while window with write xor year_month zerofill`);

/** Words that are syntax in MySQL even when a parenthesis follows them. */
export const MYSQL_NOT_CALLABLE = words(`
  all and any as between binary by case collate default distinct div else end escape exists false from group having
  in interval into is like limit match member not null on or order regexp rlike row select some sounds then true
  union using values when where with xor`);

/** SQLite's keywords that cannot stand for a column name in an expression. */
export const SQLITE_RESERVED = words(`
  add all alter and as between by case cast check collate commit constraint create current_date current_time
  current_timestamp default deferrable delete distinct drop else end escape except exists filter foreign from glob
  group having in index insert intersect into is isnull join like limit match not notnull null on or order over
  primary raise references regexp select set table then to transaction union unique update using values when where
  window with`);

/** Words that are syntax in SQLite even when a parenthesis follows them (like() and glob() are functions). */
export const SQLITE_NOT_CALLABLE = words(`
  all and as between case cast collate distinct else end escape exists from in is isnull not notnull null or raise
  select then values when where with`);

/** Statement words: met where an expression should start, they mean a subquery. */
export const SUBQUERY_WORDS = words('select with values table exists');
