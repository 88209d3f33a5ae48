// The fast-path FunctionCall ('F'): libpq's lo_* functions, psycopg2's lobject and JDBC's
// LargeObjectManager call functions by OID with bound arguments. The gateway resolves the OID
// (function-oids.ts), then judges the call exactly as the equivalent `SELECT schema.fn(args)`:
// through the same analyzer, policy, transcript and approvals as any statement. The original
// message is what runs; the SELECT is only what is judged and recorded.
//
// Arguments become literals wherever the analyzer reads values (a pid, an OID, a setting's name,
// SQL text handed to a function), so the call is judged as precisely as its SQL twin. bytea and
// binary values of other types are data: they stay placeholders, recorded by their length only.
import { highBytes } from '../../sql/postgres/encoding.js';
import { POSTGRES_REFUSALS, refusal } from '../refusal.js';
import type { EngineSession, Judgement } from '../session-contract.js';
import { FAILING_SQL, type FunctionCall, queryMessage, readFunctionCall } from './codec.js';
import type { CommandHooks } from './commands.js';
import { type Disposition, DROP, FORWARD, STOP } from './framer.js';
import type { FunctionIdentity, FunctionOids } from './function-oids.js';
import { createsLargeObject } from './large-objects.js';
import { refusalResponse } from './refusals.js';
import { FUNCTION, QUERY, type Replies, type StatementFacts } from './replies.js';
import { BOOL, BYTEA, INT2, INT4, INT8, OID, TEXTUAL } from './type-oids.js';

const INTEGERS: ReadonlySet<number> = new Set([INT8, INT2, INT4, OID]);
const KINDS: Record<string, string> = { p: 'procedure', a: 'aggregate', w: 'window function' };

export interface FastPathHooks {
  /** Judges the equivalent SELECT, holding the client while that takes (the commands' judge). */
  judge(
    text: string,
    params: unknown[] | undefined,
    buf: Buffer,
    start: number,
    end: number,
    decided: (j: Judgement, facts: StatementFacts) => Disposition,
  ): Disposition;
  /** The ErrorResponse a refused statement gets (recorded as its result). */
  refusal(j: Judgement): Buffer;
  /** Holds the client (counted with the commands' other holds), and reads it again. */
  hold(): void;
  release(): void;
}

/** The SELECT a call is judged as, and the values of its placeholders (for the transcript). */
interface Equivalent {
  text: string;
  params: string[];
}

export class FastPath {
  constructor(
    private readonly session: EngineSession,
    private readonly replies: Replies,
    /** Absent when the gateway has no side connection: no call can be resolved, so none runs. */
    private readonly oids: FunctionOids | undefined,
    private readonly link: Pick<CommandHooks, 'send' | 'fatal'>,
    private readonly hooks: FastPathHooks,
  ) {}

  /** One FunctionCall message [start, end). */
  call(buf: Buffer, start: number, end: number): Disposition {
    const call = readFunctionCall(buf, start, end);
    if (!call) {
      this.link.fatal('malformed FunctionCall message', '08P01');
      return DROP;
    }
    if (!this.oids) return this.refuse('fast-path function calls need the side connection to be judged');
    const known = this.oids.cached(call.oid);
    if (known) return this.judge(known, call, buf, start, end);
    // The client waits, in order, while the catalog says which function the OID names.
    const original = Buffer.from(buf.subarray(start, end));
    const copy = readFunctionCall(original, 0, original.length)!;
    this.hooks.hold();
    this.oids.resolve(call.oid).then(
      (identity) =>
        this.later(original, () =>
          identity
            ? this.judge(identity, copy, original, 0, original.length)
            : this.refuse(
                `fast-path call of function OID ${call.oid} refused: no committed function has that OID (a function created in the open transaction cannot be called by OID through the gateway)`,
              ),
        ),
      (err: Error) =>
        this.later(original, () =>
          this.refuse(
            `fast-path call of function OID ${call.oid} refused: the catalog could not be read: ${err.message}`,
          ),
        ),
    );
    return STOP;
  }

  /** Acts on a decision reached after the client was held, then reads the client again. */
  private later(original: Buffer, decide: () => Disposition): void {
    try {
      const d = decide();
      if (d === FORWARD) this.link.send(original);
      else if (typeof d !== 'number') this.link.send(d);
    } catch (err) {
      this.link.fatal(`gateway error: ${(err as Error).message}`, 'XX000');
      return;
    }
    this.hooks.release();
  }

