// Value detectors: find secrets and personal data inside any recorded string. Each detector is a
// bounded regular expression (no nested unbounded repetition, so matching stays linear) plus a
// validator that turns a candidate into evidence (Luhn, mod-97, a JWT header that parses).
import { ibanChecksumValid, ibanLength, luhnValid } from './checksums.js';
import { type CustomDetectorConfig, DETECTOR_NAMES, type DetectorName, MaskingConfigError } from './types.js';

export interface Span {
  start: number;
  end: number;
  detector: string;
}

interface Rule {
  re: RegExp;
  /** Capture group to redact; 0 = the whole match. */
  group?: number;
  /** Returns the end of the evidence inside the match (relative to the match start), or -1. */
  validate?: (match: string) => number;
}

interface CompiledDetector {
  name: string;
  rules: Rule[];
  /** Custom patterns run over windows so a user's regex never sees an unbounded input. */
  windowed: boolean;
}

const whole = (ok: boolean, m: string): number => (ok ? m.length : -1);

/** Issuer prefixes (IIN ranges) with the lengths their cards have. */
function issuerLengths(d: string): [number, number] | undefined {
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  if (d[0] === '4') return d.length === 13 || d.length === 16 || d.length === 19 ? [13, 19] : undefined;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return [16, 16];
  if (p2 === 34 || p2 === 37) return [15, 15];
  if (p4 >= 3528 && p4 <= 3589) return [16, 19]; // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return [14, 19]; // Diners
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || p2 === 62) return [16, 19]; // Discover, UnionPay
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return [13, 19]; // Maestro
  return undefined;
}

function cardValid(m: string): number {
  const digits = m.replace(/[ -]/g, '');
  const range = issuerLengths(digits);
  return whole(!!range && digits.length >= range[0] && digits.length <= range[1] && luhnValid(digits), m);
}

function ssnValid(m: string): number {
  const [area = '', group = '', serial = ''] = m.split('-');
  const a = Number(area);
  return whole(a !== 0 && a !== 666 && a < 900 && group !== '00' && serial !== '0000', m);
}

/** Takes the registry length of alphanumerics from the candidate, so trailing text does not spoil it. */
function ibanValid(m: string): number {
  const len = ibanLength(m.slice(0, 2));
  if (!len) return -1;
  let compact = '';
  let i = 0;
  for (; i < m.length && compact.length < len; i++) if (m[i] !== ' ') compact += m[i];
  if (compact.length !== len || /[A-Za-z0-9]/.test(m[i] ?? '')) return -1;
  return ibanChecksumValid(compact) ? i : -1;
}

function jwtValid(m: string): number {
  const header = Buffer.from(m.slice(0, m.indexOf('.')), 'base64url').toString('utf8');
  // Most candidates are not JSON at all; skip the cost of a parse error for them.
  if (!header.trimStart().startsWith('{')) return -1;
  try {
    const parsed: unknown = JSON.parse(header);
    return whole(
      typeof parsed === 'object' && parsed !== null && typeof (parsed as { alg?: unknown }).alg === 'string',
      m,
    );
  } catch {
    return -1;
  }
}

/** A bearer token is not a word of prose: it is long or carries non-letters. */
function tokenLike(m: string): number {
  const token = m.replace(/^\S+\s+/, '');
  return whole(token.length >= 16 || /[^A-Za-z]/.test(token), m);
}

function basicAuthValid(m: string): number {
  const decoded = Buffer.from(m.replace(/^\S+\s+/, ''), 'base64').toString('latin1');
  return whole(/^[\x20-\x7e]+:[\x20-\x7e]*$/.test(decoded), m);
}

// icon@2x.png, logo@3x.webp: asset names, not addresses.
const FILE_EXTENSION = /\.(?:png|jpe?g|gif|svg|webp|avif|ico|css|js|json|pdf|txt)$/i;

// Boundaries: a candidate glued to letters or digits is part of a bigger token (hash, UUID, id).
const NB = '(?<![A-Za-z0-9])';
const NA = '(?![A-Za-z0-9])';

