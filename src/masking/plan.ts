// A mask plan says, per result column, what happens to its values: kept, replaced by the marker
// (text types, where any string is a valid value), or turned into NULL (every other type, where
// a marker would break the client's decoding). Row rewriters and the transcript sample share it.
import type { ValueDetectors } from './detectors.js';
import { redactParam } from './params.js';
import { MaskingError } from './types.js';

export const KEEP = 0;
export const TO_NULL = 1;
export const REPLACE = 2;
export type ColumnAction = typeof KEEP | typeof TO_NULL | typeof REPLACE;

export interface PlanColumn {
  masked: boolean;
  /** The column's type accepts an arbitrary string in the format it is sent in. */
  textLike: boolean;
}

export interface MaskPlan {
  readonly actions: Uint8Array;
  /** The marker text and its UTF-8 bytes. */
  readonly replacement: string;
  readonly replacementBytes: Buffer;
  readonly masksAny: boolean;
}

export function maskPlan(columns: readonly PlanColumn[], replacement: string): MaskPlan {
  const actions = new Uint8Array(columns.length);
  columns.forEach((c, i) => {
    actions[i] = !c.masked ? KEEP : c.textLike ? REPLACE : TO_NULL;
  });
  return {
    actions,
    replacement,
    replacementBytes: Buffer.from(replacement, 'utf8'),
    masksAny: columns.some((c) => c.masked),
  };
}

// text, varchar, bpchar, name, unknown: the binary format is the UTF-8 text itself.
const PG_TEXT_OIDS = new Set([25, 1043, 1042, 19, 705]);

/** Postgres: whether the marker is a valid value of this type, in text and in binary format. */
export function pgTextLike(typeOid: number): boolean {
  return PG_TEXT_OIDS.has(typeOid);
}

// VARCHAR, TINY/MEDIUM/LONG/BLOB (TEXT columns are BLOBs with a text charset), VAR_STRING, STRING.
const MYSQL_TEXT_TYPES = new Set([15, 249, 250, 251, 252, 253, 254]);

/** MySQL: whether the marker is a valid value of this column type (ENUM and SET arrive as STRING). */
export function mysqlTextLike(columnType: number): boolean {
  return MYSQL_TEXT_TYPES.has(columnType);
}

/**
 * The transcript's `rows` sample: masked columns become the marker whatever their type (the
 * transcript is read by people, not decoders), and every other value goes through the detectors.
 */
export function maskSampleRow(
  values: readonly unknown[],
  plan: MaskPlan,
  detectors: ValueDetectors,
): unknown[] {
  if (values.length !== plan.actions.length) {
    throw new MaskingError(
      `row has ${values.length} values but the mask plan has ${plan.actions.length} columns`,
    );
  }
  return values.map((v, i) => (plan.actions[i] === KEEP ? redactParam(v, detectors) : plan.replacement));
}
