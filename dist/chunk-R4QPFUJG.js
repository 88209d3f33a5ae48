import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  require_lib
} from "./chunk-WLKLOQWD.js";
import {
  Lru,
  parseTree,
  scan,
  scanTokens,
  sessionLexings,
  tokenize
} from "./chunk-AIHX2DPB.js";
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";
import {
  __toESM
} from "./chunk-6MG4NLIR.js";

// src/masking/types.ts
var DETECTOR_NAMES = [
  "email",
  "credit-card",
  "us-ssn",
  "iban",
  "jwt",
  "private-key",
  "aws-key",
  "gcp-key",
  "azure-key",
  "github-token",
  "slack-token",
  "bearer-token",
  "credential-field"
];
var DEFAULT_REPLACEMENT = "[masked]";
var MaskingError = class extends GuardrailError {
  static code = "ERR_MASKING_REFUSED";
};
var MaskingConfigError = class extends GuardrailError {
  static code = "ERR_MASKING_CONFIG";
};

// src/masking/columns.ts
var PART = /^[^.\s]+$/;
var ANY = /^/;
function globPart(part) {
  if (part === "*") return ANY;
  const body = part.replace(/[.+?^${}()|[\]\\-]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${body}$`, "i");
}
function compilePattern(source) {
  const parts = source.trim().split(".");
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => !PART.test(p))) {
    throw new MaskingConfigError(
      `masking.columns: "${source}" is not a column pattern (schema.table.column, table.column or column; * matches any part)`
    );
  }
  const [column, table = "*", schema = "*"] = [...parts].reverse();
  return { source, schema: globPart(schema), table: globPart(table), column: globPart(column) };
}
var ColumnMatcher = class {
  patterns;
  constructor(patterns) {
    this.patterns = patterns.map(compilePattern);
  }
  get empty() {
    return this.patterns.length === 0;
  }
  /** True when schema.table.column is masked. Names are compared case-insensitively. */
  matches(schema, table, column) {
    return this.patterns.some((p) => p.schema.test(schema) && p.table.test(table) && p.column.test(column));
  }
  /** True when some pattern could mask a column of schema.table (used when its columns are unknown). */
  mayMatchTable(schema, table) {
    return this.patterns.some((p) => p.schema.test(schema) && p.table.test(table));
  }
};
var ColumnResolverCache = class _ColumnResolverCache {
  constructor(matcher, capacity = 1e4) {
    this.matcher = matcher;
    this.capacity = capacity;
  }
  matcher;
  capacity;
  entries = /* @__PURE__ */ new Map();
  static key(tableOid, attnum) {
    return `${tableOid}:${attnum}`;
  }
  has(tableOid, attnum) {
    return tableOid === 0 || this.entries.has(_ColumnResolverCache.key(tableOid, attnum));
  }
  /**
   * Records what the catalog said; `null` means the catalog has no such column. An origin that
   * cannot be named cannot be cleared, so it counts as masked whenever any rule exists.
   */
  set(tableOid, attnum, origin) {
    if (this.entries.size >= this.capacity) this.entries.clear();
    const masked = origin ? this.matcher.matches(origin.schema, origin.table, origin.column) : !this.matcher.empty;
    this.entries.set(_ColumnResolverCache.key(tableOid, attnum), { origin, masked });
  }
  origin(tableOid, attnum) {
    return this.entries.get(_ColumnResolverCache.key(tableOid, attnum))?.origin;
  }
  /**
   * Masked per the rules; undefined when the pair was never looked up (the gateway must look it
   * up first). Table OID 0 means "not a table column" and is answered by lineage alone.
   */
  masked(tableOid, attnum) {
    if (tableOid === 0) return false;
    return this.entries.get(_ColumnResolverCache.key(tableOid, attnum))?.masked;
  }
  invalidate() {
    this.entries.clear();
  }
};

// src/masking/checksums.ts
var LENGTHS = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30
};
function ibanLength(country) {
  return LENGTHS[country.toUpperCase()];
}
function ibanChecksumValid(compact) {
  const s = compact.toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s)) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 ? code - 55 : code - 48;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}
function luhnValid(digits) {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

// src/masking/detectors.ts
var whole = (ok, m) => ok ? m.length : -1;
function issuerLengths(d) {
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  if (d[0] === "4") return d.length === 13 || d.length === 16 || d.length === 19 ? [13, 19] : void 0;
  if (p2 >= 51 && p2 <= 55 || p4 >= 2221 && p4 <= 2720) return [16, 16];
  if (p2 === 34 || p2 === 37) return [15, 15];
  if (p4 >= 3528 && p4 <= 3589) return [16, 19];
  if (p3 >= 300 && p3 <= 305 || p2 === 36 || p2 === 38 || p2 === 39) return [14, 19];
  if (p4 === 6011 || p3 >= 644 && p3 <= 649 || p2 === 65 || p2 === 62) return [16, 19];
  if (p2 === 50 || p2 >= 56 && p2 <= 69) return [13, 19];
  return void 0;
}
function cardValid(m) {
  const digits = m.replace(/[ -]/g, "");
  const range = issuerLengths(digits);
  return whole(!!range && digits.length >= range[0] && digits.length <= range[1] && luhnValid(digits), m);
}
function ssnValid(m) {
  const [area = "", group = "", serial = ""] = m.split("-");
  const a = Number(area);
  return whole(a !== 0 && a !== 666 && a < 900 && group !== "00" && serial !== "0000", m);
}
function ibanValid(m) {
  const len = ibanLength(m.slice(0, 2));
  if (!len) return -1;
  let compact = "";
  let i = 0;
  for (; i < m.length && compact.length < len; i++) if (m[i] !== " ") compact += m[i];
  if (compact.length !== len || /[A-Za-z0-9]/.test(m[i] ?? "")) return -1;
  return ibanChecksumValid(compact) ? i : -1;
}
function jwtValid(m) {
  const header = Buffer.from(m.slice(0, m.indexOf(".")), "base64url").toString("utf8");
  if (!header.trimStart().startsWith("{")) return -1;
  try {
    const parsed = JSON.parse(header);
    return whole(
      typeof parsed === "object" && parsed !== null && typeof parsed.alg === "string",
      m
    );
  } catch {
    return -1;
  }
}
function tokenLike(m) {
  const token = m.replace(/^\S+\s+/, "");
  return whole(token.length >= 16 || /[^A-Za-z]/.test(token), m);
}
function basicAuthValid(m) {
  const decoded = Buffer.from(m.replace(/^\S+\s+/, ""), "base64").toString("latin1");
  return whole(/^[\x20-\x7e]+:[\x20-\x7e]*$/.test(decoded), m);
}
var FILE_EXTENSION = /\.(?:png|jpe?g|gif|svg|webp|avif|ico|css|js|json|pdf|txt)$/i;
var NB = "(?<![A-Za-z0-9])";
var NA = "(?![A-Za-z0-9])";
var BUILT_IN = {
  email: [
    {
      re: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g,
      validate: (m) => whole(!FILE_EXTENSION.test(m), m)
    }
  ],
  "credit-card": [
    {
      // Plain runs, 4-4-4-x groups, or Amex 4-6-5; not the digits of a decimal fraction.
      re: /(?<![A-Za-z0-9]|\d[.,])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{4,5})(?![A-Za-z0-9]|[.,]\d)/g,
      validate: cardValid
    }
  ],
  "us-ssn": [{ re: /(?<![A-Za-z0-9-])\d{3}-\d{2}-\d{4}(?![A-Za-z0-9-])/g, validate: ssnValid }],
  iban: [
    {
      re: new RegExp(`${NB}[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?`, "gi"),
      validate: ibanValid
    }
  ],
  jwt: [
    {
      re: /(?<![A-Za-z0-9_-])ey[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{2,16384}\.[A-Za-z0-9_-]{0,4096}(?![A-Za-z0-9_-])/g,
      validate: jwtValid
    }
  ],
  "private-key": [],
  "aws-key": [
    {
      re: new RegExp(
        `${NB}(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA|A3T[A-Z0-9])[A-Z0-9]{16}${NA}`,
        "g"
      )
    },
    {
      re: /aws.{0,24}?(?:secret|sk).{0,24}?['"]?\s{0,4}[:=]\s{0,4}['"]?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/dgi,
      group: 1
    },
    // The secret access key written right after its key id: `AKIA…:wJal…`, `'AKIA…', 'wJal…'`.
    {
      re: /(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}[^A-Za-z0-9/+]{1,16}([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/dg,
      group: 1
    }
  ],
  "gcp-key": [
    { re: /"private_key(?:_id)?"\s{0,8}:\s{0,8}"((?:[^"\\]|\\.){8,16384})"/dg, group: 1 },
    { re: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g }
  ],
  "azure-key": [
    {
      re: /(?<![A-Za-z0-9])(?:AccountKey|SharedAccessKey|SharedAccessSignature|sig)\s{0,4}=\s{0,4}([^;'"\s&]{8,4096})/dgi,
      group: 1
    }
  ],
  "github-token": [
    {
      re: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])/g
    }
  ],
  "slack-token": [
    { re: /(?<![A-Za-z0-9-])(?:xox[abposre]-[A-Za-z0-9-]{10,250}|xapp-\d-[A-Za-z0-9-]{10,250})/g },
    { re: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]{20,200}/g }
  ],
  "bearer-token": [
    { re: /(?<![A-Za-z0-9])Bearer\s{1,4}[A-Za-z0-9._~+/-]{8,8192}=*/gi, validate: tokenLike },
    { re: /(?<![A-Za-z0-9])Basic\s{1,4}[A-Za-z0-9+/]{8,4096}={0,2}/g, validate: basicAuthValid }
  ],
  "credential-field": [
    // scheme://user:password@host
    { re: /(?<![A-Za-z0-9])[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@'"]{0,256}:([^\s@/'"]{1,256})@/dgi, group: 1 },
    // password=…, "client_secret": "…", api_key: … (conninfo strings, JSON, env-style lines)
    {
      re: /(?<![A-Za-z0-9_])(?:password|passwd|pwd|secret|client_secret|api[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token)["']?\s{0,4}[=:]\s{0,4}('(?:[^'\\]|\\.){0,1024}'|"(?:[^"\\]|\\.){0,1024}"|[^\s;,&'"$?:(][^\s;,&'"]{0,1023})/dgi,
      group: 1
    },
    // Prose in comments and notices: "the password is …", "api key was …".
    {
      re: /(?<![A-Za-z0-9_])(?:pass(?:word|wd|phrase)|pwd|secret|api[_ -]?key|token)s?\s{1,4}(?:is|was|to|now)\s{1,4}('(?:[^'\\]|\\.){0,1024}'|"(?:[^"\\]|\\.){0,1024}"|[^\s;,&'"]{1,1024})/dgi,
      group: 1
    }
  ]
};
var HINTS = {
  email: { caseSensitive: "@" },
  "credit-card": { shape: cardShaped },
  "us-ssn": { caseSensitive: "\\d{3}-\\d{2}-\\d{4}" },
  iban: { caseInsensitive: "[A-Z]{2}\\d{2}" },
  jwt: { caseSensitive: "ey[A-Za-z0-9_-]{8}" },
  "private-key": { caseSensitive: "-----BEGIN " },
  // AKIA…, A3T…: 'A' and 19 more; or the word aws before a secret.
  "aws-key": { caseSensitive: "A[A-Z0-9]{19}", caseInsensitive: "aws" },
  "gcp-key": { caseSensitive: '"private_key|AIza' },
  "azure-key": { caseInsensitive: "key\\s{0,4}=|sig" },
  "github-token": { caseSensitive: "gh[pousr]_|github_pat_" },
  "slack-token": { caseSensitive: "xox[abposre]-|xapp-|https://hooks\\.slack\\.com/" },
  "bearer-token": { caseSensitive: "Basic", caseInsensitive: "bearer" },
  "credential-field": {
    caseInsensitive: `:\\/\\/|(?:pass(?:word|wd)|pwd|secret|api[_-]?key|token)["']?\\s{0,4}[=:]|(?:pass(?:word|wd|phrase)|pwd|secret|api[_ -]?key|token)s?\\s{1,4}(?:is|was|to|now)\\s`
  }
};
function cardShaped(text) {
  let run = 0;
  let prev = -1;
  let prev2 = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++run >= 13) return true;
      continue;
    }
    if (run === 0) {
      prev = prev2 = -1;
      continue;
    }
    if (prev2 >= 4 && (prev === 4 || prev === 6) && run >= 4) return true;
    const next = text.charCodeAt(i + 1);
    if ((c === 32 || c === 45) && next >= 48 && next <= 57) {
      prev2 = prev;
      prev = run;
    } else prev = prev2 = -1;
    run = 0;
  }
  return run > 0 && prev2 >= 4 && (prev === 4 || prev === 6) && run >= 4;
}
function hintRegex(parts, flags) {
  const present = parts.filter((p) => p !== void 0);
  return present.length ? new RegExp(present.join("|"), flags) : void 0;
}
var PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]+ ){0,4})PRIVATE KEY( BLOCK)?-----/g;
function findPrivateKeys(text, out) {
  PEM_BEGIN.lastIndex = 0;
  for (let m = PEM_BEGIN.exec(text); m; m = PEM_BEGIN.exec(text)) {
    const endMarker = `-----END ${m[1] ?? ""}PRIVATE KEY${m[2] ?? ""}-----`;
    const at = text.indexOf(endMarker, m.index + m[0].length);
    const end = at < 0 ? text.length : at + endMarker.length;
    out.push({ start: m.index, end, detector: "private-key" });
    PEM_BEGIN.lastIndex = end;
  }
}
var MAX_PATTERN = 512;
var WINDOW = 2048;
var OVERLAP = 256;
var MAX_CUSTOM_SCANNED = 1024 * 1024;
function validateCustomPattern(name, pattern) {
  const where = `masking.custom "${name}"`;
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
    throw new MaskingConfigError(`${where}: names are lower-case letters, digits and dashes`);
  }
  if (DETECTOR_NAMES.includes(name)) {
    throw new MaskingConfigError(`${where}: the name is taken by a built-in detector`);
  }
  if (pattern.length === 0 || pattern.length > MAX_PATTERN) {
    throw new MaskingConfigError(`${where}: the pattern must have 1 to ${MAX_PATTERN} characters`);
  }
  let re;
  try {
    re = new RegExp(pattern, "g");
  } catch (err) {
    throw new MaskingConfigError(`${where}: invalid regular expression: ${err.message}`);
  }
  const risky = riskyConstruct(pattern);
  if (risky)
    throw new MaskingConfigError(`${where}: ${risky} (it could make matching take exponential time)`);
  if (new RegExp(`^(?:${pattern})$`).test("")) {
    throw new MaskingConfigError(`${where}: the pattern matches the empty string`);
  }
  return re;
}
function riskyConstruct(p) {
  const stack = [];
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "\\") {
      const n = p[i + 1] ?? "";
      if (!inClass && (/[1-9]/.test(n) || n === "k")) return "backreferences are not allowed";
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === "[") inClass = true;
    else if (c === "(") stack.push({ quantified: false, alternation: false });
    else if (c === "|" && top) top.alternation = true;
    else if (c === "*" || c === "+" || c === "{" || c === "?" && p[i - 1] !== "(") {
      if (top) top.quantified = true;
    } else if (c === ")") {
      const group = stack.pop();
      const next = p[i + 1] ?? "";
      const unbounded = next === "*" || next === "+" || next === "{" && /^\{\d*,\}/.test(p.slice(i + 1));
      if (group && unbounded && (group.quantified || group.alternation)) {
        return "a group with a quantifier or alternation inside may not be repeated without bound";
      }
      const parent = stack[stack.length - 1];
      if (group && parent) {
        parent.quantified ||= group.quantified || unbounded;
        parent.alternation ||= group.alternation;
      }
    }
  }
  return void 0;
}
var MAX_SCANNED_VALUE = 4 * 1024 * 1024;
var ValueDetectors = class {
  detectors;
  privateKeys;
  hasCustom;
  hintCaseSensitive;
  hintCaseInsensitive;
  hintShapes;
  /** Custom patterns without the global flag: `test` must not depend on a previous `exec`. */
  customHints;
  constructor(config = {}) {
    const enabled = config.detectors ?? DETECTOR_NAMES;
    for (const name of enabled) {
      if (!DETECTOR_NAMES.includes(name)) {
        throw new MaskingConfigError(
          `masking.detectors: unknown detector "${name}" (known: ${DETECTOR_NAMES.join(", ")})`
        );
      }
    }
    this.privateKeys = enabled.includes("private-key");
    this.hasCustom = (config.custom ?? []).length > 0;
    this.detectors = [
      ...enabled.filter((n) => n !== "private-key").map((name) => ({ name, rules: BUILT_IN[name], windowed: false })),
      ...(config.custom ?? []).map((c) => ({
        name: c.name,
        rules: [{ re: validateCustomPattern(c.name, c.pattern) }],
        windowed: true
      }))
    ];
    const hints = enabled.map((n) => HINTS[n]);
    this.hintShapes = hints.flatMap((h) => h.shape ? [h.shape] : []);
    this.hintCaseSensitive = hintRegex(
      hints.map((h) => h.caseSensitive),
      ""
    );
    this.hintCaseInsensitive = hintRegex(
      hints.map((h) => h.caseInsensitive),
      "i"
    );
    this.customHints = this.detectors.filter((d) => d.windowed).map((d) => new RegExp(d.rules[0].re.source));
  }
  /**
   * False only when no rule can match anywhere in `text`, so `scan` would find nothing. True
   * does not mean a rule matches.
   */
  mayFind(text) {
    if (text.length > MAX_SCANNED_VALUE || this.hasCustom && text.length > MAX_CUSTOM_SCANNED) return true;
    if (this.hintCaseSensitive?.test(text) || this.hintCaseInsensitive?.test(text)) return true;
    if (this.hintShapes.some((shape) => shape(text))) return true;
    if (this.customHints.length === 0) return false;
    return text.length > WINDOW || this.customHints.some((re) => re.test(text));
  }
  /**
   * False only when no rule can match in `text` nor in any part of it (a token of a statement):
   * the built-in hints have no anchors or lookarounds (and a card shape in a part is one in the
   * whole), so a part matches one only if the whole text does. Custom patterns may have them, so with any the answer is true.
   */
  mayFindInParts(text) {
    return this.hasCustom || this.mayFind(text);
  }
  /** Sorted, non-overlapping spans of everything detected in `text`. */
  find(text) {
    return this.mayFind(text) ? this.scan(text) : [];
  }
  /** `find` without the `mayFind` shortcut: every rule over the whole text. */
  scan(text) {
    const spans = [];
    if (text.length > MAX_SCANNED_VALUE || this.hasCustom && text.length > MAX_CUSTOM_SCANNED) {
      return [{ start: 0, end: text.length, detector: "oversized" }];
    }
    if (this.privateKeys) findPrivateKeys(text, spans);
    for (const d of this.detectors) {
      if (!d.windowed) {
        for (const rule of d.rules) collect(rule, text, 0, d.name, spans);
        continue;
      }
      for (let at = 0; at < text.length; at += WINDOW - OVERLAP) {
        for (const rule of d.rules) collect(rule, text.slice(at, at + WINDOW), at, d.name, spans);
        if (at + WINDOW >= text.length) break;
      }
    }
    return merge(spans);
  }
  detects(text) {
    return this.find(text).length > 0;
  }
  /** Replaces every detected span with `[redacted:<detector>]`. */
  redact(text) {
    return replaceSpans(text, this.find(text));
  }
  /** `redact` without the `mayFind` shortcut: the reference it is tested and measured against. */
  redactScanned(text) {
    return replaceSpans(text, this.scan(text));
  }
};
function replaceSpans(text, spans) {
  if (spans.length === 0) return text;
  let out = "";
  let at = 0;
  for (const s of spans) {
    out += `${text.slice(at, s.start)}[redacted:${s.detector}]`;
    at = s.end;
  }
  return out + text.slice(at);
}
function collect(rule, text, base, name, out) {
  const re = rule.re;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const end = rule.validate ? rule.validate(m[0]) : m[0].length;
    if (end < 0) {
      re.lastIndex = m.index + 1;
      continue;
    }
    if (rule.group) {
      const [start, end2] = m.indices?.[rule.group] ?? [m.index, m.index + m[0].length];
      out.push({ start: base + start, end: base + end2, detector: name });
    } else {
      out.push({ start: base + m.index, end: base + m.index + end, detector: name });
    }
  }
}
function merge(spans) {
  if (spans.length < 2) return spans;
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const out = [{ ...spans[0] }];
  for (const s of spans.slice(1)) {
    const last = out[out.length - 1];
    if (s.start < last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}
var CREDENTIAL_FIELDS = new ValueDetectors({ detectors: ["credential-field"] });

// src/sql/postgres/encoding.ts
var import_iconv_lite = __toESM(require_lib(), 1);
import { isAscii as asciiOnly, isUtf8 } from "node:buffer";
var BAD_BYTES = "22021";
var UNSUPPORTED = "0A000";
var ASCII_SAFE = {
  LATIN1: "iso-8859-1",
  LATIN2: "iso-8859-2",
  LATIN3: "iso-8859-3",
  LATIN4: "iso-8859-4",
  LATIN5: "iso-8859-9",
  LATIN6: "iso-8859-10",
  LATIN7: "iso-8859-13",
  LATIN8: "iso-8859-14",
  LATIN9: "iso-8859-15",
  LATIN10: "iso-8859-16",
  ISO_8859_5: "iso-8859-5",
  ISO_8859_6: "iso-8859-6",
  ISO_8859_7: "iso-8859-7",
  ISO_8859_8: "iso-8859-8",
  WIN866: "cp866",
  WIN874: "windows-874",
  WIN1250: "windows-1250",
  WIN1251: "windows-1251",
  WIN1252: "windows-1252",
  WIN1253: "windows-1253",
  WIN1254: "windows-1254",
  WIN1255: "windows-1255",
  WIN1256: "windows-1256",
  WIN1257: "windows-1257",
  WIN1258: "windows-1258",
  KOI8R: "koi8-r",
  KOI8U: "koi8-u"
};
var MULTIBYTE = {
  SJIS: { iconv: "cp932", length: sjisLength, asciiUnsafe: true },
  BIG5: { iconv: "cp950", length: twoByteLength, asciiUnsafe: true },
  GBK: { iconv: "cp936", length: twoByteLength, asciiUnsafe: true },
  UHC: { iconv: "cp949", length: twoByteLength, asciiUnsafe: true },
  GB18030: { iconv: "gb18030", length: gb18030Length, asciiUnsafe: true },
  EUC_JP: { iconv: "eucjp", length: eucJpLength, asciiUnsafe: false },
  EUC_KR: { iconv: "euc-kr", length: eucLength, asciiUnsafe: false },
  EUC_CN: { iconv: "gb2312", length: eucLength, asciiUnsafe: false }
};
var UNEXACT = {
  // Postgres' BIG5 table is plain Big5 (some entries even map to U+FFFD); iconv-lite's is CP950.
  BIG5: /* @__PURE__ */ new Set([
    41285,
    41294,
    41306,
    41410,
    41411,
    41413,
    41443,
    41458,
    41459,
    41470,
    41536,
    41537,
    41538,
    41540,
    41542,
    41543,
    41676,
    41678
  ]),
  // GB18030-2005 (Postgres 15–18) against iconv-lite's GB18030-2022 swaps.
  GB18030: /* @__PURE__ */ new Set([41888, 43196, 2167796791]),
  EUC_CN: /* @__PURE__ */ new Set([41380, 41386]),
  EUC_JP: /* @__PURE__ */ new Set([9413315])
};
var eucByte = (c) => c !== void 0 && c >= 161 && c <= 254;
function eucLength(b, i, end) {
  return i + 1 < end && eucByte(b[i]) && eucByte(b[i + 1]) ? 2 : -1;
}
function eucJpLength(b, i, end) {
  const c1 = b[i];
  if (c1 === 142) return i + 1 < end && b[i + 1] >= 161 && b[i + 1] <= 223 ? 2 : -1;
  if (c1 === 143) return i + 2 < end && eucByte(b[i + 1]) && eucByte(b[i + 2]) ? 3 : -1;
  return eucLength(b, i, end);
}
function sjisLength(b, i, end) {
  const c1 = b[i];
  if (c1 >= 161 && c1 <= 223) return 1;
  if (i + 1 >= end) return -1;
  const c2 = b[i + 1];
  const head = c1 >= 129 && c1 <= 159 || c1 >= 224 && c1 <= 252;
  const tail = c2 >= 64 && c2 <= 126 || c2 >= 128 && c2 <= 252;
  return head && tail ? 2 : -1;
}
function twoByteLength(b, i, end) {
  return i + 1 < end && b[i + 1] !== 0 ? 2 : -1;
}
function gb18030Length(b, i, end) {
  const c1 = b[i];
  const c2 = b[i + 1];
  if (c2 === void 0 || i + 1 >= end) return -1;
  if (i + 3 < end && c2 >= 48 && c2 <= 57) {
    const c3 = b[i + 2];
    const c4 = b[i + 3];
    return c1 >= 129 && c1 <= 254 && c3 >= 129 && c3 <= 254 && c4 >= 48 && c4 <= 57 ? 4 : -1;
  }
  if (c1 >= 129 && c1 <= 254 && (c2 >= 64 && c2 <= 126 || c2 >= 128 && c2 <= 254)) return 2;
  return -1;
}
function isAscii(b, start, end) {
  return asciiOnly(b.subarray(start, end));
}
function readingDependsOnState(b, start, end) {
  const slash = b.indexOf(92, start);
  return slash >= 0 && slash < end || highBytes(b, start, end);
}
function highBytes(b, start, end) {
  return !isAscii(b, start, end);
}
function hex(b, at, len) {
  return [...b.subarray(at, at + len)].map((x) => `0x${x.toString(16).padStart(2, "0")}`).join(" ");
}
function badBytes(b, at, encoding) {
  return { error: `invalid byte sequence for encoding "${encoding}": ${hex(b, at, 4)}`, code: BAD_BYTES };
}
function unsupported(client, server) {
  return {
    error: `client_encoding "${client}" (server encoding "${server}") cannot be read exactly by the gateway; use UTF8`,
    code: UNSUPPORTED
  };
}
function decodeSafe(b, start, end, name, encoding) {
  if (name === "utf8") {
    return isUtf8(b.subarray(start, end)) ? { text: b.toString("utf8", start, end) } : { error: `invalid byte sequence for encoding "${encoding}"`, code: BAD_BYTES };
  }
  const text = import_iconv_lite.default.decode(b.subarray(start, end), name);
  const bad = text.indexOf("\uFFFD");
  if (bad >= 0) return badBytes(b, start + bad, encoding);
  return { text };
}
var charCache = /* @__PURE__ */ new Map();
function decodeChar(b, at, len, encoding, name) {
  let code = 0;
  for (let k = 0; k < len; k++) code = code * 256 + b[at + k];
  let cache = charCache.get(encoding);
  if (!cache) charCache.set(encoding, cache = /* @__PURE__ */ new Map());
  const hit = cache.get(code);
  if (hit !== void 0) return hit || void 0;
  let ch = import_iconv_lite.default.decode(b.subarray(at, at + len), name);
  const exact = ch.length > 0 && !ch.includes("\uFFFD") && [...ch].length === 1 && ch.codePointAt(0) >= 128 && !UNEXACT[encoding]?.has(code);
  if (!exact) ch = "";
  if (cache.size < 1e5) cache.set(code, ch);
  return ch || void 0;
}
function decodeMultibyte(b, start, end, encoding) {
  const spec = MULTIBYTE[encoding];
  let out = "";
  let from = start;
  let i = start;
  while (i < end) {
    if (b[i] < 128) {
      i++;
      continue;
    }
    if (i > from) out += b.toString("latin1", from, i);
    const len = spec.length(b, i, end);
    if (len < 0) return badBytes(b, i, encoding);
    const ch = decodeChar(b, i, len, encoding, spec.iconv);
    if (ch === void 0)
      return {
        error: `the character ${hex(b, i, len)} of encoding "${encoding}" has no reading the gateway knows to be the server's`,
        code: UNSUPPORTED
      };
    out += ch;
    i += len;
    from = i;
  }
  if (end > from) out += b.toString("latin1", from, end);
  return { text: out };
}
function decode(b, start, end, client, server) {
  if (isAscii(b, start, end)) return { text: b.toString("latin1", start, end) };
  if (server === "SQL_ASCII") {
    if (client === "SQL_ASCII") return { text: b.toString("latin1", start, end) };
    if (MULTIBYTE[client]?.asciiUnsafe) return badBytes(b, start, client);
    const checked = decodeAs(b, start, end, client);
    if (!checked) return unsupported(client, server);
    return "error" in checked ? checked : { text: b.toString("latin1", start, end) };
  }
  const reading = client === server || client === "SQL_ASCII" ? server : client;
  if (MULTIBYTE[reading]?.asciiUnsafe && server !== "UTF8") return unsupported(client, server);
  return decodeAs(b, start, end, reading) ?? unsupported(client, server);
}
function decodeAs(b, start, end, encoding) {
  if (encoding === "UTF8") return decodeSafe(b, start, end, "utf8", encoding);
  const safe = ASCII_SAFE[encoding];
  if (safe) return decodeSafe(b, start, end, safe, encoding);
  return MULTIBYTE[encoding] ? decodeMultibyte(b, start, end, encoding) : void 0;
}

// src/sql/postgres/state.ts
var PostgresSessionState = class {
  /** client_encoding as reported (Postgres' canonical name). Every server reports it at start-up. */
  clientEncoding = "UTF8";
  serverEncoding = "UTF8";
  scs = true;
  /** search_path, when the server reports it (PostgreSQL 18 and later). */
  searchPath;
  /**
   * The message being judged follows others whose effect on these settings is not yet
   * confirmed: the analyzer reads it under every value they could have left (the strictest).
   */
  unsettled = false;
  /** standard_conforming_strings as the analyzer must assume it: off while unsettled. */
  get standardConformingStrings() {
    return this.scs && !this.unsettled;
  }
  /** A ParameterStatus from the server. */
  parameter(name, value) {
    switch (name) {
      case "client_encoding":
        this.clientEncoding = value.toUpperCase();
        break;
      case "server_encoding":
        this.serverEncoding = value.toUpperCase();
        break;
      case "standard_conforming_strings":
        this.scs = value === "on";
        break;
      case "search_path":
        this.searchPath = value;
        break;
    }
  }
  /** The text of a Query or Parse, as the server will read these bytes now. */
  decode(b, start, end) {
    return decode(b, start, end, this.clientEncoding, this.serverEncoding);
  }
};
function escapesInPlainStrings(text) {
  if (!text.includes("\\")) return false;
  return scan(text, { dialect: "postgres", standardConformingStrings: false })?.backslashInPlainString ?? true;
}

// src/masking/pg-fast-tokens.ts
var TAB = 9;
var LF = 10;
var CR = 13;
var SPACE = 32;
var DOUBLE_QUOTE = 34;
var DOLLAR = 36;
var AMP = 38;
var QUOTE = 39;
var STAR = 42;
var PLUS = 43;
var MINUS = 45;
var DOT = 46;
var SLASH = 47;
var COLON = 58;
var EQ = 61;
var IDENT_START = 1;
var IDENT_CHAR = 2;
var DIGIT = 4;
var WHITE = 8;
var OP = 16;
var SINGLE = 32;
var UPPER = 64;
var CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let cls = 0;
  if (/[A-Za-z_]/.test(ch)) cls |= IDENT_START | IDENT_CHAR;
  if (/[A-Z]/.test(ch)) cls |= UPPER;
  if (/[0-9$]/.test(ch)) cls |= IDENT_CHAR;
  if (/[0-9]/.test(ch)) cls |= DIGIT;
  if (/[ \t\n\v\f\r]/.test(ch)) cls |= WHITE;
  if ("~!@#^&|`?+-*/%<>=".includes(ch)) cls |= OP;
  if (",()[];".includes(ch)) cls |= SINGLE;
  CLASS[c] = cls;
}
function is(c, cls) {
  return c < 128 && (CLASS[c] & cls) !== 0;
}
function breaksScanner(c) {
  return c < SPACE && c !== TAB && c !== LF && c !== CR;
}
function tokenizePostgresFast(text) {
  const out = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const start = i;
    if (is(c, WHITE)) {
      i++;
    } else if (is(c, IDENT_START)) {
      let upper = false;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (!is(d, IDENT_CHAR)) break;
        if (is(d, UPPER)) upper = true;
      }
      const next = text.charCodeAt(i);
      if (next >= 128 || next === QUOTE || next === DOUBLE_QUOTE || next === AMP) return void 0;
      const word = text.slice(start, i);
      out.push({ kind: "word", start, end: i, value: upper ? word.toLowerCase() : word });
    } else if (is(c, DIGIT)) {
      while (is(text.charCodeAt(i), DIGIT)) i++;
      if (text.charCodeAt(i) === DOT && is(text.charCodeAt(i + 1), DIGIT)) {
        i++;
        while (is(text.charCodeAt(i), DIGIT)) i++;
      }
      if (!endsNumber(text.charCodeAt(i))) return void 0;
      out.push({ kind: "number", start, end: i, value: text.slice(start, i) });
    } else if (c === DOLLAR) {
      i++;
      while (is(text.charCodeAt(i), DIGIT)) i++;
      if (i === start + 1 || i - start > 10 || !endsNumber(text.charCodeAt(i))) return void 0;
      out.push({ kind: "punct", start, end: i, value: text.slice(start, i) });
    } else if (c === QUOTE) {
      i = quotedEnd(text, start, QUOTE);
      if (i < 0 || continuesString(text, i)) return void 0;
      out.push({ kind: "string", start, end: i, value: text.slice(start, i) });
    } else if (c === DOUBLE_QUOTE) {
      i = quotedEnd(text, start, DOUBLE_QUOTE);
      if (i < 0 || i === start + 2) return void 0;
      out.push({ kind: "word", start, end: i, value: text.slice(start + 1, i - 1).replace(/""/g, '"') });
    } else if (c === MINUS && text.charCodeAt(i + 1) === MINUS) {
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === LF || d === CR) break;
        if (breaksScanner(d)) return void 0;
      }
      out.push({ kind: "comment", start, end: i, value: text.slice(start, i) });
    } else if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      i = blockCommentEnd(text, start);
      if (i < 0) return void 0;
      out.push({ kind: "comment", start, end: i, value: text.slice(start, i) });
    } else if (is(c, OP)) {
      while (is(text.charCodeAt(i), OP)) i++;
      const op = text.slice(start, i);
      const last = op.charCodeAt(op.length - 1);
      if (op.length > 1 && (last === PLUS || last === MINUS || op.includes("--") || op.includes("/*"))) {
        return void 0;
      }
      out.push({ kind: "punct", start, end: i, value: op });
    } else if (c === COLON) {
      const next = text.charCodeAt(i + 1);
      i += next === COLON || next === EQ ? 2 : 1;
      out.push({ kind: "punct", start, end: i, value: text.slice(start, i) });
    } else if (c === DOT) {
      const next = text.charCodeAt(i + 1);
      if (next === DOT || is(next, DIGIT)) return void 0;
      i++;
      out.push({ kind: "punct", start, end: i, value: "." });
    } else if (is(c, SINGLE)) {
      i++;
      out.push({ kind: "punct", start, end: i, value: text[start] });
    } else {
      return void 0;
    }
  }
  return out.length > 0 ? out : void 0;
}
function endsNumber(next) {
  return !(next >= 128 || is(next, IDENT_CHAR) || next === DOT);
}
function quotedEnd(text, open, quote) {
  for (let i = open + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (breaksScanner(c)) return -1;
    if (c !== quote) continue;
    if (text.charCodeAt(i + 1) !== quote) return i + 1;
    i++;
  }
  return -1;
}
function continuesString(text, end) {
  let i = end;
  while (is(text.charCodeAt(i), WHITE)) i++;
  const c = text.charCodeAt(i);
  return c === QUOTE || c === MINUS;
}
function blockCommentEnd(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (breaksScanner(c)) return -1;
    if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      depth++;
      i++;
    } else if (c === STAR && text.charCodeAt(i + 1) === SLASH) {
      depth--;
      i++;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

// src/masking/sql-tokens.ts
var PG_STRING = /* @__PURE__ */ new Set([
  261,
  262,
  263,
  264
  /* XCONST */
]);
var PG_NUMBER = /* @__PURE__ */ new Set([
  260,
  266
  /* ICONST */
]);
var PG_COMMENT = /* @__PURE__ */ new Set([
  275,
  276
  /* C_COMMENT */
]);
var PG_IDENT = /* @__PURE__ */ new Set([
  258,
  259
  /* UIDENT */
]);
function byteToChar(text) {
  if (Buffer.byteLength(text, "utf8") === text.length) return (b) => b;
  const map = [];
  let byte = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.codePointAt(i);
    const n = c < 128 ? 1 : c < 2048 ? 2 : c < 65536 ? 3 : 4;
    for (let k = 0; k < n; k++) map[byte + k] = i;
    byte += n;
    if (c >= 65536) i++;
  }
  map[byte] = text.length;
  return (b) => map[b] ?? text.length;
}
function tokenizePostgres(text) {
  if (text.includes("\0")) throw new GuardrailError("NUL in statement text", { code: "ERR_SQL_LEX" });
  const toChar = byteToChar(text);
  return scanTokens(text).tokens.map((t) => {
    const start = toChar(t.start);
    const end = toChar(t.end);
    const source = text.slice(start, end);
    let kind = "punct";
    let value = source;
    if (PG_STRING.has(t.tokenType)) kind = "string";
    else if (PG_NUMBER.has(t.tokenType)) kind = "number";
    else if (PG_COMMENT.has(t.tokenType)) kind = "comment";
    else if (PG_IDENT.has(t.tokenType) || t.keywordKind > 0) {
      kind = "word";
      value = source.startsWith('"') ? source.slice(1, -1).replace(/""/g, '"') : source.toLowerCase();
    }
    return { kind, start, end, value };
  });
}
function tokenizeMysql(text, flags) {
  const out = [];
  let at = 0;
  const gap = (end) => {
    if (at === end) return;
    NON_SPACE.lastIndex = at;
    const next = NON_SPACE.exec(text);
    if (next && next.index < end) out.push({ kind: "comment", start: at, end, value: text.slice(at, end) });
  };
  for (const t of tokenize(text, flags)) {
    gap(t.start);
    at = t.end;
    out.push({ kind: MYSQL_KIND[t.kind], start: t.start, end: t.end, value: mysqlValue(t) });
  }
  gap(text.length);
  return out;
}
var NON_SPACE = /\S/g;
var MYSQL_KIND = {
  word: "word",
  qident: "word",
  var: "word",
  sysvar: "word",
  string: "string",
  number: "number",
  param: "punct",
  op: "punct",
  punct: "punct"
};
function mysqlValue(t) {
  if (t.kind === "word") return t.upper.toLowerCase();
  if (t.kind === "qident" || t.kind === "var" || t.kind === "sysvar") return t.value;
  return t.text;
}

