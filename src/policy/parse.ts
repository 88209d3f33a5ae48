// The policy file: YAML, validated key by key. Every error names the file, the line and the key,
// e.g. `.github/guardrail.yml:7: rules.destructive/drop-tabel: unknown rule id (did you mean
// destructive/drop-table?)`, and an invalid file never yields a policy.

import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { GuardrailError, type GuardrailErrorCode } from '../errors/guardrail-error.js';
import { isRuleId, RULE_IDS } from '../sql/rules.js';
import type { Category } from '../sql/types.js';
import { DEFAULT_CATEGORY_ACTIONS, defaultPolicy } from './defaults.js';
import type { Action, Override, Policy, RepoPermission } from './types.js';

export class PolicyError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_POLICY_INVALID';

  constructor(
    message: string,
    readonly file: string,
    readonly line: number | undefined,
  ) {
    super(message);
  }
}

const ACTIONS: readonly Action[] = ['allow', 'warn', 'review', 'deny'];
const CATEGORIES = Object.keys(DEFAULT_CATEGORY_ACTIONS) as Category[];
const PERMISSIONS: readonly RepoPermission[] = ['read', 'triage', 'write', 'maintain', 'admin'];
const TOP_KEYS = [
  'version',
  'mode',
  'dialect',
  'categories',
  'rules',
  'overrides',
  'approvals',
  'masking',
  'mass-change',
  'catalog-wait',
];

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function didYouMean(word: string, options: readonly string[]): string {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const o of options) {
    const d = distance(word, o);
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 4))
    ? ` (did you mean ${best}?)`
    : '';
}

/** Parses a duration like 30m, 90s, 2h, 1h30m, 500ms into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text.trim());
  if (!m || text.trim() === '' || m.slice(1).every((g) => g === undefined)) return undefined;
  const [, h, min, s, ms] = m.map((g) => (g === undefined ? 0 : Number(g)));
  return ((h! * 60 + min!) * 60 + s!) * 1000 + ms!;
}

/** A positive duration at `key`. */
function duration(r: Reader, v: Node | null, key: string): number {
  const raw = r.scalar(v, key);
  const ms = typeof raw === 'string' ? parseDuration(raw) : undefined;
  if (ms === undefined || ms <= 0) r.fail(v, key, 'must be a duration like 30m, 90s or 2h');
  return ms;
}

class Reader {
  readonly lines = new LineCounter();

  constructor(readonly file: string) {}

  lineOf(node: Node | null | undefined): number | undefined {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : this.lines.linePos(offset).line;
  }

  fail(node: Node | null | undefined, key: string, message: string): never {
    const line = this.lineOf(node);
    throw new PolicyError(
      `${this.file}${line === undefined ? '' : `:${line}`}: ${key ? `${key}: ` : ''}${message}`,
      this.file,
      line,
    );
  }

  map(node: unknown, key: string): YAMLMap<Node, Node> {
    if (!isMap(node)) this.fail(node as Node, key, 'must be a mapping');
    return node as YAMLMap<Node, Node>;
  }

  /** Entries of a mapping, with each key's node (for line numbers). */
  entries(node: unknown, key: string): [string, Node, Node | null][] {
    return this.map(node, key).items.map((pair) => {
      const k = pair.key as Node;
      if (!isScalar(k) || typeof k.value !== 'string') this.fail(k, key, 'keys must be strings');
      return [String((k as { value: unknown }).value), k, pair.value as Node | null];
    });
  }

  scalar(node: Node | null, key: string): unknown {
    if (!isScalar(node)) this.fail(node, key, 'must be a single value');
    return (node as { value: unknown }).value;
  }

  string(node: Node | null, key: string): string {
    const v = this.scalar(node, key);
    if (typeof v !== 'string' || v === '') this.fail(node, key, 'must be a non-empty string');
    return v as string;
  }

  oneOf<T extends string>(node: Node | null, key: string, options: readonly T[]): T {
    const v = this.scalar(node, key);
    if (typeof v !== 'string' || !options.includes(v as T)) {
      this.fail(node, key, `must be one of ${options.join(', ')}${didYouMean(String(v), options)}`);
    }
    return v as T;
  }

  bool(node: Node | null, key: string): boolean {
    const v = this.scalar(node, key);
    if (typeof v !== 'boolean') this.fail(node, key, 'must be true or false');
    return v as boolean;
  }

  strings(node: Node | null, key: string): string[] {
    if (!isSeq(node)) this.fail(node, key, 'must be a list');
    return (node as { items: Node[] }).items.map((item, i) => this.string(item, `${key}[${i}]`));
  }
}

