// Builds the GatewayContext that every protocol engine shares: the analyzer, the policy's
// decision, the masking used for redaction, the recorder and the approval channel. The proxy
// command, the action's daemon and the demo all start a gateway through here, so all three
// judge statements the same way.
import type { ApprovalChannel, JobInfo } from '../approvals/types.js';
import {
  estimateMysql,
  estimatePostgres,
  exclusive,
  type ImpactEstimate,
  impactRecord,
  massChangeFinding,
  ValuesPending,
} from '../impact/index.js';
import {
  compileMasking,
  KnownSecrets,
  type Masking,
  type StatementRedactionOptions,
} from '../masking/index.js';
import { decide } from '../policy/index.js';
import type { Mode, Policy } from '../policy/types.js';
import { analyze, loadAnalyzers, reachedPostgres } from '../sql/analyze.js';
import { mysqlReached } from '../sql/mysql/fired.js';
import type { MysqlAnalysisContext } from '../sql/mysql/session.js';
import { sessionBodies } from '../sql/postgres/session.js';
import type { AnalysisContext, Dialect } from '../sql/types.js';
import type { Recorder } from '../transcript/recorder.js';
import { CatalogBarrier } from './catalog-barrier.js';
import { ColumnCatalog, mysqlColumnQuery, postgresColumnQuery } from './column-catalog.js';
import { MysqlFiredCatalog } from './mysql/fired-catalog.js';
import { MysqlFunctionCatalog } from './mysql/function-catalog.js';
import { ownTemporaryEstimates } from './own-temporary.js';
import { PostgresFiredCatalog, relatedPostgresRelations } from './postgres/fired-catalog.js';
import { PostgresFunctionCatalog } from './postgres/function-catalog.js';
import { SequenceCatalog } from './postgres/sequence-catalog.js';
import { SecretScrubbingRecorder } from './secret-recorder.js';
import type { GatewayContext, ImpactEstimator } from './session-types.js';
import type { MysqlSide, PgSide } from './side-connection.js';
import { mysqlSyntaxCheck, postgresSyntaxCheck, type SyntaxCheck } from './syntax-check.js';
import { TextMemo } from './text-memo.js';

/** How long an impact estimate may take before the statement goes on with what it has. */
const IMPACT_TIMEOUT_MS = 3_000;
export interface ContextOptions {
  dialect: Dialect;
  policy: Policy;
  recorder: Recorder;
  /** Overrides the policy file's mode (the action's `mode` input). */
  mode?: Mode;
  approvals?: ApprovalChannel;
  approvalTimeoutMs?: number;
  preapproved?: Iterable<string>;
  job?: JobInfo;
  database: { name: string; host: string; role: string };
  /**
   * A side connection to the upstream (see side-connection.ts). With it the gateway reads the
   * bodies of called functions (Postgres) and estimates impact; without it, statements calling
   * existing user functions are judged by name only and no estimates are made.
   */
  side?: { dialect: 'postgres'; connection: PgSide } | { dialect: 'mysql'; connection: MysqlSide };
}

function estimator(side: NonNullable<ContextOptions['side']>, policy: Policy): ImpactEstimator {
  const threshold = {
    rows: policy.massChangeThreshold,
    ...(policy.massChangeShare > 0
      ? { percent: policy.massChangeShare, minTableRows: policy.massChangeMinTableRows }
      : {}),
  };
  return async (text, analysis, ctx, values) => {
    // Confirmed on the session's own connection (MySQL): nothing there but the session's own rows.
    if (analysis.temporaryTarget) return { record: { temporaryTable: analysis.temporaryTarget } };
    const opts = {
      timeoutMs: IMPACT_TIMEOUT_MS,
      // An empty sql_mode is a mode like any other: the side connection's own may differ.
      ...(ctx.sqlMode !== undefined ? { sqlMode: ctx.sqlMode } : {}),
      ...(ctx.postgres?.standardConformingStrings === false ? { standardConformingStrings: false } : {}),
      ...(values ? { params: values } : {}),
      bodies: sessionBodies(ctx.memory, ctx.functions),
    };
    let estimates: ImpactEstimate[];
    try {
      estimates =
        side.dialect === 'postgres'
          ? await estimatePostgres(side.connection, text, analysis, opts)
          : await estimateMysql(side.connection, text, analysis, opts);
    } catch (err) {
      if (!(err instanceof ValuesPending)) throw err;
      return {
        record: { pending: 'placeholders: estimated at each execution, with its values' },
        pending: true,
      };
    }
    const temporary = ctx.memory?.temporaryTables;
    const own =
      temporary && side.dialect === 'postgres'
        ? await ownTemporaryEstimates(side.connection, estimates, temporary)
        : undefined;
    const judged = own ? estimates.filter((e) => !own.has(e)) : estimates;
    const finding = massChangeFinding(judged, threshold);
    return { record: impactRecord(estimates), ...(finding ? { finding } : {}) };
  };
}

/**
 * A syntax check never runs inside an estimate's transaction on the same side connection: the
 * failed Parse would abort it (Postgres), and the sql_mode it sets would apply to it (MySQL).
 */