// src/masking/statement.ts
var REDACTED_LITERAL = "'[redacted]'";
var SECRET_NAME = /pass(?:word|wd|phrase)|pwd|secret|token|api_?key|access_?key|private_?key|credential/i;
var AWS_KEY_ID = /(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}/;
var BETWEEN_NAME_AND_VALUE = /* @__PURE__ */ new Set(["(", "=", ":=", "to"]);
var ENDS_INSERT_TARGET = /* @__PURE__ */ new Set(["values", "value", "select", "set", "default"]);
var AFTER_IDENTIFIED = /* @__PURE__ */ new Set(["comment", "attribute", "require"]);
var filtered = (d, text) => d.redact(text);
var GENERATION = 2048;
var MAX_CACHED_TEXT = 1024;
var StatementRedactor = class {
  constructor(detectors) {
    this.detectors = detectors;
  }
  detectors;
  cache = new Lru(GENERATION);
  redact(text, dialect, opts = {}) {
    if (withoutLiterals(text) && !MAY_HAVE_SECRET_POSITION.test(text) && !this.detectors.mayFindInParts(text) && !CREDENTIAL_FIELDS.mayFindInParts(text))
      return text;
    if (dialect === "mysql") return redactScanned(text, dialect, this.detectors, opts, filtered);
    if (escapesInStrings(text, opts)) return escapedText(text, this.detectors, filtered);
    const tokens = tokenizePostgresFast(text);
    if (tokens) return redactTokens(text, tokens, this.detectors, filtered);
    if (text.length > MAX_CACHED_TEXT) return redactScanned(text, dialect, this.detectors, opts, filtered);
    const hit = this.cache.get(text);
    if (hit !== void 0) return hit;
    const out = redactScanned(text, dialect, this.detectors, opts, filtered);
    this.cache.set(text, out);
    return out;
  }
};
var MAY_HAVE_SECRET_POSITION = new RegExp(`${SECRET_NAME.source}|identified|${AWS_KEY_ID.source}`, "i");
function lexings(text, dialect, opts) {
  try {
    if (dialect === "postgres")
      return escapesInStrings(text, opts) ? [] : [tokenizePostgresFast(text) ?? tokenizePostgres(text)];
    return sessionLexings(text, opts.sqlMode, opts.server).map((flags) => tokenizeMysql(text, flags));
  } catch {
    return [];
  }
}
function secretParams(text, dialect, opts = {}) {
  const out = /* @__PURE__ */ new Set();
  if (!MAY_HAVE_SECRET_POSITION.test(text)) return out;
  for (const tokens of lexings(text, dialect, opts)) {
    const secret = secretPositions(text, tokens);
    let ordinal = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.kind !== "punct" || !isValue(t)) continue;
      const index = t.value === "?" ? ordinal++ : Number(t.value.slice(1)) - 1;
      if (secret.has(i)) out.add(index);
    }
  }
  return out;
}
function secretValues(text, dialect, detectors, opts = {}) {
  const out = [];
  const lexed = lexings(text, dialect, opts);
  if (lexed.length === 0) for (const span of detectors.find(text)) out.push(text.slice(span.start, span.end));
  for (const tokens of lexed) {
    const secret = secretPositions(text, tokens);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.kind === "punct" || t.kind === "word" && !secret.has(i)) continue;
      const source = text.slice(t.start, t.end);
      if (secret.has(i)) {
        out.push(literalContent(source));
        if (t.kind === "word") out.push(t.value);
      }
      for (const d of [detectors, CREDENTIAL_FIELDS])
        for (const span of d.find(source)) out.push(literalContent(source.slice(span.start, span.end)));
    }
  }
  return out;
}
function literalContent(source) {
  const m = /^[A-Za-z]?(['"])([\s\S]*)\1$/.exec(source);
  if (!m) return source;
  const quote = m[1];
  return m[2].split(quote + quote).join(quote);
}
function withoutLiterals(text) {
  let prev = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 ? c !== 9 && c !== 10 && c !== 13 : c > 126 || PLAIN_EXCLUDED[c] === 1) return false;
    if (c === 45 && prev === 45 || c === 42 && prev === 47) return false;
    prev = c;
  }
  return true;
}
var PLAIN_EXCLUDED = new Uint8Array(128);
for (const ch of `'"\`$#`) PLAIN_EXCLUDED[ch.charCodeAt(0)] = 1;
function redactScanned(text, dialect, detectors, opts, redact) {
  if (dialect === "mysql") {
    return sessionLexings(text, opts.sqlMode, opts.server).reduce(
      (t, flags) => redactLexed(t, () => tokenizeMysql(t, flags), detectors, redact),
      text
    );
  }
  if (escapesInStrings(text, opts)) return escapedText(text, detectors, redact);
  return redactLexed(text, () => tokenizePostgres(text), detectors, redact);
}
function redactLexed(text, lex, detectors, redact) {
  let tokens;
  try {
    tokens = lex();
  } catch {
    return unscannable(text, detectors, redact, "unterminated literal or comment");
  }
  return redactTokens(text, tokens, detectors, redact);
}
function escapesInStrings(text, opts) {
  return opts.standardConformingStrings === false && escapesInPlainStrings(text);
}
function escapedText(text, detectors, redact) {
  return unscannable(text, detectors, redact, "read with standard_conforming_strings off");
}
function redactTokens(text, tokens, detectors, redact) {
  const secret = secretPositions(text, tokens);
  let out = "";
  let at = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === "punct" || t.kind === "word" && !secret.has(i)) continue;
    const source = text.slice(t.start, t.end);
    const replacement = secret.has(i) ? REDACTED_LITERAL : redact(detectors, t.kind === "number" ? source : redact(CREDENTIAL_FIELDS, source));
    if (replacement === source) continue;
    out += text.slice(at, t.start) + replacement;
    at = t.end;
  }
  return at === 0 ? text : out + text.slice(at);
}
function secretPositions(text, tokens) {
  const secret = secretLiterals(tokens);
  for (const i of insertedSecrets(tokens)) secret.add(i);
  if (AWS_KEY_ID.test(text)) for (const i of awsSecretKeys(text, tokens)) secret.add(i);
  return secret;
}
var VALUE_KEYWORDS = /* @__PURE__ */ new Set(["null", "default", "true", "false", "on", "off", "local"]);
function isBareValue(tokens, i) {
  const t = tokens[i];
  if (t.kind === "number") return true;
  if (t.kind !== "word" || VALUE_KEYWORDS.has(t.value)) return false;
  const next = tokens[i + 1]?.value;
  return next !== "(" && next !== "." && tokens[i - 1]?.value !== ".";
}
function assignedToSecretName(tokens, significant) {
  const op = tokens[significant.at(-1) ?? -1];
  const name = tokens[significant.at(-2) ?? -1];
  return op !== void 0 && op.kind !== "string" && (op.value === "=" || op.value === ":=" || op.value === "to") && name?.kind === "word" && SECRET_NAME.test(name.value);
}
function isValue(t) {
  if (t.kind === "string") return true;
  return t.kind === "punct" && (t.value === "?" || t.value.charCodeAt(0) === 36 && PG_PARAM.test(t.value));
}
var PG_PARAM = /^\$[1-9][0-9]*$/;
var AWS_SECRET_SHAPE = /^['"]?[A-Za-z0-9/+]{40}['"]?$/;
function awsSecretKeys(text, tokens) {
  const out = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === "string" && AWS_SECRET_SHAPE.test(text.slice(t.start, t.end))) out.push(i);
  }
  return out;
}
function secretLiterals(tokens) {
  const secret = /* @__PURE__ */ new Set();
  const significant = [];
  let depth = 0;
  let identifiedDepth = -1;
  let setPassword = false;
  let afterEquals = false;
  let statementWords = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === "comment") continue;
    const v = t.value;
    if (isBareValue(tokens, i) && assignedToSecretName(tokens, significant)) secret.add(i);
    if (isValue(t)) {
      if (identifiedDepth >= 0 || afterEquals || followsSecretName(tokens, significant) || isSetConfigValue(tokens, significant)) {
        secret.add(i);
      }
    } else if (t.kind === "punct") {
      if (v === ";") {
        identifiedDepth = -1;
        setPassword = afterEquals = false;
        statementWords = 0;
      } else if (v === "(") depth++;
      else if (v === ")") depth = Math.max(0, depth - 1);
      else if (v === "," && depth === identifiedDepth) identifiedDepth = -1;
      else if (v === "=" && setPassword) afterEquals = true;
    } else if (t.kind === "word") {
      statementWords++;
      if (v === "identified") identifiedDepth = depth;
      else if (AFTER_IDENTIFIED.has(v)) identifiedDepth = -1;
      if (statementWords === 2 && v === "password" && wordAt(tokens, significant.at(-1)) === "set") {
        setPassword = true;
      }
    }
    significant.push(i);
  }
  return secret;
}
function wordAt(tokens, i) {
  const t = i === void 0 ? void 0 : tokens[i];
  return t?.kind === "word" ? t.value : void 0;
}
function followsSecretName(tokens, significant) {
  for (let k = significant.length - 1; k >= 0; k--) {
    const t = tokens[significant[k]];
    if (BETWEEN_NAME_AND_VALUE.has(t.value) && t.kind !== "string") continue;
    return t.kind === "word" && SECRET_NAME.test(t.value);
  }
  return false;
}
function isSetConfigValue(tokens, significant) {
  const [fn, open, name, comma] = significant.slice(-4).map((i) => tokens[i]);
  return fn?.kind === "word" && fn.value === "set_config" && open?.value === "(" && name?.kind === "string" && SECRET_NAME.test(name.value) && comma?.value === ",";
}
function unscannable(text, detectors, redact, why) {
  const cut = text.search(/['"`$#]|--|\/\*/);
  if (cut < 0) return redact(detectors, text);
  return `${redact(detectors, text.slice(0, cut))}[redacted: ${why}]`;
}
function insertedSecrets(tokens) {
  const out = [];
  let state = "idle";
  let columns = [];
  let depth = 0;
  let position = 0;
  let first = true;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === "comment") continue;
    const v = isValue(t) ? "" : t.value;
    const startsStatement = first;
    first = v === ";";
    if (v === ";") {
      state = "idle";
      continue;
    }
    if (state === "idle") {
      if (startsStatement && t.kind === "word" && v === "insert") state = "target";
    } else if (state === "target") {
      if (v === "(") {
        state = "columns";
        columns = [""];
      } else if (t.kind === "word" && ENDS_INSERT_TARGET.has(v)) state = "idle";
    } else if (state === "columns") {
      if (v === ",") columns.push("");
      else if (v === ")") state = "between";
      else if (t.kind === "word") columns[columns.length - 1] = v;
    } else if (state === "between") {
      state = t.kind === "word" && (v === "values" || v === "value") ? "values" : "idle";
      depth = 0;
    } else if (v === "(") {
      if (++depth === 1) position = 0;
    } else if (v === ")") {
      depth--;
    } else if (v === "," && depth === 1) {
      position++;
    } else if ((isValue(t) || t.kind === "number") && depth >= 1 && SECRET_NAME.test(columns[position] ?? "")) {
      out.push(i);
    } else if (depth === 0 && t.kind === "word" && v !== "row") {
      state = "idle";
    }
  }
  return out;
}

