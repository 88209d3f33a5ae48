// MySQL token rules that hold wherever the tokens appear in a statement: functions that read
// server files or run commands, SETVAL, INTO OUTFILE / DUMPFILE, SONAME, and SET_VAR optimizer
// hints (judged like the SET they stand for).
import type { RawFinding } from '../classify.js';
import type { Token } from '../lexer.js';
import { isPunct, isWord } from '../tokens.js';
import { ADMIN_SESSION_VARS, sessionVar, switchesOffChecks } from './set.js';

const SERVER_FILE_FUNCTIONS = new Set(['LOAD_FILE']);
// User-defined functions from lib_mysqludf_sys and similar kits that run shell commands.
const EXEC_FUNCTIONS = new Set([
  'SYS_EXEC',
  'SYS_EVAL',
  'SYS_GET',
  'SYS_SET',
  'SYS_BINEVAL',
  'DO_SYSTEM',
  'XP_CMDSHELL',
]);

/** Rules that hold wherever the tokens appear (function calls, INTO OUTFILE, SONAME). */
export function scanAnywhere(tokens: readonly Token[]): RawFinding[] {
  const out: RawFinding[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.hint) hintFindings(t.hint, out);
    const fn = functionName(t);
    if (fn === undefined) continue;
    const next = tokens[i + 1];
    if (isPunct(next, '(')) {
      if (SERVER_FILE_FUNCTIONS.has(fn))
        out.push({
          rule: 'exfiltration/server-file',
          objects: [],
          message: `${fn}() reads a file on the server`,
        });
      else if (fn === 'SETVAL')
        out.push({
          rule: 'destructive/sequence-reset',
          objects: [],
          message: 'SETVAL() moves a sequence: values it hands out again collide with existing keys',
        });
      else if (EXEC_FUNCTIONS.has(fn))
        out.push({
          rule: 'exfiltration/remote-exec',
          objects: [],
          message: `${t.value}() runs a command on the database host`,
        });
    }
    if (t.upper === 'INTO' && isWord(next, 'OUTFILE', 'DUMPFILE')) {
      const file = tokens[i + 2];
      out.push({
        rule: 'exfiltration/into-outfile',
        objects: file?.kind === 'string' ? [file.value] : [],
        message: `SELECT … INTO ${next!.upper} writes a file on the server`,
      });
    }
    if (t.upper === 'SONAME')
      out.push({
        rule: 'exfiltration/remote-exec',
        objects: [],
        message: 'loads a shared library into the server',
      });
  }
  return out;
}

/** A function name as the server resolves it: quoted or not, in any case. */
function functionName(t: Token): string | undefined {
  return t.kind === 'word' ? t.upper : t.kind === 'qident' ? t.value.toUpperCase() : undefined;
}

/**
 * Optimizer hints: `SET_VAR(name = value)` holds while the statement runs, so it is judged like
 * `SET name = value` (the server ignores variables it does not allow there: fail closed).
 */
function hintFindings(hint: readonly Token[], out: RawFinding[]): void {
  for (let i = 0; i + 1 < hint.length; i++) {
    if (!isWord(hint[i], 'SET_VAR') || !isPunct(hint[i + 1], '(')) continue;
    let end = i + 2;
    for (let depth = 1; end < hint.length; end++) {
      if (isPunct(hint[end], '(')) depth++;
      else if (isPunct(hint[end], ')') && --depth === 0) break;
    }
    const setting = hint.slice(i + 2, end);
    const name = setting[0];
    if (!name) continue;
    if (switchesOffChecks(setting, 0))
      out.push({
        rule: 'destructive/disable-integrity',
        objects: [],
        message: `hint SET_VAR(${name.value} = ${setting[2]?.text ?? ''}) stops enforcing it for the statement`,
      });
    if (ADMIN_SESSION_VARS.has(sessionVar(name)))
      out.push({
        rule: 'exfiltration/admin-function',
        objects: [name.value],
        message: `hint SET_VAR(${name.value}) needs administrative rights`,
      });
  }
}