const BUILT_IN: Record<DetectorName, Rule[]> = {
  email: [
    {
      re: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g,
      validate: (m) => whole(!FILE_EXTENSION.test(m), m),
    },
  ],
  'credit-card': [
    {
      // Plain runs, 4-4-4-x groups, or Amex 4-6-5; not the digits of a decimal fraction.
      re: /(?<![A-Za-z0-9]|\d[.,])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{4,5})(?![A-Za-z0-9]|[.,]\d)/g,
      validate: cardValid,
    },
  ],
  'us-ssn': [{ re: /(?<![A-Za-z0-9-])\d{3}-\d{2}-\d{4}(?![A-Za-z0-9-])/g, validate: ssnValid }],
  iban: [
    {
      re: new RegExp(`${NB}[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?`, 'gi'),
      validate: ibanValid,
    },
  ],
  jwt: [
    {
      re: /(?<![A-Za-z0-9_-])ey[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{2,16384}\.[A-Za-z0-9_-]{0,4096}(?![A-Za-z0-9_-])/g,
      validate: jwtValid,
    },
  ],
  'private-key': [],
  'aws-key': [
    {
      re: new RegExp(
        `${NB}(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA|A3T[A-Z0-9])[A-Z0-9]{16}${NA}`,
        'g',
      ),
    },
    {
      re: /aws.{0,24}?(?:secret|sk).{0,24}?['"]?\s{0,4}[:=]\s{0,4}['"]?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/dgi,
      group: 1,
    },
    // The secret access key written right after its key id: `AKIA…:wJal…`, `'AKIA…', 'wJal…'`.
    {
      re: /(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}[^A-Za-z0-9/+]{1,16}([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/dg,
      group: 1,
    },
  ],
  'gcp-key': [
    { re: /"private_key(?:_id)?"\s{0,8}:\s{0,8}"((?:[^"\\]|\\.){8,16384})"/dg, group: 1 },
    { re: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g },
  ],
  'azure-key': [
    {
      re: /(?<![A-Za-z0-9])(?:AccountKey|SharedAccessKey|SharedAccessSignature|sig)\s{0,4}=\s{0,4}([^;'"\s&]{8,4096})/dgi,
      group: 1,
    },
  ],
  'github-token': [
    {
      re: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])/g,
    },
  ],
  'slack-token': [
    { re: /(?<![A-Za-z0-9-])(?:xox[abposre]-[A-Za-z0-9-]{10,250}|xapp-\d-[A-Za-z0-9-]{10,250})/g },
    { re: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]{20,200}/g },
  ],
  'bearer-token': [
    { re: /(?<![A-Za-z0-9])Bearer\s{1,4}[A-Za-z0-9._~+/-]{8,8192}=*/gi, validate: tokenLike },
    { re: /(?<![A-Za-z0-9])Basic\s{1,4}[A-Za-z0-9+/]{8,4096}={0,2}/g, validate: basicAuthValid },
  ],
  'credential-field': [
    // scheme://user:password@host
    { re: /(?<![A-Za-z0-9])[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@'"]{0,256}:([^\s@/'"]{1,256})@/dgi, group: 1 },
    // password=…, "client_secret": "…", api_key: … (conninfo strings, JSON, env-style lines)
    {
      re: /(?<![A-Za-z0-9_])(?:password|passwd|pwd|secret|client_secret|api[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token)["']?\s{0,4}[=:]\s{0,4}('(?:[^'\\]|\\.){0,1024}'|"(?:[^"\\]|\\.){0,1024}"|[^\s;,&'"$?:(][^\s;,&'"]{0,1023})/dgi,
      group: 1,
    },
    // Prose in comments and notices: "the password is …", "api key was …".
    {
      re: /(?<![A-Za-z0-9_])(?:pass(?:word|wd|phrase)|pwd|secret|api[_ -]?key|token)s?\s{1,4}(?:is|was|to|now)\s{1,4}('(?:[^'\\]|\\.){0,1024}'|"(?:[^"\\]|\\.){0,1024}"|[^\s;,&'"]{1,1024})/dgi,
      group: 1,
    },
  ],
};

/**
 * Per detector, text that every match of its rules must contain (looser regexes without the
 * boundaries and bounds, or a shape test). Most values contain none of it, and testing for it is
 * far cheaper than running the rules: `find` skips the rules when nothing here matches. Each
 * entry must stay implied by the rules above; the masking-fastpath tests check that `find`
 * agrees with `scan` over the fixtures and generated text.
 */
const HINTS: Record<
  DetectorName,
  { caseSensitive?: string; caseInsensitive?: string; shape?: (text: string) => boolean }
> = {
  email: { caseSensitive: '@' },
  'credit-card': { shape: cardShaped },
  'us-ssn': { caseSensitive: '\\d{3}-\\d{2}-\\d{4}' },
  iban: { caseInsensitive: '[A-Z]{2}\\d{2}' },
  jwt: { caseSensitive: 'ey[A-Za-z0-9_-]{8}' },
  'private-key': { caseSensitive: '-----BEGIN ' },
  // AKIA…, A3T…: 'A' and 19 more; or the word aws before a secret.
  'aws-key': { caseSensitive: 'A[A-Z0-9]{19}', caseInsensitive: 'aws' },
  'gcp-key': { caseSensitive: '"private_key|AIza' },
  'azure-key': { caseInsensitive: 'key\\s{0,4}=|sig' },
  'github-token': { caseSensitive: 'gh[pousr]_|github_pat_' },
  'slack-token': { caseSensitive: 'xox[abposre]-|xapp-|https://hooks\\.slack\\.com/' },
  'bearer-token': { caseSensitive: 'Basic', caseInsensitive: 'bearer' },
  'credential-field': {
    caseInsensitive:
      ':\\/\\/|(?:pass(?:word|wd)|pwd|secret|api[_-]?key|token)["\']?\\s{0,4}[=:]|(?:pass(?:word|wd|phrase)|pwd|secret|api[_ -]?key|token)s?\\s{1,4}(?:is|was|to|now)\\s',
  },
};

/**
 * What every match of the card rule has: 13 digits in a row, or digit groups of 4+, 4, 4+ or
 * 4+, 6, 4+ joined by single spaces or dashes. One pass, where the equivalent regular
 * expression costs more than the rules over digit-heavy values (sysbench's 11-digit groups).
 */
function cardShaped(text: string): boolean {
  let run = 0;
  // Lengths of the two runs before this one, when each was joined to the next by one separator.
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

function hintRegex(parts: (string | undefined)[], flags: string): RegExp | undefined {
  const present = parts.filter((p): p is string => p !== undefined);
  return present.length ? new RegExp(present.join('|'), flags) : undefined;
}

// PEM blocks (PKCS#1/#8, EC, DSA, ENCRYPTED, OPENSSH, PGP …) are found by their markers, not by
// one regex: a missing END marker redacts to the end of the value (fail closed).
const PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]+ ){0,4})PRIVATE KEY( BLOCK)?-----/g;

function findPrivateKeys(text: string, out: Span[]): void {
  PEM_BEGIN.lastIndex = 0;
  for (let m = PEM_BEGIN.exec(text); m; m = PEM_BEGIN.exec(text)) {
    const endMarker = `-----END ${m[1] ?? ''}PRIVATE KEY${m[2] ?? ''}-----`;
    const at = text.indexOf(endMarker, m.index + m[0].length);
    const end = at < 0 ? text.length : at + endMarker.length;
    out.push({ start: m.index, end, detector: 'private-key' });
    PEM_BEGIN.lastIndex = end;
  }
}

const MAX_PATTERN = 512;
// A custom pattern may still be polynomial (`[a-z]+@[a-z]+`); windows bound its cost to
// O(length × WINDOW), and values past MAX_CUSTOM_SCANNED are withheld rather than scanned.
const WINDOW = 2048;
const OVERLAP = 256;
const MAX_CUSTOM_SCANNED = 1024 * 1024;

/**
 * Rejects custom patterns that could backtrack catastrophically: backreferences and quantified
 * groups that contain a quantifier or an alternation, plus over-long or empty-matching patterns.
 */
export function validateCustomPattern(name: string, pattern: string): RegExp {
  const where = `masking.custom "${name}"`;
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
    throw new MaskingConfigError(`${where}: names are lower-case letters, digits and dashes`);
  }
  if ((DETECTOR_NAMES as readonly string[]).includes(name)) {
    throw new MaskingConfigError(`${where}: the name is taken by a built-in detector`);
  }
  if (pattern.length === 0 || pattern.length > MAX_PATTERN) {
    throw new MaskingConfigError(`${where}: the pattern must have 1 to ${MAX_PATTERN} characters`);
  }
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'g');
  } catch (err) {
    throw new MaskingConfigError(`${where}: invalid regular expression: ${(err as Error).message}`);
  }
  const risky = riskyConstruct(pattern);
  if (risky)
    throw new MaskingConfigError(`${where}: ${risky} (it could make matching take exponential time)`);
  if (new RegExp(`^(?:${pattern})$`).test('')) {
    throw new MaskingConfigError(`${where}: the pattern matches the empty string`);
  }
  return re;
}

function riskyConstruct(p: string): string | undefined {
  // Per open group: does it contain a quantifier or an alternation?
  const stack: { quantified: boolean; alternation: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const n = p[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(n) || n === 'k')) return 'backreferences are not allowed';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === '[') inClass = true;
    else if (c === '(') stack.push({ quantified: false, alternation: false });
    else if (c === '|' && top) top.alternation = true;
    else if (c === '*' || c === '+' || c === '{' || (c === '?' && p[i - 1] !== '(')) {
      if (top) top.quantified = true;
    } else if (c === ')') {
      const group = stack.pop();
      const next = p[i + 1] ?? '';
      const unbounded = next === '*' || next === '+' || (next === '{' && /^\{\d*,\}/.test(p.slice(i + 1)));
      if (group && unbounded && (group.quantified || group.alternation)) {
        return 'a group with a quantifier or alternation inside may not be repeated without bound';
      }
      const parent = stack[stack.length - 1];
      if (group && parent) {
        parent.quantified ||= group.quantified || unbounded;
        parent.alternation ||= group.alternation;
      }
    }
  }
  return undefined;
}