// src/masking/message.ts
var REDACTED_VALUE = "[redacted]";
var PG_KEY = /(\b[Kk]ey \()(.*?)(\)=\()(.*?)(?=\) already exists|\) is not present|\) is still referenced|\) conflicts with|\)\.?\s*$)/gs;
var PG_FAILING_ROW = /(Failing row contains \()(.*)(?=\)\.?\s*$)/gms;
var PG_QUOTED_INPUT = /(invalid input (?:syntax for type|value for enum) [^:]{1,128}: ")(.*)(?="\s*$)/gm;
var MY_DUPLICATE = /(Duplicate entry ')(.*?)(?=' for key )/gs;
var MY_DUPLICATE_KEY = /(Duplicate entry ')(.*?)(?=' for key '([^']*)')/gs;
var MY_VALUE = /((?:Incorrect|Truncated incorrect) [A-Za-z ]{1,64} value: ')(.*?)(?='(?: for column |\s*$))/gms;
function redactMessage(text, detectors, matcher, ctx = {}) {
  let out = text.replace(
    PG_KEY,
    (m, key2, cols, eq) => SECRET_NAME.test(cols) ? key2 + cols + eq + REDACTED_VALUE : m
  ).replace(
    MY_DUPLICATE_KEY,
    (m, lead, _v, index) => SECRET_NAME.test(index) ? lead + REDACTED_VALUE : m
  );
  if (!tableIsClear(matcher, ctx)) {
    out = out.replace(
      PG_KEY,
      (_m, key2, cols, eq, values) => keyColumnsClear(matcher, ctx, cols) ? key2 + cols + eq + values : key2 + cols + eq + REDACTED_VALUE
    );
    for (const shape of [PG_FAILING_ROW, PG_QUOTED_INPUT, MY_DUPLICATE, MY_VALUE]) {
      out = out.replace(shape, (_m, lead) => lead + REDACTED_VALUE);
    }
  }
  return detectors.redact(out);
}
function tableIsClear(matcher, ctx) {
  if (matcher.empty) return true;
  return ctx.schema !== void 0 && ctx.table !== void 0 && !matcher.mayMatchTable(ctx.schema, ctx.table);
}
function keyColumnsClear(matcher, ctx, cols) {
  if (ctx.schema === void 0 || ctx.table === void 0) return false;
  const names = cols.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
  return names.every(
    (n) => /^[A-Za-z_][A-Za-z0-9_$]*$/.test(n) && !matcher.matches(ctx.schema, ctx.table, n)
  );
}