  /** A call refused before it could be judged: the client gets an error, the server runs nothing. */
  private refuse(message: string): Disposition {
    const why = refusal('unjudgeable', message);
    this.session.notice('ERROR', POSTGRES_REFUSALS[why.kind].sqlState, message);
    this.replies.expect(QUERY, { refusal: refusalResponse(why) });
    return queryMessage(FAILING_SQL);
  }

  private judge(
    f: FunctionIdentity,
    call: FunctionCall,
    buf: Buffer,
    start: number,
    end: number,
  ): Disposition {
    const name = `${f.schema}.${f.name}`;
    if (f.kind !== 'f')
      return this.refuse(
        `fast-path call of ${name} refused: a ${KINDS[f.kind] ?? f.kind} is not a plain function`,
      );
    const equivalent = this.equivalent(f, call);
    if (typeof equivalent === 'string')
      return this.refuse(`fast-path call of ${name} refused: ${equivalent}`);
    const params = equivalent.params.length > 0 ? equivalent.params : undefined;
    return this.hooks.judge(equivalent.text, params, buf, start, end, (j, facts) => {
      // A FunctionCallResponse is one value, not a row: result masking has nothing to rewrite.
      if (j.forward && facts.lineage?.some((l) => l?.tainted || l?.anyMasked || l?.maskAll))
        j = {
          ...j,
          forward: false,
          refusal: refusal(
            'masking-refused',
            `${name} reads masked data, and a fast-path call's result cannot be masked: call it with SELECT`,
          ),
        };
      if (!j.forward) {
        this.replies.expect(QUERY, { stmt: j.statement.id, refusal: this.hooks.refusal(j) });
        return queryMessage(FAILING_SQL);
      }
      const creates = createsLargeObject(f.schema, f.name);
      this.replies.expect(FUNCTION, {
        stmt: j.statement.id,
        facts: creates
          ? { ...facts, createsLargeObject: call.resultFormat === 1 ? 'binary' : 'text' }
          : facts,
      });
      return FORWARD;
    });
  }

  /** The call as SQL, or why it cannot be read as the server will read it. */
  private equivalent(f: FunctionIdentity, call: FunctionCall): Equivalent | string {
    const args: string[] = [];
    const params: string[] = [];
    for (let i = 0; i < call.args.length; i++) {
      const value = call.args[i]!;
      const type = f.argTypes[i];
      const typeName = f.argTypeNames[i];
      const cast = typeName === undefined ? '' : `::${typeName}`;
      if (value === null) {
        args.push(`NULL${cast}`);
        continue;
      }
      const binary = call.formats[i] === 1;
      const inline = type === BYTEA ? undefined : this.literal(value, type, binary);
      if (inline === undefined) {
        params.push(`<${type === BYTEA ? 'bytea' : 'binary'} ${value.length} bytes>`);
        args.push(`$${params.length}${cast}`);
      } else if (typeof inline === 'object') return inline.error;
      else args.push(INTEGERS.has(type!) && /^-?[0-9]+$/.test(inline) ? inline : `${quote(inline)}${cast}`);
    }
    return { text: `SELECT ${identifier(f.schema)}.${identifier(f.name)}(${args.join(', ')})`, params };
  }

  /**
   * The value as the server will read it (its text), undefined when it is data to keep out of
   * the SQL (an unknown binary form), or an error when its bytes cannot be read.
   */
  private literal(
    value: Buffer,
    type: number | undefined,
    binary: boolean,
  ): string | { error: string } | undefined {
    if (binary) {
      if (type === INT2 && value.length === 2) return String(value.readInt16BE(0));
      if (type === INT4 && value.length === 4) return String(value.readInt32BE(0));
      if (type === INT8 && value.length === 8) return String(value.readBigInt64BE(0));
      if (type === OID && value.length === 4) return String(value.readUInt32BE(0));
      if (type === BOOL && value.length === 1) return value[0] ? 'true' : 'false';
      if (type === undefined || !TEXTUAL.has(type)) return undefined;
    }
    // An earlier message not yet answered may have changed client_encoding.
    if (this.replies.pending > 0 && highBytes(value, 0, value.length))
      return {
        error:
          'an earlier message may have changed client_encoding, so non-ASCII text cannot be read until the server confirms it',
      };
    const d = this.replies.state.decode(value, 0, value.length);
    if (!('text' in d)) return { error: d.error };
    if (d.text.includes('\0')) return { error: 'a text argument holds a NUL character' };
    return d.text;
  }
}

/** A string literal that reads the same whatever standard_conforming_strings says. */
function quote(s: string): string {
  const q = s.replaceAll("'", "''");
  return s.includes('\\') ? `E'${q.replaceAll('\\', '\\\\')}'` : `'${q}'`;
}

function identifier(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}
