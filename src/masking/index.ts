// The masking API the gateways call. `compileMasking` validates the policy's masking section once
// (at gateway start: an invalid section stops the gateway) and binds the detectors and the column
// rules to every redaction and row-masking function.
import type { Dialect } from '../sql/types.js';
import { ColumnMatcher, ColumnResolverCache } from './columns.js';
import { ValueDetectors } from './detectors.js';
import { type MessageContext, redactMessage } from './message.js';
import { type MysqlColumn, type MysqlColumnPlan, mysqlColumnPlan, type TableRef } from './mysql-plan.js';
import { paramText, redactParams, redactSecretColumns } from './params.js';
import {
  type LineageCatalog,
  type LineageResult,
  maskedOutputs,
  type StatementLineage,
} from './pg-lineage.js';
import { type PgField, type PgRowPlan, pgRowPlan } from './pg-row-plan.js';
import { type MaskPlan, maskPlan, maskSampleRow, type PlanColumn } from './plan.js';
import {
  type StatementRedactionOptions,
  StatementRedactor,
  secretParams,
  secretValues,
} from './statement.js';
import { DEFAULT_REPLACEMENT, type MaskingConfig } from './types.js';

export { ColumnMatcher, ColumnResolverCache } from './columns.js';
export { ValueDetectors, validateCustomPattern } from './detectors.js';
export { KnownSecrets } from './known-secrets.js';
export { REDACTED_VALUE } from './message.js';
export type { MysqlColumn, MysqlColumnPlan, TableRef } from './mysql-plan.js';
export { maskMysqlBinaryRow, maskMysqlTextRow } from './mysql-rows.js';
export { maskedNames, mysqlMaskedUses } from './mysql-strict.js';
export { type CopyFormat, copyFormat } from './pg-copy-format.js';
export type {
  CatalogRelation,
  LineageCatalog,
  LineageResult,
  MaskedUse,
  OutputColumn,
  StatementLineage,
  UsePosition,
} from './pg-lineage.js';
export type { PgField, PgRowPlan } from './pg-row-plan.js';
export {
  type CopyCsvFormat,
  type CopyTextFormat,
  maskCopyCsv,
  maskCopyText,
  maskDataRow,
} from './pg-rows.js';
export {
  KEEP,
  type MaskPlan,
  maskPlan,
  mysqlTextLike,
  type PlanColumn,
  pgTextLike,
  REPLACE,
  TO_NULL,
} from './plan.js';
export { SettingTaint } from './setting-taint.js';
export { SECRET_NAME, type StatementRedactionOptions } from './statement.js';
export * from './types.js';

export interface Masking {
  readonly config: MaskingConfig;
  readonly matcher: ColumnMatcher;
  readonly detectors: ValueDetectors;
  /** A fresh (tableOid, attnum) cache bound to this policy's rules; one per gateway, cleared after DDL. */
  resolverCache(): ColumnResolverCache;
  redactStatement(text: string, dialect: Dialect, opts?: StatementRedactionOptions): string;
  /** `secret`: indexes from `secretParams`, withheld whole. */
  redactParams(params: readonly unknown[], secret?: ReadonlySet<number>): unknown[];
  /** Zero-based indexes of placeholders in secret positions (bound to a column with a secret name, …). */
  secretParams(text: string, dialect: Dialect, opts?: StatementRedactionOptions): Set<number>;
  /** The clear values `redactStatement` withholds, to be withheld where the server echoes them. */
  secretValues(text: string, dialect: Dialect, opts?: StatementRedactionOptions): string[];
  /** A parameter's value as text (strings, numbers, UTF-8 bytes). */
  paramText(value: unknown): string | undefined;
  /** Values of sample columns whose names mark them secret withheld. */
  redactSecretColumns(columns: readonly string[], sample: unknown[][]): unknown[][];

  redactMessage(text: string, ctx?: MessageContext): string;
  redactValue(text: string): string;
  plan(columns: readonly PlanColumn[]): MaskPlan;
  maskSampleRow(values: readonly unknown[], plan: MaskPlan): unknown[];
  maskedOutputs(sql: string, catalog: LineageCatalog): LineageResult;
  pgRowPlan(fields: readonly PgField[], lineage: StatementLineage, cache: ColumnResolverCache): PgRowPlan;
  mysqlColumnPlan(
    columns: readonly MysqlColumn[],
    referencedTables: readonly TableRef[],
    columnsOf?: (schema: string, table: string) => readonly string[] | undefined,
  ): MysqlColumnPlan;
}

/** Throws MaskingConfigError for unknown detectors, unsafe custom patterns or bad column patterns. */
export function compileMasking(config: Partial<MaskingConfig> = {}): Masking {
  const full: MaskingConfig = {
    columns: config.columns ?? [],
    onWire: config.onWire ?? false,
    replacement: config.replacement ?? DEFAULT_REPLACEMENT,
    ...(config.strict ? { strict: true } : {}),
    ...(config.detectors ? { detectors: config.detectors } : {}),
    ...(config.custom ? { custom: config.custom } : {}),
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
    mysqlColumnPlan: (columns, referencedTables, columnsOf) =>
      mysqlColumnPlan(columns, matcher, referencedTables, columnsOf),
  };
}