// src/masking/mysql-plan.ts
var key = (schema, table) => `${schema.toLowerCase()}.${table.toLowerCase()}`;
function mysqlColumnPlan(columns, matcher, referencedTables, columnsOf) {
  const known = new Set(referencedTables.map((t) => key(t.schema, t.table)));
  const sensitive = referencedTables.filter((t) => {
    const cols = columnsOf?.(t.schema, t.table);
    return cols ? cols.some((c) => matcher.matches(t.schema, t.table, c)) : matcher.mayMatchTable(t.schema, t.table);
  });
  const masked = [];
  for (const c of columns) {
    if (c.orgTable && c.orgName && known.has(key(c.schema, c.orgTable))) {
      masked.push(matcher.matches(c.schema, c.orgTable, c.orgName));
    } else if (sensitive.length > 0) {
      const tables = sensitive.map((t) => `${t.schema}.${t.table}`).join(", ");
      return {
        refuse: true,
        reason: `result column "${c.name}" is an expression or comes from a view or derived table, and the statement reads ${tables}, which has masked columns; select masked columns directly or leave them out`
      };
    } else {
      masked.push(false);
    }
  }
  return { refuse: false, masked };
}

// src/masking/params.ts
var utf8 = new TextDecoder("utf-8", { fatal: true });
function asText(bytes) {
  try {
    const text = utf8.decode(bytes);
    return /[\0-\x08\x0e-\x1f]/.test(text) ? void 0 : text;
  } catch {
    return void 0;
  }
}
function redactParam(value, detectors) {
  if (value === null || value === void 0 || typeof value === "boolean") return value ?? null;
  if (typeof value === "string") return detectors.redact(value);
  if (typeof value === "number" || typeof value === "bigint") {
    const text = String(value);
    if (detectors.detects(text)) return detectors.redact(text);
    return typeof value === "bigint" ? text : value;
  }
  if (value instanceof Uint8Array) {
    const text = asText(value);
    return text === void 0 ? `[binary ${value.byteLength} bytes]` : detectors.redact(text);
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  let json;
  try {
    json = JSON.stringify(value);
  } catch {
    json = void 0;
  }
  return json === void 0 ? `[${typeof value}]` : detectors.redact(json);
}
function redactParams(params, detectors, secret) {
  return params.map(
    (p, i) => secret?.has(i) && p !== null && p !== void 0 ? REDACTED_VALUE : redactParam(p, detectors)
  );
}
function paramText(value) {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (value instanceof Uint8Array) return asText(value);
  return void 0;
}
function redactSecretColumns(columns, sample) {
  const secret = columns.map((c) => SECRET_NAME.test(c));
  if (!secret.includes(true)) return sample;
  return sample.map((row) => row.map((v, i) => secret[i] && v !== null ? REDACTED_VALUE : v));
}

// src/masking/pg-lineage-tree.ts
var Refusal = class extends GuardrailError {
  static code = "ERR_MASKING_REFUSED";
};
var CLEAR = { masked: false, sources: [] };
var SQL_TEXT_FUNCTIONS = /* @__PURE__ */ new Set([
  "query_to_xml",
  "query_to_xml_and_xmlschema",
  "query_to_xmlschema",
  "table_to_xml",
  "table_to_xml_and_xmlschema",
  "schema_to_xml",
  "schema_to_xml_and_xmlschema",
  "database_to_xml",
  "database_to_xml_and_xmlschema",
  "cursor_to_xml",
  "ts_stat",
  "dblink",
  "dblink_fetch",
  "dblink_get_result",
  "dblink_exec"
]);
var SRF_COLUMNS = {
  json_each: ["key", "value"],
  jsonb_each: ["key", "value"],
  json_each_text: ["key", "value"],
  jsonb_each_text: ["key", "value"]
};
var SINGLE_COLUMN_SRFS = /* @__PURE__ */ new Set([
  "generate_series",
  "unnest",
  "regexp_split_to_table",
  "string_to_table",
  "json_array_elements",
  "jsonb_array_elements",
  "json_array_elements_text",
  "jsonb_array_elements_text",
  "json_object_keys",
  "jsonb_object_keys",
  "generate_subscripts",
  "jsonb_path_query",
  "regexp_matches"
]);
var COMBINING = /* @__PURE__ */ new Set([
  "A_Expr",
  "BoolExpr",
  "TypeCast",
  "CollateClause",
  "NullTest",
  "BooleanTest",
  "CaseExpr",
  "CaseWhen",
  "CoalesceExpr",
  "MinMaxExpr",
  "RowExpr",
  "A_ArrayExpr",
  "A_Indirection",
  "A_Indices",
  "NamedArgExpr",
  "GroupingFunc",
  "SortBy",
  "WindowDef",
  "List",
  "XmlExpr",
  "XmlSerialize",
  "JsonValueExpr",
  "JsonObjectConstructor",
  "JsonArrayConstructor",
  "JsonArrayQueryConstructor",
  "JsonKeyValue",
  "JsonFuncExpr",
  "JsonIsPredicate",
  "JsonParseExpr",
  "JsonScalarExpr",
  "JsonSerializeExpr",
  "JsonObjectAgg",
  "JsonArrayAgg",
  "JsonAggConstructor",
  "JsonOutput",
  "JsonReturning",
  "JsonTablePathSpec",
  "JsonArgument",
  "JsonBehavior",
  "ResTarget",
  "GroupingSet"
]);
var CONSTANT = /* @__PURE__ */ new Set([
  "A_Const",
  "ParamRef",
  "SQLValueFunction",
  "SetToDefault",
  "TypeName",
  "String",
  "Integer",
  "Float",
  "Boolean",
  "BitString",
  "JsonFormat",
  "MergeSupportFunc"
]);
var MAX_DEPTH = 32;
function unwrap(node) {
  const keys = node && typeof node === "object" ? Object.keys(node) : [];
  if (keys.length !== 1 || !/^[A-Z]/.test(keys[0])) throw new Refusal("unexpected parse tree shape");
  return [keys[0], node[keys[0]]];
}
function strings(list) {
  return (list ?? []).map((n) => n.String?.sval ?? (n.A_Star ? "*" : ""));
}
function or(values) {
  const masked = values.some((v) => v.masked);
  return masked ? { masked, sources: [...new Set(values.flatMap((v) => v.sources))] } : CLEAR;
}
var viewCache = /* @__PURE__ */ new Map();
function parseView(definition) {
  let stmt = viewCache.get(definition);
  if (!stmt) {
    const stmts = parseTree(definition).stmts ?? [];
    if (stmts.length !== 1 || !stmts[0]?.stmt?.SelectStmt)
      throw new Refusal("view definition is not a single query");
    stmt = stmts[0].stmt.SelectStmt;
    if (viewCache.size >= 512) viewCache.clear();
    viewCache.set(definition, stmt);
  }
  return stmt;
}
function none() {
  return { returnsRows: false, columns: [], exact: true, anyMasked: false };
}
var SPREAD = "\0*";
function spread(v) {
  return { masked: v.masked, sources: v.sources, name: SPREAD };
}
function isSpread(c) {
  return c.name === SPREAD;
}
function result(cols) {
  const anyMasked = cols.some((c) => c.masked);
  if (cols.some(isSpread)) {
    if (anyMasked)
      throw new Refusal(
        "result columns over masked data cannot be aligned (`*` over a relation of unknown columns)"
      );
    return { returnsRows: true, columns: cols.filter((c) => !isSpread(c)), exact: false, anyMasked };
  }
  return {
    returnsRows: true,
    columns: cols.map((c) => ({ name: c.name, masked: c.masked, sources: [...new Set(c.sources)] })),
    exact: true,
    anyMasked
  };
}
function rename(cols, names) {
  return cols.map((c, i) => names[i] ? { ...c, name: names[i] } : c);
}
function item(name, cols) {
  const known = cols.filter((c) => !isSpread(c));
  const spreads = cols.filter(isSpread);
  const open = spreads.length ? or(spreads) : void 0;
  return { rels: [{ name, cols: known, ...open ? { open } : {} }], star: known, ...open ? { open } : {} };
}
function aliased(alias, cols, open, defaultName) {
  const named = rename(cols, strings(alias?.colnames));
  const known = named.filter((c) => !isSpread(c));
  const spreads = named.filter(isSpread);
  const allOpen = spreads.length || open ? or([...spreads, open ?? CLEAR]) : void 0;
  const name = alias?.aliasname ?? defaultName;
  return {
    rels: [{ ...name ? { name } : {}, cols: known, ...allOpen ? { open: allOpen } : {} }],
    star: known,
    ...allOpen ? { open: allOpen } : {}
  };
}
function derivedName(node) {
  const [type, body] = unwrap(node);
  if (type === "ColumnRef") return strings(body.fields).at(-1) ?? "?column?";
  if (type === "FuncCall") return strings(body.funcname).at(-1) ?? "?column?";
  if (type === "TypeCast") return derivedName(body.arg);
  if (type === "A_Indirection") return body.indirection.at(-1)?.String?.sval ?? derivedName(body.arg);
  return "?column?";
}
function settingName(arg) {
  const sval = arg?.A_Const?.sval?.sval;
  return typeof sval === "string" ? sval.toLowerCase() : "*";
}

// src/masking/pg-lineage-from.ts
var REPLACEABLE = /* @__PURE__ */ new Set(["selected", "expression", "function argument"]);
var NEUTRAL = /* @__PURE__ */ new Set(["ResTarget", "List", "SortBy", "NamedArgExpr"]);
var FromLineage = class {
  constructor(matcher, catalog) {
    this.matcher = matcher;
    this.catalog = catalog;
  }
  matcher;
  catalog;
  /** Where the expression being walked sits, for strict mode's report. */
  position = "selected";
  /** Inside a statement that writes what it reads elsewhere (INSERT … SELECT, UPDATE SET …). */
  writing = false;
  uses = [];
  readMasked = false;
  uncertain = false;
  writesSettings = [];
  readsSettings = [];
  /** Runs `fn` with the walk at `position` (a write's position wins over everything). */
  at(position, fn) {
    const saved = this.position;
    this.position = this.writing ? "write elsewhere" : position;
    try {
      return fn();
    } finally {
      this.position = saved;
    }
  }
  /** An expression outside the result (a predicate, a join condition, an ordering …). */
  clause(position, node, scope, env) {
    if (node === null || node === void 0) return;
    try {
      this.at(position, () => this.expr(node, scope, env));
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      this.uncertain = true;
    }
  }
  /** Everything the statement writes is a copy of what it reads. */
  writes(fn) {
    const saved = this.writing;
    this.writing = true;
    try {
      return this.at("write elsewhere", fn);
    } finally {
      this.writing = saved;
    }
  }
  star(qualifier, scope) {
    if (qualifier.length === 0) {
      if (scope.items.length === 0) throw new Refusal("SELECT * without FROM");
      return scope.items.flatMap((i) => i.open ? [...i.star, spread(i.open)] : i.star);
    }
    const rel = this.findRel(qualifier, scope);
    if (!rel) throw new Refusal(`relation ${qualifier.join(".")} is not in the query`);
    return rel.open ? [...rel.cols, spread(rel.open)] : rel.cols;
  }
  findRel(qualifier, scope) {
    const name = qualifier.at(-1);
    const schema = qualifier.length > 1 ? qualifier.at(-2) : void 0;
    for (let s = scope; s; s = s.outer) {
      for (const item2 of s.items) {
        const rel = item2.rels.find((r) => r.name === name && (!schema || r.schema === schema));
        if (rel) return rel;
      }
    }
    return void 0;
  }
  fromItem(node, env, scope) {
    const [type, body] = unwrap(node);
    switch (type) {
      case "RangeVar":
        return this.rangeVar(body, env);
      case "RangeTableSample":
        return this.fromItem(body.relation, env, scope);
      case "RangeSubselect": {
        const [qtype, query] = unwrap(body.subquery);
        if (qtype !== "SelectStmt") throw new Refusal(`subquery of kind ${qtype} is not understood`);
        const cols = this.select(query, { ...env, outer: scope });
        return aliased(body.alias, cols);
      }
      case "RangeFunction":
        return this.rangeFunction(body, env, scope);
      case "JoinExpr":
        return this.join(body, env, scope);
      case "RangeTableFunc":
      case "JsonTable": {
        const v = this.expr(
          [body.docexpr, body.rowexpr, body.context_item, body.passing].filter(Boolean),
          scope,
          env
        );
        if (v.masked) throw new Refusal(`${type} over masked columns is not understood`);
        const names = (body.columns ?? []).map(
          (c) => c.RangeTableFuncCol?.colname ?? c.JsonTableColumn?.name ?? "?column?"
        );
        return aliased(
          body.alias,
          names.map((name) => ({ name, ...CLEAR }))
        );
      }
      default:
        throw new Refusal(`FROM item ${type} is not understood`);
    }
  }
  rangeVar(rv, env) {
    const name = rv.relname;
    if (name === "pg_settings" && (!rv.schemaname || rv.schemaname === "pg_catalog"))
      this.readsSettings.push("*");
    const alias = rv.alias;
    if (!rv.schemaname && env.ctes.has(name)) {
      const cte = env.ctes.get(name);
      return aliased(alias, cte.star, cte.open, name);
    }
    const schemas = rv.schemaname ? [rv.schemaname] : this.catalog.searchPath;
    for (const schema of schemas) {
      const relation = this.catalog.relation(schema, name);
      if (!relation) continue;
      const cols = relation.kind === "view" ? this.view(schema, name, relation, env) : relation.columns.map((c) => this.tableColumn(schema, name, c));
      const item2 = aliased(alias, cols, void 0, name);
      for (const r of item2.rels) if (!alias) r.schema = schema;
      return item2;
    }
    if (schemas.some((s) => this.matcher.mayMatchTable(s, name))) {
      throw new Refusal(
        `relation ${rv.schemaname ? `${rv.schemaname}.` : ""}${name} is not in the masking catalog`
      );
    }
    return aliased(alias, [], CLEAR, name);
  }
  tableColumn(schema, table, column) {
    const masked = this.matcher.matches(schema, table, column);
    return { name: column, masked, sources: masked ? [`${schema}.${table}.${column}`] : [] };
  }
  view(schema, name, relation, env) {
    if (!relation.definition) throw new Refusal(`view ${schema}.${name} has no definition in the catalog`);
    if (env.depth > MAX_DEPTH) throw new Refusal(`views nest too deeply (at ${schema}.${name})`);
    const cols = this.select(parseView(relation.definition), { ctes: /* @__PURE__ */ new Map(), depth: env.depth + 1 });
    if (cols.some(isSpread) || cols.length !== relation.columns.length) {
      if (cols.some((c) => c.masked))
        throw new Refusal(`columns of view ${schema}.${name} cannot be aligned`);
      return relation.columns.map((c) => this.tableColumn(schema, name, c));
    }
    return relation.columns.map((c, i) => {
      const own = this.tableColumn(schema, name, c);
      return { name: c, ...or([own, cols[i]]) };
    });
  }
  rangeFunction(body, env, scope) {
    const cols = [];
    let open;
    const defs = body.coldeflist;
    for (const f of body.functions ?? []) {
      const [call, coldefs] = f.List?.items ?? [];
      const v = this.expr(call, scope, env);
      const fn = unwrap(call)[0] === "FuncCall" ? strings(call.FuncCall.funcname).at(-1) : "";
      const own = coldefs?.List?.items ?? (body.functions.length === 1 ? defs : void 0);
      if (own?.length)
        cols.push(...own.map((d) => ({ name: d.ColumnDef?.colname ?? "?column?", ...v })));
      else if (SRF_COLUMNS[fn]) cols.push(...SRF_COLUMNS[fn].map((name) => ({ name, ...v })));
      else if (SINGLE_COLUMN_SRFS.has(fn) || body.alias?.colnames?.length === 1)
        cols.push({ name: fn, ...v });
      else open = open ? or([open, v]) : v;
    }
    if (body.ordinality && !open) cols.push({ name: "ordinality", ...CLEAR });
    if (cols.length === 1 && body.alias && !body.alias.colnames && !open)
      cols[0].name = body.alias.aliasname;
    return aliased(body.alias, cols, open);
  }
  join(body, env, scope) {
    const left = this.fromItem(body.larg, env, scope);
    const right = this.fromItem(body.rarg, env, { items: [...scope.items, left], outer: scope.outer });
    let using = strings(body.usingClause);
    if (body.isNatural) {
      const rightNames = new Set(right.star.map((c) => c.name));
      using = left.star.map((c) => c.name).filter((n) => rightNames.has(n));
      if (left.open || right.open) {
        if ([...left.star, ...right.star].some((c) => c.masked) || left.open?.masked || right.open?.masked) {
          throw new Refusal("NATURAL JOIN with a relation of unknown columns over masked data");
        }
      }
    }
    const merged = using.map((name) => {
      const pick = (side) => side.star.find((c) => c.name === name) ?? side.open ?? CLEAR;
      return { name, ...or([pick(left), pick(right)]) };
    });
    const rest = (side) => side.star.filter((c) => !using.includes(c.name));
    const star = [...merged, ...rest(left), ...rest(right)];
    this.clause("join", body.quals, { items: [...scope.items, left, right], outer: scope.outer }, env);
    if (using.length && [...left.star, ...right.star].some((c) => using.includes(c.name) && c.masked)) {
      this.readMasked = true;
      for (const c of merged) if (c.masked) this.use(c.sources, "join");
    }
    const open = left.open || right.open ? or([left.open ?? CLEAR, right.open ?? CLEAR]) : void 0;
    if (body.alias) return aliased(body.alias, star, open);
    const rels = [...left.rels, ...right.rels];
    if (merged.length) rels.unshift({ cols: merged });
    if (body.join_using_alias) rels.push({ name: body.join_using_alias.aliasname, cols: merged });
    return { rels, star, ...open ? { open } : {} };
  }
  column(fields, scope) {
    const name = fields.at(-1);
    if (fields.length === 1) {
      for (let s = scope; s; s = s.outer) {
        const found = s.items.flatMap((i) => i.rels.flatMap((r) => r.cols.filter((c) => c.name === name)));
        const open = s.items.flatMap((i) => i.rels.filter((r) => r.open).map((r) => r.open));
        if (found.length) return { name, ...or([...found, ...open]) };
        const rel2 = this.findRel([name], { items: s.items });
        if (rel2 || open.length) {
          return { name, ...or([...rel2 ? [...rel2.cols, rel2.open ?? CLEAR] : [], ...open]) };
        }
      }
      throw new Refusal(`column ${name} cannot be traced to a relation`);
    }
    const rel = this.findRel(fields.slice(0, -1), scope);
    if (!rel) throw new Refusal(`relation ${fields.slice(0, -1).join(".")} is not in the query`);
    if (name === "*") return { name, ...or([...rel.cols, rel.open ?? CLEAR]) };
    const col = rel.cols.find((c) => c.name === name);
    if (col) return col;
    if (rel.open) return { name, ...rel.open };
    throw new Refusal(`column ${fields.join(".")} is not a column of its relation`);
  }
  /** The position of an operand: a clause's position stays, otherwise the operand's own. */
  nested(position) {
    return REPLACEABLE.has(this.position) ? position : this.position;
  }
  use(sources, position) {
    if (position === "selected") return;
    for (const column of sources) this.uses.push({ column, position });
  }
};

// src/masking/pg-lineage-walk.ts
var Lineage = class extends FromLineage {
  statement(node) {
    this.position = "selected";
    this.writing = false;
    this.uses = [];
    this.readMasked = this.uncertain = false;
    this.writesSettings = [];
    this.readsSettings = [];
    const l = this.outputs(node);
    const out = { ...l };
    if (this.readMasked || this.uncertain || l.anyMasked) out.tainted = true;
    if (this.uses.length) out.uses = this.uses;
    if (this.writesSettings.length) out.writesSettings = this.writesSettings;
    if (this.readsSettings.length) out.readsSettings = this.readsSettings;
    return out;
  }
  outputs(node) {
    const [type, body] = unwrap(node);
    const env = { ctes: /* @__PURE__ */ new Map(), depth: 0 };
    switch (type) {
      case "SelectStmt":
        if (!body.intoClause) return result(this.select(body, env));
        this.writes(() => this.select(body, env));
        return none();
      case "CreateTableAsStmt":
        if (unwrap(body.query)[0] === "SelectStmt")
          this.writes(() => this.select(unwrap(body.query)[1], env));
        return none();
      case "DoStmt":
        this.uncertain = true;
        return none();
      case "VariableShowStmt":
        this.readsSettings.push(String(body.name).toLowerCase());
        return none();
      case "InsertStmt":
        if (body.selectStmt)
          this.writes(() => this.select(unwrap(body.selectStmt)[1], this.withCtes(body.withClause, env)));
        return this.returning(body, env);
      case "UpdateStmt":
      case "DeleteStmt":
        this.writeClauses(body, env);
        return this.returning(body, env);
      case "MergeStmt":
        return this.returning(body, env);
      case "CopyStmt":
        if (body.is_from) return none();
        if (body.query) return result(this.select(unwrap(body.query)[1], env));
        return result(this.copyRelation(body));
      case "DeclareCursorStmt":
      case "PrepareStmt": {
        const [qtype, query] = unwrap(body.query);
        const cols = qtype === "SelectStmt" ? this.select(query, env) : this.returning(query, env).columns;
        if (cols.some((c) => c.masked)) {
          throw new Refusal(
            `${type === "PrepareStmt" ? "SQL-level PREPARE" : "a cursor"} over masked columns cannot be masked when its rows are fetched later; use a protocol-level prepared statement or a plain query`
          );
        }
        return none();
      }
      case "CallStmt":
        throw new Refusal("CALL of a procedure: masking cannot see which columns its results come from");
      default:
        return none();
    }
  }
  /** UPDATE's SET values (copies) and the WHERE of UPDATE and DELETE (predicates). */
  writeClauses(body, env) {
    let scope;
    let inner;
    try {
      inner = this.withCtes(body.withClause, env);
      const items = [this.rangeVar(body.relation, inner)];
      for (const from of [...body.fromClause ?? [], ...body.usingClause ?? []])
        items.push(this.fromItem(from, inner, { items }));
      scope = { items, outer: inner.outer };
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      this.uncertain = true;
      return;
    }
    for (const t of body.targetList ?? []) {
      try {
        this.writes(() => this.expr(t.ResTarget?.val ?? t, scope, inner));
      } catch (err) {
        if (!(err instanceof Refusal)) throw err;
        this.uncertain = true;
      }
    }
    this.clause("predicate", body.whereClause, scope, inner);
  }
  returning(body, env) {
    const targets = body.returningClause?.exprs ?? body.returningList;
    if (!targets?.length) return none();
    const inner = this.withCtes(body.withClause, env);
    const target = this.rangeVar(body.relation, inner);
    const items = [target];
    for (const name of ["old", "new"]) items.push({ rels: [{ ...target.rels[0], name }], star: [] });
    for (const from of [...body.fromClause ?? [], ...body.usingClause ?? []]) {
      items.push(this.fromItem(from, inner, { items }));
    }
    if (body.sourceRelation) items.push(this.fromItem(body.sourceRelation, inner, { items }));
    return result(this.targets(targets, { items, outer: inner.outer }, inner));
  }
  copyRelation(body) {
    const item2 = this.rangeVar(body.relation, { ctes: /* @__PURE__ */ new Map(), depth: 0 });
    const names = strings(body.attlist);
    if (names.length === 0) return item2.star.length || !item2.open ? item2.star : [spread(item2.open)];
    return names.map((n) => this.column([n], { items: [item2] }));
  }
  withCtes(withClause, env) {
    if (!withClause?.ctes?.length) return env;
    const ctes = new Map(env.ctes);
    const inner = { ...env, ctes };
    for (const c of withClause.ctes) {
      const cte = c.CommonTableExpr;
      const name = cte.ctename;
      const aliases = strings(cte.aliascolnames);
      const [qtype, query] = unwrap(cte.ctequery);
      const evaluate = () => qtype === "SelectStmt" ? this.select(query, inner) : this.returning(query, inner).columns;
      if (withClause.recursive && qtype === "SelectStmt" && query.op !== "SETOP_NONE" && query.larg) {
        let cols = rename(this.select(query.larg, inner), aliases);
        for (let round = 0; ; round++) {
          ctes.set(name, item(name, cols));
          const next = rename(evaluate(), aliases);
          if (next.every((c2, i) => c2.masked === cols[i]?.masked) && next.length === cols.length) break;
          if (round > 8) throw new Refusal(`recursive CTE ${name} does not settle`);
          cols = next.map((c2, i) => ({ ...c2, ...or([c2, cols[i] ?? CLEAR]) }));
        }
      } else {
        ctes.set(name, item(name, rename(evaluate(), aliases)));
      }
    }
    return inner;
  }
  /** Output columns of a SELECT body (may contain spread entries for unknown-width `*`). */
  select(sel, env) {
    if (env.depth > MAX_DEPTH) throw new Refusal("query nests too deeply to follow");
    const inner = this.withCtes(sel.withClause, { ...env, depth: env.depth + 1 });
    if (sel.op && sel.op !== "SETOP_NONE") {
      const left = this.select(sel.larg, inner);
      const right = this.select(sel.rarg, inner);
      if (left.length !== right.length || left.some(isSpread) || right.some(isSpread)) {
        if ([...left, ...right].some((c) => c.masked)) {
          throw new Refusal("set operation over masked columns with columns that cannot be aligned");
        }
        return [spread(CLEAR)];
      }
      return left.map((c, i) => ({ name: c.name, ...or([c, right[i]]) }));
    }
    if (sel.valuesLists) {
      const rows = sel.valuesLists.map(
        (l) => (l.List?.items ?? []).map((e) => this.expr(e, { items: [], outer: inner.outer }, inner))
      );
      const width = rows[0]?.length ?? 0;
      return Array.from({ length: width }, (_, i) => ({
        name: `column${i + 1}`,
        ...or(rows.map((r) => r[i] ?? CLEAR))
      }));
    }
    const scope = { items: [], outer: inner.outer };
    for (const from of sel.fromClause ?? []) scope.items.push(this.fromItem(from, inner, scope));
    const cols = this.targets(sel.targetList ?? [], scope, inner);
    this.clause("predicate", sel.whereClause, scope, inner);
    this.clause("predicate", sel.havingClause, scope, inner);
    this.clause("GROUP BY", sel.groupClause, scope, inner);
    this.clause(
      "expression",
      sel.distinctClause?.filter((n) => Object.keys(n ?? {}).length),
      scope,
      inner
    );
    this.clause("window", sel.windowClause, scope, inner);
    this.clause("expression", [sel.limitCount, sel.limitOffset].filter(Boolean), scope, inner);
    const outputs = { rels: [{ cols }], star: [] };
    this.clause("ORDER BY", sel.sortClause, { items: [...scope.items, outputs], outer: scope.outer }, inner);
    return cols;
  }
  targets(list, scope, env) {
    const out = [];
    for (const t of list) {
      const res = t.ResTarget;
      const ref = res?.val?.ColumnRef;
      const fields = strings(ref?.fields);
      if (ref && fields.at(-1) === "*") {
        out.push(...this.star(fields.slice(0, -1), scope));
        continue;
      }
      const indirection = res?.val?.A_Indirection?.indirection;
      if (indirection?.at(-1)?.A_Star) {
        out.push(spread(this.expr(res.val.A_Indirection.arg, scope, env)));
        continue;
      }
      const v = this.at(ref ? "selected" : "expression", () => this.expr(res.val, scope, env));
      out.push({ ...v, name: res.name ?? derivedName(res.val) });
    }
    return out;
  }
  /** The lineage of an expression: masked when any value it is computed from is masked. */
  expr(node, scope, env) {
    if (node === null || node === void 0) return CLEAR;
    if (Array.isArray(node)) return or(node.map((n) => this.expr(n, scope, env)));
    const [type, body] = unwrap(node);
    if (CONSTANT.has(type)) return CLEAR;
    switch (type) {
      case "ColumnRef": {
        const { masked, sources } = this.column(strings(body.fields), scope);
        if (masked) {
          this.readMasked = true;
          this.use(sources, this.position);
        }
        return { masked, sources };
      }
      case "SubLink": {
        const [, query] = unwrap(body.subselect);
        const test = this.expr(body.testexpr, scope, env);
        if (body.subLinkType === "EXISTS_SUBLINK") {
          this.at("predicate", () => this.select(query, { ...env, outer: scope }));
          return test;
        }
        const cols = this.at("selected", () => this.select(query, { ...env, outer: scope }));
        const v = or([test, ...cols]);
        if (v.masked) this.use(v.sources, this.position);
        return v;
      }
      case "SelectStmt": {
        const v = or(this.at("selected", () => this.select(body, { ...env, outer: scope })));
        if (v.masked) this.use(v.sources, this.position);
        return v;
      }
      case "FuncCall": {
        const name = strings(body.funcname);
        const fn = name.at(-1).toLowerCase();
        if (fn === "set_config") this.writesSettings.push(settingName(body.args?.[0]));
        else if (fn === "current_setting") this.readsSettings.push(settingName(body.args?.[0]));
        if (SQL_TEXT_FUNCTIONS.has(fn))
          throw new Refusal(`${fn}() runs SQL given as text; masking cannot follow it`);
        if (this.catalog.isUserFunction(fn, name.length > 1 ? name[0] : void 0)) {
          throw new Refusal(
            `${name.join(".")}() is a user-defined function; masking cannot see which columns it reads`
          );
        }
        const { over, ...call } = body;
        const v = this.at(this.nested("function argument"), () => this.children(call, scope, env));
        return over ? or([v, this.at(this.nested("window"), () => this.children(over, scope, env))]) : v;
      }
      default:
        if (NEUTRAL.has(type)) return this.children(body, scope, env);
        if (type === "WindowDef")
          return this.at(this.nested("window"), () => this.children(body, scope, env));
        if (COMBINING.has(type))
          return this.at(this.nested("expression"), () => this.children(body, scope, env));
        throw new Refusal(`expression ${type} is not understood by masking`);
    }
  }
  /** Walks a node's fields: nested nodes are expressions; plain objects (inline structs) are walked. */
  children(body, scope, env) {
    const values = [];
    for (const [key2, v] of Object.entries(body)) {
      if (v === null || typeof v !== "object" || key2 === "alias" || key2 === "typeName") continue;
      if (Array.isArray(v)) values.push(...v.map((n) => this.expr(n, scope, env)));
      else if (Object.keys(v).length === 1 && /^[A-Z]/.test(Object.keys(v)[0]))
        values.push(this.expr(v, scope, env));
      else values.push(this.children(v, scope, env));
    }
    return or(values);
  }
};

// src/masking/pg-lineage.ts
function maskedOutputs(sql, matcher, catalog) {
  let stmts;
  try {
    stmts = parseTree(sql).stmts ?? [];
  } catch (err) {
    return { refuse: true, reason: `statement could not be parsed: ${err.message}` };
  }
  const lineage = new Lineage(matcher, catalog);
  try {
    return {
      refuse: false,
      statements: stmts.map(
        (s) => matcher.empty ? { returnsRows: true, columns: [], exact: false, anyMasked: false } : lineage.statement(s.stmt)
      )
    };
  } catch (err) {
    const reason = err instanceof Refusal ? err.message : `masking could not follow the statement: ${err.message}`;
    return { refuse: true, reason };
  }
}

// src/masking/plan.ts
var KEEP = 0;
var TO_NULL = 1;
var REPLACE = 2;
function maskPlan(columns, replacement) {
  const actions = new Uint8Array(columns.length);
  columns.forEach((c, i) => {
    actions[i] = !c.masked ? KEEP : c.textLike ? REPLACE : TO_NULL;
  });
  return {
    actions,
    replacement,
    replacementBytes: Buffer.from(replacement, "utf8"),
    masksAny: columns.some((c) => c.masked)
  };
}
var PG_TEXT_OIDS = /* @__PURE__ */ new Set([25, 1043, 1042, 19, 705]);
function pgTextLike(typeOid) {
  return PG_TEXT_OIDS.has(typeOid);
}
var MYSQL_TEXT_TYPES = /* @__PURE__ */ new Set([15, 249, 250, 251, 252, 253, 254]);
function mysqlTextLike(columnType) {
  return MYSQL_TEXT_TYPES.has(columnType);
}
function maskSampleRow(values, plan, detectors) {
  if (values.length !== plan.actions.length) {
    throw new MaskingError(
      `row has ${values.length} values but the mask plan has ${plan.actions.length} columns`
    );
  }
  return values.map((v, i) => plan.actions[i] === KEEP ? redactParam(v, detectors) : plan.replacement);
}

// src/masking/pg-row-plan.ts
function pgRowPlan(fields, lineage, cache, replacement) {
  const missing = fields.filter((f) => !cache.has(f.tableOid, f.attnum));
  if (missing.length)
    return { kind: "lookup", missing: missing.map(({ tableOid, attnum }) => ({ tableOid, attnum })) };
  const aligned = lineage.returnsRows && lineage.exact;
  if (aligned && lineage.columns.length !== fields.length) {
    return {
      kind: "refuse",
      reason: `the result has ${fields.length} columns but the statement's lineage has ${lineage.columns.length}`
    };
  }
  const masked = fields.map(
    (f, i) => lineage.maskAll === true || cache.masked(f.tableOid, f.attnum) === true || aligned && lineage.columns[i].masked
  );
  const plan = maskPlan(
    fields.map((f, i) => ({ masked: masked[i], textLike: pgTextLike(f.typeOid) })),
    replacement
  );
  return { kind: "plan", plan, masked };
}

// src/masking/known-secrets.ts
var MIN_SECRET_LENGTH = 4;
var MAX_SECRETS = 512;
var KnownSecrets = class {
  values = /* @__PURE__ */ new Set();
  /** Longest first, so no secret's tail survives another's replacement; rebuilt after a change. */
  sorted = [];
  get size() {
    return this.values.size;
  }
  add(value) {
    if (value.length < MIN_SECRET_LENGTH || value === REDACTED_VALUE || this.values.has(value)) return;
    this.values.add(value);
    if (this.values.size > MAX_SECRETS) this.values.delete(this.values.values().next().value);
    this.sorted = void 0;
  }
  /** `text` with every known secret replaced. */
  scrub(text) {
    if (this.values.size === 0) return text;
    this.sorted ??= [...this.values].sort((a, b) => b.length - a.length);
    let out = text;
    for (const s of this.sorted) if (out.includes(s)) out = out.replaceAll(s, REDACTED_VALUE);
    return out;
  }
  /** Every string inside arrays and plain objects scrubbed; a new value only where one changed. */
  scrubDeep(value) {
    if (this.values.size === 0) return value;
    return this.deep(value);
  }
  deep(value) {
    if (typeof value === "string") return this.scrub(value);
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((v) => {
        const s = this.deep(v);
        changed ||= s !== v;
        return s;
      });
      return changed ? out : value;
    }
    if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      let changed = false;
      const out = {};
      for (const [k, v] of Object.entries(value)) {
        const s = this.deep(v);
        changed ||= s !== v;
        out[k] = s;
      }
      return changed ? out : value;
    }
    return value;
  }
};

