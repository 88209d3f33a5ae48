// The format options of a COPY … TO STDOUT statement (text, csv with its quoting, binary), read
// from its parse tree: a COPY's rows are masked as the statement says they are laid out.
import type { CopyCsvFormat, CopyTextFormat } from './pg-rows.js';
import { parseSync } from './pg-wasm.js';
import { MaskingError } from './types.js';

export type CopyFormat =
  | { kind: 'text'; text: CopyTextFormat; header: boolean }
  | { kind: 'csv'; csv: CopyCsvFormat; header: boolean }
  | { kind: 'binary' };

/** The format options of a COPY … TO STDOUT statement, from its parse tree. */
export function copyFormat(sql: string): CopyFormat {
  const stmts = (parseSync(sql).stmts ?? []) as { stmt?: Record<string, unknown> }[];
  const copy = stmts.map((s) => s.stmt?.CopyStmt).find(Boolean) as
    | {
        options?: {
          DefElem: { defname: string; arg?: Record<string, { sval?: string; boolval?: unknown }> };
        }[];
      }
    | undefined;
  if (!copy) throw new MaskingError('the COPY statement could not be read');
  const opts: Record<string, string | true> = {};
  for (const { DefElem: d } of copy.options ?? []) {
    const arg = d.arg ? Object.values(d.arg)[0] : undefined;
    opts[d.defname] = arg?.sval ?? (arg && 'boolval' in arg ? String(arg.boolval === true) : true);
  }
  const format = typeof opts.format === 'string' ? opts.format.toLowerCase() : 'text';
  const header = opts.header !== undefined && opts.header !== 'false' && opts.header !== 'off';
  if (format === 'binary') return { kind: 'binary' };
  const str = (k: string) => (typeof opts[k] === 'string' ? { [k]: opts[k] as string } : {});
  if (format === 'csv')
    return {
      kind: 'csv',
      header,
      csv: { ...str('delimiter'), ...str('quote'), ...str('escape'), ...str('null') },
    };
  if (format === 'text') return { kind: 'text', header, text: { ...str('delimiter'), ...str('null') } };
  throw new MaskingError(`COPY format ${format} is not understood`);
}
