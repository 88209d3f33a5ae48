// Impact estimates: what a risky statement would change, measured on a read-only side connection.

export { exclusive } from './budget.js';
export {
  impactRecord,
  type MassChangeThreshold,
  massChange,
  massChangeFinding,
  touchedRows,
} from './mass-change.js';
export { estimateMysql, type MysqlQueryable } from './mysql.js';
export { estimatePostgres, type PgQueryable } from './postgres.js';
export {
  type Dependents,
  type EstimateOptions,
  type ImpactEstimate,
  type ImpactKind,
  type Unavailable,
  ValuesPending,
} from './types.js';