// src/masking/mysql-rows.ts
var NULL_VALUE = 251;
function lenenc(buf, pos) {
  const first = buf[pos];
  if (first === void 0) throw new MaskingError("row ends inside a length");
  if (first < 251) return [first, 1];
  const width = first === 252 ? 2 : first === 253 ? 3 : first === 254 ? 8 : 0;
  if (width === 0) throw new MaskingError(`invalid length prefix 0x${first.toString(16)}`);
  if (pos + 1 + width > buf.length) throw new MaskingError("row ends inside a length");
  const value = width === 8 ? Number(buf.readBigUInt64LE(pos + 1)) : buf.readUIntLE(pos + 1, width);
  if (!Number.isSafeInteger(value)) throw new MaskingError("length out of range");
  return [value, 1 + width];
}
function lenencString(bytes) {
  const n = bytes.length;
  let head;
  if (n < 251) head = Buffer.from([n]);
  else if (n < 65536) head = Buffer.from([252, n & 255, n >> 8]);
  else if (n < 16777216) head = Buffer.from([253, n & 255, n >> 8 & 255, n >> 16]);
  else throw new MaskingError("replacement too long");
  return Buffer.concat([head, bytes]);
}
var NULL_BYTE = Buffer.from([NULL_VALUE]);
function maskMysqlTextRow(payload, plan) {
  const n = plan.actions.length;
  const marker = lenencString(plan.replacementBytes);
  const parts = [];
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const start = pos;
    if (payload[pos] === NULL_VALUE) pos++;
    else {
      const [len, used] = lenenc(payload, pos);
      pos += used + len;
      if (pos > payload.length) throw new MaskingError(`row ends inside column ${i + 1}`);
    }
    const action = plan.actions[i];
    parts.push(action === KEEP ? payload.subarray(start, pos) : action === REPLACE ? marker : NULL_BYTE);
  }
  if (pos !== payload.length) throw new MaskingError(`row has more than ${n} columns`);
  return plan.masksAny ? Buffer.concat(parts) : payload;
}
var LENENC_TYPES = /* @__PURE__ */ new Set([0, 15, 16, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255]);
var FIXED_WIDTH = { 1: 1, 2: 2, 13: 2, 3: 4, 9: 4, 4: 4, 5: 8, 8: 8, 6: 0 };
var LENGTH_BYTE_TYPES = /* @__PURE__ */ new Set([7, 10, 11, 12, 14, 17, 18, 19]);
function binaryValueEnd(payload, pos, type, column) {
  let end;
  if (LENENC_TYPES.has(type)) {
    const [len, used] = lenenc(payload, pos);
    end = pos + used + len;
  } else if (LENGTH_BYTE_TYPES.has(type)) {
    const len = payload[pos];
    if (len === void 0) throw new MaskingError(`row ends inside column ${column}`);
    end = pos + 1 + len;
  } else {
    const width = FIXED_WIDTH[type];
    if (width === void 0) throw new MaskingError(`column ${column} has unknown type ${type}`);
    end = pos + width;
  }
  if (end > payload.length) throw new MaskingError(`row ends inside column ${column}`);
  return end;
}
function maskMysqlBinaryRow(payload, plan, columnTypes) {
  const n = plan.actions.length;
  if (columnTypes.length !== n) throw new MaskingError("column types do not match the mask plan");
  const bitmapLen = n + 7 + 2 >> 3;
  if (payload.length < 1 + bitmapLen || payload[0] !== 0)
    throw new MaskingError("not a binary result row");
  const bitmap = Buffer.from(payload.subarray(1, 1 + bitmapLen));
  const marker = lenencString(plan.replacementBytes);
  const values = [];
  let pos = 1 + bitmapLen;
  for (let i = 0; i < n; i++) {
    const byte = i + 2 >> 3;
    const bit = 1 << (i + 2 & 7);
    const isNull = (bitmap[byte] & bit) !== 0;
    const start = pos;
    if (!isNull) pos = binaryValueEnd(payload, pos, columnTypes[i], i + 1);
    const action = plan.actions[i];
    if (action === KEEP) {
      if (!isNull) values.push(payload.subarray(start, pos));
    } else if (action === REPLACE && LENENC_TYPES.has(columnTypes[i])) {
      bitmap[byte] = bitmap[byte] & ~bit;
      values.push(marker);
    } else {
      bitmap[byte] = bitmap[byte] | bit;
    }
  }
  if (pos !== payload.length) throw new MaskingError("binary row has bytes after its last column");
  if (!plan.masksAny) return payload;
  return Buffer.concat([payload.subarray(0, 1), bitmap, ...values]);
}

