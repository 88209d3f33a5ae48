// Whether the server may evaluate a MySQL / MariaDB expression for an impact estimate: the
// estimator plans and counts the rows a write would touch, which evaluates its WHERE. A stored
// function there could take a lock (GET_LOCK), sleep, or call a procedure that writes, and a
// READ ONLY transaction does not stop the first two. So only built-ins known to compute and
// nothing else may be evaluated (an allowlist); anything else leaves the row count unknown.
import { type Token, tokenize } from './lexer.js';
import type { MysqlServer } from './server.js';
import { lexFlags } from './sql-mode.js';
import { isPunct } from './tokens.js';

const words = (list: string) => list.trim().split(/\s+/);

export const MYSQL_PURE_FUNCTIONS: ReadonlySet<string> = new Set(
  words(`ABS ACOS ASIN ATAN ATAN2 CEIL CEILING COS COT CRC32 DEGREES EXP FLOOR LN LOG LOG10 LOG2 MOD
    PI POW POWER RADIANS RAND ROUND SIGN SIN SQRT TAN TRUNCATE CONV
    ASCII BIN BIT_LENGTH CHAR CHAR_LENGTH CHARACTER_LENGTH CONCAT CONCAT_WS ELT EXPORT_SET FIELD
    FIND_IN_SET FORMAT FROM_BASE64 HEX INSERT INSTR LCASE LEFT LENGTH LOCATE LOWER LPAD LTRIM
    MAKE_SET MID OCT OCTET_LENGTH ORD POSITION QUOTE REPEAT REPLACE REVERSE RIGHT RPAD RTRIM SOUNDEX
    SPACE STRCMP SUBSTR SUBSTRING SUBSTRING_INDEX TO_BASE64 TRIM UCASE UNHEX UPPER REGEXP_LIKE
    REGEXP_REPLACE REGEXP_INSTR REGEXP_SUBSTR
    ADDDATE ADDTIME CONVERT_TZ CURDATE CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURTIME DATE
    DATE_ADD DATE_FORMAT DATE_SUB DATEDIFF DAY DAYNAME DAYOFMONTH DAYOFWEEK DAYOFYEAR EXTRACT
    FROM_DAYS FROM_UNIXTIME HOUR LAST_DAY LOCALTIME LOCALTIMESTAMP MAKEDATE MAKETIME MICROSECOND
    MINUTE MONTH MONTHNAME NOW PERIOD_ADD PERIOD_DIFF QUARTER SEC_TO_TIME SECOND STR_TO_DATE SUBDATE
    SUBTIME SYSDATE TIME TIME_FORMAT TIME_TO_SEC TIMEDIFF TIMESTAMP TIMESTAMPADD TIMESTAMPDIFF
    TO_DAYS TO_SECONDS UNIX_TIMESTAMP UTC_DATE UTC_TIME UTC_TIMESTAMP WEEK WEEKDAY WEEKOFYEAR YEAR
    YEARWEEK
    IF IFNULL NULLIF COALESCE GREATEST LEAST ISNULL CAST CONVERT
    COUNT SUM AVG MIN MAX GROUP_CONCAT BIT_AND BIT_OR BIT_XOR STD STDDEV STDDEV_POP STDDEV_SAMP
    VAR_POP VAR_SAMP VARIANCE JSON_ARRAYAGG JSON_OBJECTAGG ROW_NUMBER RANK DENSE_RANK LAG LEAD
    FIRST_VALUE LAST_VALUE NTH_VALUE NTILE PERCENT_RANK CUME_DIST
    JSON_EXTRACT JSON_UNQUOTE JSON_CONTAINS JSON_CONTAINS_PATH JSON_KEYS JSON_LENGTH JSON_TYPE
    JSON_VALID JSON_OBJECT JSON_ARRAY JSON_SET JSON_INSERT JSON_REPLACE JSON_REMOVE JSON_VALUE
    JSON_SEARCH JSON_QUOTE JSON_MERGE_PATCH JSON_MERGE_PRESERVE JSON_TABLE
    MD5 SHA SHA1 SHA2 UUID INET_ATON INET_NTOA`),
);

/** Words that a parenthesis may follow without being a call. */
export const NOT_CALLS: ReadonlySet<string> = new Set(
  words(`IN EXISTS AND OR NOT XOR ANY ALL SOME USING INDEX KEY PARTITION ON WHERE FROM JOIN SELECT AS
    LIKE BETWEEN IS CASE WHEN THEN ELSE INTERVAL BINARY DISTINCT ROW ESCAPE REGEXP RLIKE DIV FOR
    LATERAL UNION MATCH AGAINST OVER WITH STRAIGHT_JOIN FORCE USE IGNORE`),
);

export interface MysqlEvaluation {
  /** Why the text must not be evaluated. */
  unsafe?: string;
  /** Names the text mentions: none may be a view (a view evaluates its own expressions). */
  names: string[];
}

/**
 * What evaluating `sql` (a SELECT's FROM and WHERE) would run, lexed under `sqlMode` as `server`
 * reads it (which executable comments run). Without a server every one is read as code, which is
 * not what a server runs: a comment it skips ends at its first `*\/`, where the code beyond it
 * may have been inside a string.
 */
export function mysqlEvaluation(
  sql: string,
  sqlMode: string | undefined,
  server?: MysqlServer,
): MysqlEvaluation {
  let tokens: Token[];
  try {
    tokens = tokenize(sql, lexFlags(sqlMode, server));
  } catch {
    return { unsafe: 'the statement could not be lexed', names: [] };
  }
  const names = new Set<string>();
  for (const [i, t] of tokens.entries()) {
    if (t.kind !== 'word' && t.kind !== 'qident') continue;
    if (!isPunct(tokens[i + 1], '(')) {
      names.add(t.value);
      continue;
    }
    const qualified = isPunct(tokens[i - 1], '.');
    if (t.kind === 'word' && !qualified && (NOT_CALLS.has(t.upper) || MYSQL_PURE_FUNCTIONS.has(t.upper)))
      continue;
    return { unsafe: `${t.value}() is not known to be free of side effects`, names: [] };
  }
  return { names: [...names] };
}