/** Values longer than this are not scanned piecemeal: they are withheld whole. */
const MAX_SCANNED_VALUE = 4 * 1024 * 1024;

export class ValueDetectors {
  private readonly detectors: CompiledDetector[];
  private readonly privateKeys: boolean;
  private readonly hasCustom: boolean;
  private readonly hintCaseSensitive: RegExp | undefined;
  private readonly hintCaseInsensitive: RegExp | undefined;
  private readonly hintShapes: ((text: string) => boolean)[];
  /** Custom patterns without the global flag: `test` must not depend on a previous `exec`. */
  private readonly customHints: RegExp[];

  constructor(config: { detectors?: readonly string[]; custom?: readonly CustomDetectorConfig[] } = {}) {
    const enabled = config.detectors ?? DETECTOR_NAMES;
    for (const name of enabled) {
      if (!(DETECTOR_NAMES as readonly string[]).includes(name)) {
        throw new MaskingConfigError(
          `masking.detectors: unknown detector "${name}" (known: ${DETECTOR_NAMES.join(', ')})`,
        );
      }
    }
    this.privateKeys = enabled.includes('private-key');
    this.hasCustom = (config.custom ?? []).length > 0;
    this.detectors = [
      ...enabled
        .filter((n) => n !== 'private-key')
        .map((name) => ({ name, rules: BUILT_IN[name as DetectorName], windowed: false })),
      ...(config.custom ?? []).map((c) => ({
        name: c.name,
        rules: [{ re: validateCustomPattern(c.name, c.pattern) }],
        windowed: true,
      })),
    ];
    const hints = enabled.map((n) => HINTS[n as DetectorName]);
    this.hintShapes = hints.flatMap((h) => (h.shape ? [h.shape] : []));
    this.hintCaseSensitive = hintRegex(
      hints.map((h) => h.caseSensitive),
      '',
    );
    this.hintCaseInsensitive = hintRegex(
      hints.map((h) => h.caseInsensitive),
      'i',
    );
    this.customHints = this.detectors.filter((d) => d.windowed).map((d) => new RegExp(d.rules[0]!.re.source));
  }