// src/masking/mysql-strict.ts
var CLAUSES = {
  WHERE: "predicate",
  HAVING: "predicate",
  ON: "join",
  USING: "join",
  ORDER: "ORDER BY",
  GROUP: "GROUP BY",
  OVER: "window",
  PARTITION: "window",
  LIMIT: "expression",
  SET: "write elsewhere",
  VALUES: "write elsewhere"
};
function maskedNames(tables, columnsOf, matcher) {
  const out = /* @__PURE__ */ new Set();
  for (const t of tables)
    for (const c of columnsOf(t.schema, t.table) ?? [])
      if (matcher.matches(t.schema, t.table, c)) out.add(c.toLowerCase());
  return out;
}
var isName = (t) => t !== void 0 && (t.kind === "word" || t.kind === "qident");
var isPunct = (t, p) => t?.kind === "punct" && t.text === p;
function mysqlMaskedUses(tokens, masked) {
  if (masked.size === 0) return [];
  const uses = [];
  let start = 0;
  for (let i = 0; i <= tokens.length; i++) {
    if (i === tokens.length || isPunct(tokens[i], ";")) {
      statementUses(tokens.slice(start, i), masked, uses);
      start = i + 1;
    }
  }
  return uses;
}
function statementUses(tokens, masked, uses) {
  const lead = tokens[0]?.upper ?? "";
  const copies = lead === "INSERT" || lead === "REPLACE" || lead === "CREATE";
  const plain = plainSelectItems(tokens);
  const stack = [];
  let clause = "other";
  let call = false;
  let insertColumns = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (isPunct(t, "(")) {
      stack.push({ clause, call });
      call = isName(tokens[i - 1]) && tokens[i - 1].kind === "word";
      insertColumns = copies && stack.length === 1 && clause === "other" && isName(tokens[i - 1]);
      continue;
    }
    if (isPunct(t, ")")) {
      ({ clause, call } = stack.pop() ?? { clause: "other", call: false });
      insertColumns = false;
      continue;
    }
    if (t.kind === "word") {
      if (t.upper === "SELECT") clause = "select";
      else if (t.upper === "FROM" || t.upper === "JOIN") clause = "other";
      else if (CLAUSES[t.upper] && !isPunct(tokens[i + 1], "(")) clause = CLAUSES[t.upper];
    }
    if (!isName(t) || !masked.has(t.value.toLowerCase()) || isPunct(tokens[i + 1], "(")) continue;
    if (plain.has(i) || insertColumns) continue;
    if (clause === "write elsewhere" && !copies && isOp(tokens[i + 1], "=") && stack.length === 0) continue;
    const outer = stack[0]?.clause ?? clause;
    const position = copies || outer === "write elsewhere" ? "write elsewhere" : clause === "select" || clause === "other" ? call ? "function argument" : "expression" : clause;
    uses.push({ column: t.value, position });
  }
}
function isOp(t, op) {
  return t !== void 0 && (t.kind === "op" || t.kind === "punct") && t.text === op;
}
function plainSelectItems(tokens) {
  const out = /* @__PURE__ */ new Set();
  if (tokens[0]?.upper !== "SELECT") return out;
  let item2 = [];
  let complex = false;
  let depth = 0;
  const flush = () => {
    let n = isName(tokens[item2[0]]) ? 1 : 0;
    while (n > 0 && isPunct(tokens[item2[n]], ".") && isName(tokens[item2[n + 1]])) n += 2;
    const column = item2.slice(0, n);
    const rest = item2.slice(n);
    const shaped = !complex && column.length % 2 === 1 && column.every((k, j) => j % 2 === 0 ? isName(tokens[k]) : isPunct(tokens[k], ".")) && (rest.length === 0 || rest.length === 1 && isName(tokens[rest[0]]) || rest.length === 2 && tokens[rest[0]].upper === "AS" && isName(tokens[rest[1]]));
    if (shaped) out.add(column.at(-1));
    item2 = [];
    complex = false;
  };
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i];
    if (isPunct(t, "(")) {
      depth++;
      complex = true;
    } else if (isPunct(t, ")")) depth--;
    else if (depth > 0) continue;
    else if (t.kind === "word" && (t.upper === "DISTINCT" || t.upper === "ALL") && item2.length === 0)
      continue;
    else if (isPunct(t, ",")) flush();
    else if (t.kind === "word" && (t.upper === "FROM" || t.upper === "INTO")) break;
    else item2.push(i);
  }
  flush();
  return out;
}