function action(r: Reader, node: Node | null, key: string): Action {
  return r.oneOf(node, key, ACTIONS);
}

function parseOverrides(r: Reader, node: Node | null): Override[] {
  if (!isSeq(node)) r.fail(node, 'overrides', 'must be a list');
  return (node as { items: Node[] }).items.map((item, i) => {
    const key = `overrides[${i}]`;
    const o: Partial<Override> = { line: r.lineOf(item) };
    for (const [k, kn, v] of r.entries(item, key)) {
      const path = `${key}.${k}`;
      if (k === 'rule') {
        const id = r.string(v, path);
        if (!isRuleId(id)) r.fail(v, path, `unknown rule id ${id}${didYouMean(id, RULE_IDS)}`);
        o.rule = id;
      } else if (k === 'category') o.category = r.oneOf(v, path, CATEGORIES);
      else if (k === 'objects') o.objects = r.strings(v, path);
      else if (k === 'action') o.action = action(r, v, path);
      else r.fail(kn, path, `unknown key${didYouMean(k, ['rule', 'category', 'objects', 'action'])}`);
    }
    if (o.action === undefined) r.fail(item, key, 'needs an action (allow, warn, review or deny)');
    if (o.rule === undefined && o.category === undefined && o.objects === undefined) {
      r.fail(item, key, 'needs a rule, a category or objects to match');
    }
    if (o.category === 'opaque' && o.rule === undefined && (o.action === 'allow' || o.action === 'warn')) {
      r.fail(item, key, 'opaque findings can only be allowed rule by rule (name the rule id)');
    }
    return o as Override;
  });
}

function parseApprovals(r: Reader, node: Node | null, policy: Policy): void {
  const a = policy.approvals;
  for (const [k, kn, v] of r.entries(node, 'approvals')) {
    const key = `approvals.${k}`;
    switch (k) {
      case 'permission':
        a.permission = r.oneOf(v, key, PERMISSIONS);
        if (a.permission === 'read' || a.permission === 'triage')
          r.fail(
            v,
            key,
            `${a.permission} cannot approve: on a public repository every GitHub account has read permission (and triage is a reader's role), so anyone could approve; use write, maintain or admin`,
          );
        break;
      case 'approvers':
        a.approvers = r.strings(v, key);
        if (a.approvers.length === 0) r.fail(v, key, 'must name at least one login (or be left out)');
        break;
      case 'required': {
        const n = r.scalar(v, key);
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) r.fail(v, key, 'must be an integer >= 1');
        a.required = n as number;
        break;
      }
      case 'allow-self-approval':
        a.allowSelfApproval = r.bool(v, key);
        break;
      case 'timeout':
        a.timeoutMs = duration(r, v, key);
        break;
      default:
        r.fail(
          kn,
          key,
          `unknown key${didYouMean(k, ['permission', 'approvers', 'required', 'allow-self-approval', 'timeout'])}`,
        );
    }
  }
  if (a.approvers && a.approvers.length < a.required) {
    r.fail(
      node,
      'approvals.required',
      `needs ${a.required} approvers but only ${a.approvers.length} are listed`,
    );
  }
}

const COLUMN_PATTERN = /^(\*|[^.*\s]+)(\.(\*|[^.*\s]+)){0,2}$/;

function parseMasking(r: Reader, node: Node | null, policy: Policy): void {
  const m = policy.masking;
  for (const [k, kn, v] of r.entries(node, 'masking')) {
    const key = `masking.${k}`;
    switch (k) {
      case 'columns':
        m.columns = r.strings(v, key);
        m.columns.forEach((c, i) => {
          if (!COLUMN_PATTERN.test(c)) {
            r.fail(
              (v as unknown as { items: Node[] }).items[i]!,
              `${key}[${i}]`,
              `"${c}" is not a column pattern like schema.table.column, *.ssn or billing.cards.*`,
            );
          }
        });
        break;
      case 'detectors':
        m.detectors = r.strings(v, key);
        break;
      case 'custom':
        if (!isSeq(v)) r.fail(v, key, 'must be a list of {name, pattern}');
        m.custom = (v as unknown as { items: Node[] }).items.map((item, i) => {
          const path = `${key}[${i}]`;
          let name: string | undefined;
          let pattern: string | undefined;
          for (const [ck, ckn, cv] of r.entries(item, path)) {
            if (ck === 'name') name = r.string(cv, `${path}.name`);
            else if (ck === 'pattern') {
              pattern = r.string(cv, `${path}.pattern`);
              try {
                new RegExp(pattern);
              } catch (err) {
                r.fail(cv, `${path}.pattern`, `invalid regular expression: ${(err as Error).message}`);
              }
            } else r.fail(ckn, `${path}.${ck}`, `unknown key${didYouMean(ck, ['name', 'pattern'])}`);
          }
          if (!name || !pattern) r.fail(item, path, 'needs both name and pattern');
          return { name: name as string, pattern: pattern as string };
        });
        break;
      case 'on-wire':
        m.onWire = r.bool(v, key);
        break;
      case 'strict':
        m.strict = r.bool(v, key);
        break;
      case 'replacement': {
        const s = r.scalar(v, key);
        if (typeof s !== 'string') r.fail(v, key, 'must be a string');
        m.replacement = s as string;
        break;
      }
      default:
        r.fail(
          kn,
          key,
          `unknown key${didYouMean(k, ['columns', 'detectors', 'custom', 'on-wire', 'replacement', 'strict'])}`,
        );
    }
  }
}