  /**
   * False only when no rule can match anywhere in `text`, so `scan` would find nothing. True
   * does not mean a rule matches.
   */
  mayFind(text: string): boolean {
    if (text.length > MAX_SCANNED_VALUE || (this.hasCustom && text.length > MAX_CUSTOM_SCANNED)) return true;
    if (this.hintCaseSensitive?.test(text) || this.hintCaseInsensitive?.test(text)) return true;
    if (this.hintShapes.some((shape) => shape(text))) return true;
    if (this.customHints.length === 0) return false;
    // Past one window, a pattern with anchors or lookarounds can match a window but not the
    // whole text.
    return text.length > WINDOW || this.customHints.some((re) => re.test(text));
  }

  /**
   * False only when no rule can match in `text` nor in any part of it (a token of a statement):
   * the built-in hints have no anchors or lookarounds (and a card shape in a part is one in the
   * whole), so a part matches one only if the whole text does. Custom patterns may have them, so with any the answer is true.
   */
  mayFindInParts(text: string): boolean {
    return this.hasCustom || this.mayFind(text);
  }

  /** Sorted, non-overlapping spans of everything detected in `text`. */
  find(text: string): Span[] {
    return this.mayFind(text) ? this.scan(text) : [];
  }

  /** `find` without the `mayFind` shortcut: every rule over the whole text. */
  scan(text: string): Span[] {
    const spans: Span[] = [];
    if (text.length > MAX_SCANNED_VALUE || (this.hasCustom && text.length > MAX_CUSTOM_SCANNED)) {
      return [{ start: 0, end: text.length, detector: 'oversized' }];
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

  detects(text: string): boolean {
    return this.find(text).length > 0;
  }

  /** Replaces every detected span with `[redacted:<detector>]`. */
  redact(text: string): string {
    return replaceSpans(text, this.find(text));
  }

  /** `redact` without the `mayFind` shortcut: the reference it is tested and measured against. */
  redactScanned(text: string): string {
    return replaceSpans(text, this.scan(text));
  }
}

function replaceSpans(text: string, spans: Span[]): string {
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += `${text.slice(at, s.start)}[redacted:${s.detector}]`;
    at = s.end;
  }
  return out + text.slice(at);
}

function collect(rule: Rule, text: string, base: number, name: string, out: Span[]): void {
  const re = rule.re;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const end = rule.validate ? rule.validate(m[0]) : m[0].length;
    if (end < 0) {
      // A failed candidate may hide a valid one that starts inside it (e.g. "x 4111…").
      re.lastIndex = m.index + 1;
      continue;
    }
    if (rule.group) {
      // Without match indices (or the group) the whole match goes: more redacted, never less.
      const [start, end] = m.indices?.[rule.group] ?? [m.index, m.index + m[0].length];
      out.push({ start: base + start, end: base + end, detector: name });
    } else {
      out.push({ start: base + m.index, end: base + m.index + end, detector: name });
    }
  }
}

function merge(spans: Span[]): Span[] {
  if (spans.length < 2) return spans;
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Span[] = [{ ...spans[0]! }];
  for (const s of spans.slice(1)) {
    const last = out[out.length - 1]!;
    if (s.start < last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/** Passwords in connection strings and key/value fields are redacted in statements whatever the policy enables. */
export const CREDENTIAL_FIELDS = new ValueDetectors({ detectors: ['credential-field'] });