// src/masking/pg-copy-format.ts
function copyFormat(sql) {
  const stmts = parseTree(sql).stmts ?? [];
  const copy = stmts.map((s) => s.stmt?.CopyStmt).find(Boolean);
  if (!copy) throw new MaskingError("the COPY statement could not be read");
  const opts = {};
  for (const { DefElem: d } of copy.options ?? []) {
    const arg = d.arg ? Object.values(d.arg)[0] : void 0;
    opts[d.defname] = arg?.sval ?? (arg && "boolval" in arg ? String(arg.boolval === true) : true);
  }
  const format = typeof opts.format === "string" ? opts.format.toLowerCase() : "text";
  const header = opts.header !== void 0 && opts.header !== "false" && opts.header !== "off";
  if (format === "binary") return { kind: "binary" };
  const str = (k) => typeof opts[k] === "string" ? { [k]: opts[k] } : {};
  if (format === "csv")
    return {
      kind: "csv",
      header,
      csv: { ...str("delimiter"), ...str("quote"), ...str("escape"), ...str("null") }
    };
  if (format === "text") return { kind: "text", header, text: { ...str("delimiter"), ...str("null") } };
  throw new MaskingError(`COPY format ${format} is not understood`);
}

// src/masking/pg-rows.ts
var DATA_ROW = 68;
var bounds = new Int32Array(64);
function reserve(columns) {
  if (bounds.length < columns * 2) bounds = new Int32Array(Math.max(columns * 2, bounds.length * 2));
  return bounds;
}
function maskDataRow(msg, plan) {
  if (msg.length < 7 || msg[0] !== DATA_ROW) throw new MaskingError("not a DataRow message");
  if (msg.readInt32BE(1) !== msg.length - 1)
    throw new MaskingError("DataRow length does not match its bytes");
  const n = msg.readInt16BE(5);
  if (n !== plan.actions.length) {
    throw new MaskingError(`DataRow has ${n} columns but the mask plan has ${plan.actions.length}`);
  }
  const b = reserve(n);
  const marker = plan.replacementBytes;
  let pos = 7;
  let size = 7;
  for (let i = 0; i < n; i++) {
    if (pos + 4 > msg.length) throw new MaskingError(`DataRow ends inside column ${i + 1}`);
    const len = msg.readInt32BE(pos);
    if (len < -1 || pos + 4 + Math.max(len, 0) > msg.length) {
      throw new MaskingError(`DataRow column ${i + 1} has an invalid length ${len}`);
    }
    b[i * 2] = pos;
    pos += 4 + Math.max(len, 0);
    b[i * 2 + 1] = pos;
    const action = plan.actions[i];
    size += action === KEEP ? pos - b[i * 2] : action === REPLACE ? 4 + marker.length : 4;
  }
  if (pos !== msg.length) throw new MaskingError("DataRow has bytes after its last column");
  if (!plan.masksAny) return msg;
  const out = Buffer.allocUnsafe(size);
  out[0] = DATA_ROW;
  out.writeInt32BE(size - 1, 1);
  out.writeInt16BE(n, 5);
  let w = 7;
  for (let i = 0; i < n; i++) {
    const action = plan.actions[i];
    if (action === KEEP) {
      w += msg.copy(out, w, b[i * 2], b[i * 2 + 1]);
    } else if (action === REPLACE) {
      w = out.writeInt32BE(marker.length, w);
      w += marker.copy(out, w);
    } else {
      w = out.writeInt32BE(-1, w);
    }
  }
  return out;
}
function singleByte(what, c) {
  const code = Buffer.from(c, "utf8");
  if (code.length !== 1) throw new MaskingError(`COPY ${what} must be a single one-byte character`);
  return code[0];
}
var BACKSLASH = 92;
var NL = 10;
var CR2 = 13;
function copyTextEscape(marker, delimiter) {
  let s = "";
  for (const ch of marker) {
    if (ch === "\\" || ch === delimiter) s += `\\${ch}`;
    else if (ch === "\n") s += "\\n";
    else if (ch === "\r") s += "\\r";
    else s += ch;
  }
  return Buffer.from(s, "utf8");
}
function maskCopyText(data, plan, format = {}) {
  const delimiter = format.delimiter ?? "	";
  const delim = singleByte("DELIMITER", delimiter);
  const nullBytes = Buffer.from(format.null ?? "\\N", "utf8");
  const marker = copyTextEscape(plan.replacement, delimiter);
  const parts = [];
  const n = plan.actions.length;
  let pos = 0;
  while (pos < data.length) {
    let col = 0;
    let start = pos;
    for (; ; ) {
      if (pos >= data.length) throw new MaskingError("COPY row is not terminated by a newline");
      const c = data[pos];
      if (c === BACKSLASH) {
        if (pos + 1 >= data.length) throw new MaskingError("COPY row ends inside an escape");
        pos += 2;
        continue;
      }
      if (c !== delim && c !== NL) {
        pos++;
        continue;
      }
      if (col >= n) throw new MaskingError(`COPY row has more than ${n} columns`);
      const action = plan.actions[col++];
      parts.push(action === KEEP ? data.subarray(start, pos) : action === REPLACE ? marker : nullBytes);
      parts.push(data.subarray(pos, pos + 1));
      pos++;
      start = pos;
      if (c === NL) break;
    }
    if (col !== n) throw new MaskingError(`COPY row has ${col} columns but the mask plan has ${n}`);
  }
  return plan.masksAny ? Buffer.concat(parts) : data;
}
function maskCopyCsv(data, plan, format = {}) {
  const delim = singleByte("DELIMITER", format.delimiter ?? ",");
  const quoteChar = format.quote ?? '"';
  const quote = singleByte("QUOTE", quoteChar);
  const escapeChar = format.escape ?? quoteChar;
  const esc = singleByte("ESCAPE", escapeChar);
  const nullBytes = Buffer.from(format.null ?? "", "utf8");
  const inner = [...plan.replacement].map(
    (ch) => ch === quoteChar || ch === escapeChar ? escapeChar + ch : ch
  );
  const marker = Buffer.from(`${quoteChar}${inner.join("")}${quoteChar}`, "utf8");
  const parts = [];
  const n = plan.actions.length;
  let pos = 0;
  while (pos < data.length) {
    let col = 0;
    let start = pos;
    let quoted = false;
    for (; ; ) {
      if (pos >= data.length) {
        throw new MaskingError(
          quoted ? "COPY CSV value is not closed" : "COPY row is not terminated by a newline"
        );
      }
      const c = data[pos];
      if (quoted) {
        if (c === esc && (data[pos + 1] === quote || esc !== quote && data[pos + 1] === esc)) pos += 2;
        else if (c === quote) {
          quoted = false;
          pos++;
        } else pos++;
        continue;
      }
      if (c === quote) {
        quoted = true;
        pos++;
        continue;
      }
      const lineEnd = c === NL || c === CR2 && data[pos + 1] === NL;
      if (c !== delim && !lineEnd) {
        pos++;
        continue;
      }
      if (col >= n) throw new MaskingError(`COPY row has more than ${n} columns`);
      const action = plan.actions[col++];
      parts.push(action === KEEP ? data.subarray(start, pos) : action === REPLACE ? marker : nullBytes);
      const sepLen = c === CR2 ? 2 : 1;
      parts.push(data.subarray(pos, pos + sepLen));
      pos += sepLen;
      start = pos;
      if (lineEnd) break;
    }
    if (col !== n) throw new MaskingError(`COPY row has ${col} columns but the mask plan has ${n}`);
  }
  return plan.masksAny ? Buffer.concat(parts) : data;
}