/** Parses and validates policy text; throws PolicyError naming the file, line and key. */
export function parsePolicy(text: string, fileName: string): Policy {
  const r = new Reader(fileName);
  const doc = parseDocument(text, { lineCounter: r.lines, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const line = r.lines.linePos(first.pos[0]).line;
    throw new PolicyError(`${fileName}:${line}: ${first.message.split('\n')[0]}`, fileName, line);
  }
  const policy = defaultPolicy();
  policy.source = fileName;
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return policy;
  for (const [k, kn, v] of r.entries(doc.contents, '')) {
    switch (k) {
      case 'version': {
        const n = r.scalar(v, k);
        if (n !== 1) r.fail(v, k, 'must be 1');
        break;
      }
      case 'mode':
        policy.mode = r.oneOf(v, k, ['enforce', 'audit', 'dry-run'] as const);
        break;
      case 'dialect':
        policy.dialect = r.oneOf(v, k, ['postgres', 'mysql'] as const);
        break;
      case 'categories':
        for (const [c, cn, cv] of r.entries(v, k)) {
          if (!CATEGORIES.includes(c as Category))
            r.fail(cn, `categories.${c}`, `unknown category${didYouMean(c, CATEGORIES)}`);
          const a = action(r, cv, `categories.${c}`);
          if (c === 'opaque' && (a === 'allow' || a === 'warn')) {
            r.fail(
              cv,
              'categories.opaque',
              'opaque findings can only be allowed rule by rule (under rules:)',
            );
          }
          policy.categories[c as Category] = a;
        }
        break;
      case 'rules':
        for (const [id, idn, av] of r.entries(v, k)) {
          if (!isRuleId(id)) r.fail(idn, `rules.${id}`, `unknown rule id${didYouMean(id, RULE_IDS)}`);
          policy.rules[id] = action(r, av, `rules.${id}`);
        }
        break;
      case 'overrides':
        policy.overrides = parseOverrides(r, v);
        break;
      case 'approvals':
        parseApprovals(r, v, policy);
        break;
      case 'masking':
        parseMasking(r, v, policy);
        break;
      case 'mass-change':
        for (const [mk, mkn, mv] of r.entries(v, k)) {
          const n = r.scalar(mv, `mass-change.${mk}`);
          const integer = typeof n === 'number' && Number.isInteger(n);
          if (mk === 'threshold') {
            if (!integer || n < 1) r.fail(mv, 'mass-change.threshold', 'must be an integer >= 1');
            policy.massChangeThreshold = n as number;
          } else if (mk === 'share') {
            if (typeof n !== 'number' || n < 0 || n > 100)
              r.fail(mv, 'mass-change.share', 'must be a percentage from 0 (off) to 100');
            policy.massChangeShare = n as number;
          } else if (mk === 'min-table-rows') {
            if (!integer || n < 0) r.fail(mv, 'mass-change.min-table-rows', 'must be an integer >= 0');
            policy.massChangeMinTableRows = n as number;
          } else
            r.fail(
              mkn,
              `mass-change.${mk}`,
              `unknown key${didYouMean(mk, ['threshold', 'share', 'min-table-rows'])}`,
            );
        }
        break;
      case 'catalog-wait':
        policy.catalogWaitMs = duration(r, v, k);
        break;
      default:
        r.fail(kn, k, `unknown key${didYouMean(k, TOP_KEYS)}`);
    }
  }
  return policy;
}