function betweenEstimates(side: object, check: SyntaxCheck): SyntaxCheck {
  return (text, ctx) => exclusive(side, () => check(text, ctx));
}

type SideCatalogs = Pick<
  GatewayContext,
  | 'functions'
  | 'fired'
  | 'reach'
  | 'syntaxCheck'
  | 'sequences'
  | 'barrier'
  | 'backendAlive'
  | 'relatedRelations'
>;

/** What the side connection reads for judgement, and the barrier that keeps it current (enforce mode). */
function sideCatalogs(side: NonNullable<ContextOptions['side']>, mode: Mode, waitMs: number): SideCatalogs {
  const c: SideCatalogs =
    side.dialect === 'postgres'
      ? {
          functions: new PostgresFunctionCatalog(side.connection),
          fired: new PostgresFiredCatalog(side.connection),
          reach: reachedPostgres,
          syntaxCheck: betweenEstimates(side.connection, postgresSyntaxCheck(side.connection)),
          ...(mode === 'dry-run' ? { sequences: new SequenceCatalog(side.connection) } : {}),
          relatedRelations: (names) => relatedPostgresRelations(side.connection, names),
          backendAlive: async (pid) =>
            (await side.connection.query('SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = $1', [pid]))
              .rows.length > 0,
        }
      : {
          functions: new MysqlFunctionCatalog(side.connection),
          fired: new MysqlFiredCatalog(side.connection),
          reach: mysqlReached,
          syntaxCheck: betweenEstimates(side.connection, mysqlSyntaxCheck(side.connection)),
          backendAlive: async (id) => {
            const [rows] = await side.connection.query(
              'SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ?',
              [id],
            );
            return (rows as unknown[]).length > 0;
          },
        };
  // backendAlive: the side connection logs in as the sessions' upstream does, so their processes
  // are visible to it (a MySQL account always sees its own threads; pg_stat_activity shows every
  // pid). Audit mode judges without refusing, so it never waits; a dry run's changes never commit.
  if (mode !== 'enforce') return c;
  return {
    ...c,
    barrier: new CatalogBarrier(() => {
      c.functions?.invalidate();
      c.fired?.invalidate();
    }, waitMs),
  };
}

export async function createGatewayContext(
  opts: ContextOptions,
): Promise<GatewayContext & { masking: Masking }> {
  await loadAnalyzers();
  const { policy, dialect } = opts;
  const masking = compileMasking(policy.masking);
  const mode = opts.mode ?? policy.mode;
  // Values found secret anywhere in the run are withheld from every line recorded after.
  const secrets = new KnownSecrets();
  // Each execution of a prepared statement records its text and values again: the text is read
  // once (the secrets it holds are known from the first time, and scrubbed from every later line).
  const redactions = new TextMemo<string>();
  const secretPositions = new TextMemo<Set<number>>();
  // Postgres text is read one way but with standard_conforming_strings off: the two answers are
  // made once, not per statement redacted.
  const standard: StatementRedactionOptions = {};
  const escaped: StatementRedactionOptions = { standardConformingStrings: false };
  const lexing = (ctx?: AnalysisContext): StatementRedactionOptions => {
    if (dialect === 'postgres')
      return ctx?.postgres?.standardConformingStrings === false ? escaped : standard;
    const { sqlMode, server } = (ctx ?? {}) as MysqlAnalysisContext;
    return { ...(sqlMode ? { sqlMode } : {}), ...(server ? { server } : {}) };
  };
  return {
    dialect,
    mode,
    analyze,
    decide: (analysis) => decide(analysis, policy),
    recorder: new SecretScrubbingRecorder(opts.recorder, secrets, masking.redactSecretColumns),
    ...(opts.approvals ? { approvals: opts.approvals } : {}),
    preapproved: new Set(opts.preapproved ?? []),
    approvalTimeoutMs: opts.approvalTimeoutMs ?? policy.approvals.timeoutMs,
    ...(opts.job ? { job: opts.job } : {}),
    database: opts.database,
    redact: (text, ctx) =>
      redactions.get(text, ctx, () => {
        const redacted = masking.redactStatement(text, dialect, lexing(ctx));
        if (redacted !== text)
          for (const v of masking.secretValues(text, dialect, lexing(ctx))) secrets.add(v);
        return redacted;
      }),
    redactParams: (params, text, ctx) => {
      const secret = secretPositions.get(text, ctx, () => masking.secretParams(text, dialect, lexing(ctx)));
      const redacted = masking.redactParams(params, secret);
      redacted.forEach((r, i) => {
        const clear = masking.paramText(params[i]);
        if (clear !== undefined && r !== clear && r !== params[i]) secrets.add(clear);
      });
      return redacted;
    },
    redactMessage: (text) => masking.redactMessage(text),
    masking,
    ...(opts.side ? { impact: estimator(opts.side, policy) } : {}),
    ...(opts.side ? sideCatalogs(opts.side, mode, policy.catalogWaitMs) : {}),
    ...(opts.side
      ? {
          columns: new ColumnCatalog(
            dialect,
            opts.side.dialect === 'postgres'
              ? postgresColumnQuery(opts.side.connection)
              : mysqlColumnQuery(opts.side.connection),
          ),
        }
      : {}),
  };
}