// src/masking/setting-taint.ts
var SettingTaint = class {
  names = /* @__PURE__ */ new Set();
  /** Each statement's lineage as this connection's settings make it; in statement order. */
  apply(statements) {
    return statements.map((s) => {
      const out = s.readsSettings?.some((n) => this.tainted(n)) ? { ...s, maskAll: true, tainted: true } : s;
      if (out.tainted) for (const n of s.writesSettings ?? []) this.names.add(n);
      return out;
    });
  }
  tainted(name) {
    return this.names.has(name) || this.names.has("*") || name === "*" && this.names.size > 0;
  }
};

// src/masking/index.ts
function compileMasking(config = {}) {
  const full = {
    columns: config.columns ?? [],
    onWire: config.onWire ?? false,
    replacement: config.replacement ?? DEFAULT_REPLACEMENT,
    ...config.strict ? { strict: true } : {},
    ...config.detectors ? { detectors: config.detectors } : {},
    ...config.custom ? { custom: config.custom } : {}
  };
  const matcher = new ColumnMatcher(full.columns);
  const detectors = new ValueDetectors({ detectors: full.detectors, custom: full.custom });
  const statements = new StatementRedactor(detectors);
  return {
    config: full,
    matcher,
    detectors,
    resolverCache: () => new ColumnResolverCache(matcher),
    redactStatement: (text, dialect, opts) => statements.redact(text, dialect, opts),
    redactParams: (params, secret) => redactParams(params, detectors, secret),
    secretParams,
    secretValues: (text, dialect, opts) => secretValues(text, dialect, detectors, opts),
    paramText,
    redactSecretColumns,
    redactMessage: (text, ctx) => redactMessage(text, detectors, matcher, ctx),
    redactValue: (text) => detectors.redact(text),
    plan: (columns) => maskPlan(columns, full.replacement),
    maskSampleRow: (values, plan) => maskSampleRow(values, plan, detectors),
    maskedOutputs: (sql, catalog) => maskedOutputs(sql, matcher, catalog),
    pgRowPlan: (fields, lineage, cache) => pgRowPlan(fields, lineage, cache, full.replacement),
    mysqlColumnPlan: (columns, referencedTables, columnsOf) => mysqlColumnPlan(columns, matcher, referencedTables, columnsOf)
  };
}

export {
  MaskingError,
  readingDependsOnState,
  highBytes,
  PostgresSessionState,
  escapesInPlainStrings,
  SECRET_NAME,
  REDACTED_VALUE,
  pgTextLike,
  mysqlTextLike,
  KnownSecrets,
  maskMysqlTextRow,
  maskMysqlBinaryRow,
  maskedNames,
  mysqlMaskedUses,
  copyFormat,
  maskDataRow,
  maskCopyText,
  maskCopyCsv,
  SettingTaint,
  compileMasking
};
