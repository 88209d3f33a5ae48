import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  LexError,
  isPunct,
  isUnknownMode,
  isWord,
  lexFlags,
  readName,
  tokenize
} from "./chunk-AIHX2DPB.js";

// src/sql/mysql/purity.ts
var words = (list) => list.trim().split(/\s+/);
var MYSQL_PURE_FUNCTIONS = new Set(
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
    MD5 SHA SHA1 SHA2 UUID INET_ATON INET_NTOA`)
);
var NOT_CALLS = new Set(
  words(`IN EXISTS AND OR NOT XOR ANY ALL SOME USING INDEX KEY PARTITION ON WHERE FROM JOIN SELECT AS
    LIKE BETWEEN IS CASE WHEN THEN ELSE INTERVAL BINARY DISTINCT ROW ESCAPE REGEXP RLIKE DIV FOR
    LATERAL UNION MATCH AGAINST OVER WITH STRAIGHT_JOIN FORCE USE IGNORE`)
);
function mysqlEvaluation(sql, sqlMode, server) {
  let tokens2;
  try {
    tokens2 = tokenize(sql, lexFlags(sqlMode, server));
  } catch {
    return { unsafe: "the statement could not be lexed", names: [] };
  }
  const names = /* @__PURE__ */ new Set();
  for (const [i, t] of tokens2.entries()) {
    if (t.kind !== "word" && t.kind !== "qident") continue;
    if (!isPunct(tokens2[i + 1], "(")) {
      names.add(t.value);
      continue;
    }
    const qualified = isPunct(tokens2[i - 1], ".");
    if (t.kind === "word" && !qualified && (NOT_CALLS.has(t.upper) || MYSQL_PURE_FUNCTIONS.has(t.upper)))
      continue;
    return { unsafe: `${t.value}() is not known to be free of side effects`, names: [] };
  }
  return { names: [...names] };
}

// src/sql/mysql/calls.ts
function routineAt(tokens2, i) {
  const t = tokens2[i];
  if (t.kind !== "word" && t.kind !== "qident" || !isPunct(tokens2[i + 1], "(")) return void 0;
  if (isPunct(tokens2[i - 1], ".")) {
    const schema = tokens2[i - 2];
    if (!schema || schema.kind !== "word" && schema.kind !== "qident") return void 0;
    return { name: t.value, schema: schema.value };
  }
  if (t.kind === "word" && (MYSQL_PURE_FUNCTIONS.has(t.upper) || NOT_CALLS.has(t.upper))) return void 0;
  return { name: t.value };
}
function mysqlCalledFunctions(text, ctx) {
  let tokens2;
  try {
    tokens2 = tokenize(text, lexFlags(ctx.sqlMode, ctx.server));
  } catch (err) {
    if (err instanceof LexError) return [];
    throw err;
  }
  return callsIn(tokens2);
}
function callsIn(tokens2) {
  const out = /* @__PURE__ */ new Map();
  const add = (c) => out.set(`${c.schema ?? ""}.${c.name.toLowerCase()}`, c);
  for (let i = 0; i < tokens2.length; i++) {
    if (isWord(tokens2[i], "CALL") && !isPunct(tokens2[i + 1], "(")) {
      const n = readName(tokens2, i + 1);
      if (n) {
        const dot = n.name.lastIndexOf(".");
        add(dot < 0 ? { name: n.name } : { name: n.name.slice(dot + 1), schema: n.name.slice(0, dot) });
      }
      continue;
    }
    const call = routineAt(tokens2, i);
    if (call) add(call);
  }
  return [...out.values()];
}

// src/sql/mysql/temp-tables.ts
var ROW_RULES = /* @__PURE__ */ new Set(["destructive/delete-without-where", "destructive/update-without-where"]);
function tokens(text, sqlMode) {
  if (isUnknownMode(sqlMode)) return void 0;
  try {
    return tokenize(text, lexFlags(sqlMode));
  } catch {
    return void 0;
  }
}
function temporaryTableNames(text, sqlMode) {
  if (!/temporary/i.test(text)) return [];
  const ts = tokens(text, sqlMode) ?? [];
  const out = [];
  for (let i = 0; i + 2 < ts.length; i++) {
    if (!isWord(ts[i], "TEMPORARY") || !isWord(ts[i + 1], "TABLE")) continue;
    let at = i + 2;
    if (isWord(ts[at], "IF") && isWord(ts[at + 1], "NOT") && isWord(ts[at + 2], "EXISTS")) at += 3;
    const name = tableName(ts, at);
    if (name) out.push(name.table.name.toLowerCase());
  }
  return out;
}
function tableName(ts, i) {
  const ident = (t) => t !== void 0 && (t.kind === "word" || t.kind === "qident");
  if (!ident(ts[i])) return void 0;
  if (isPunct(ts[i + 1], ".")) {
    if (!ident(ts[i + 2]) || isPunct(ts[i + 3], ".")) return void 0;
    return { table: { schema: ts[i].value, name: ts[i + 2].value }, next: i + 3 };
  }
  return { table: { name: ts[i].value }, next: i + 1 };
}
var UPDATE_NEXT = ["SET"];
var DELETE_NEXT = ["WHERE", "ORDER", "LIMIT", "RETURNING", "PARTITION"];
function singleWriteTarget(text, sqlMode) {
  const ts = tokens(text, sqlMode);
  if (!ts || ts.some((t) => t.executable)) return void 0;
  const end = isPunct(ts.at(-1), ";") ? ts.length - 1 : ts.length;
  if (ts.slice(0, end).some((t) => isPunct(t, ";"))) return void 0;
  const update = isWord(ts[0], "UPDATE");
  if (!update && !isWord(ts[0], "DELETE")) return void 0;
  let i = 1;
  while (isWord(ts[i], "LOW_PRIORITY", "QUICK", "IGNORE")) i++;
  if (!update) {
    if (!isWord(ts[i], "FROM")) return void 0;
    i++;
  }
  const found = tableName(ts, i);
  if (!found) return void 0;
  const follows = update ? UPDATE_NEXT : DELETE_NEXT;
  let next = found.next;
  const atEnd = (j) => j >= end || isWord(ts[j], ...follows);
  if (!atEnd(next)) {
    if (isWord(ts[next], "AS")) next++;
    const alias = ts[next];
    if (!alias || !(alias.kind === "qident" || alias.kind === "word" && !isWord(alias, ...follows)))
      return void 0;
    next++;
  }
  if (update ? !isWord(ts[next], "SET") : !atEnd(next)) return void 0;
  return found.table;
}
function withoutOwnTemporaryWrites(a, text, ctx) {
  const own = ctx.ownTemporary;
  if (!own || own.text !== text) return a;
  delete ctx.ownTemporary;
  const target = singleWriteTarget(text, ctx.sqlMode);
  if (a.statements.length !== 1 || !target || mysqlCalledFunctions(text, ctx).length > 0) return a;
  const spellings = [target.name, ...target.schema ? [`${target.schema}.${target.name}`] : []];
  const names = new Set(spellings.map((n) => n.toLowerCase()));
  const [s] = a.statements;
  const findings = s.findings.filter(
    (f) => !ROW_RULES.has(f.rule) || f.objects.length === 0 || !f.objects.every((o) => names.has(o.toLowerCase()))
  );
  return { ...a, findings, statements: [{ ...s, findings }], temporaryTarget: own.table };
}

export {
  mysqlEvaluation,
  routineAt,
  mysqlCalledFunctions,
  callsIn,
  temporaryTableNames,
  singleWriteTarget,
  withoutOwnTemporaryWrites
};
