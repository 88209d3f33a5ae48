// Rules for statements that reach outside the database: COPY to or from a server file or a
// program, foreign servers and user mappings, subscriptions, risky extensions, ALTER SYSTEM and
// LOAD.
import { RISKY_EXTENSIONS } from '../builtins.js';
import { rangeVarName, str } from '../nodes.js';
import type { Handler } from '../walker.js';
import { writes } from './destructive.js';

export const EXFILTRATION_HANDLERS: Record<string, Handler> = {
  CopyStmt(w, n) {
    const table = n.relation ? rangeVarName(n.relation) : '(query)';
    const file = str(n.filename);
    const dir = n.is_from ? 'FROM' : 'TO';
    if (n.is_from) writes(w, table, w.stmtLocation(n), 'i');
    if (n.is_program) {
      w.literalSensitive = true;
      w.add(
        'exfiltration/copy-program',
        [table],
        `COPY ${table} ${dir} PROGRAM runs a shell command on the database host`,
        w.stmtLocation(n),
      );
    } else if (file !== undefined) {
      w.literalSensitive = true;
      w.add(
        'exfiltration/server-file',
        [table],
        `COPY ${table} ${dir} '${file}' accesses a file on the database host`,
        w.stmtLocation(n),
      );
    }
    return undefined;
  },
  CreateSubscriptionStmt(w, n) {
    w.add(
      'exfiltration/remote-exec',
      [str(n.subname) ?? ''],
      'CREATE SUBSCRIPTION connects to another server',
      w.at(),
    );
    return undefined;
  },
  CreateExtensionStmt(w, n) {
    const ext = str(n.extname) ?? '';
    const rule = RISKY_EXTENSIONS.get(ext.toLowerCase());
    if (rule) w.add(rule, [ext], `CREATE EXTENSION ${ext}`, w.at());
    return undefined;
  },
  CreateForeignServerStmt(w, n) {
    const fdw = str(n.fdwname) ?? '';
    w.add(
      fdw === 'file_fdw' ? 'exfiltration/server-file' : 'exfiltration/remote-exec',
      [str(n.servername) ?? ''],
      `CREATE SERVER … FOREIGN DATA WRAPPER ${fdw}`,
      w.at(),
    );
    return undefined;
  },
  CreateUserMappingStmt(w, n) {
    w.add(
      'exfiltration/remote-exec',
      [str(n.servername) ?? ''],
      'CREATE USER MAPPING stores credentials for a foreign server',
      w.at(),
    );
    return undefined;
  },
  AlterUserMappingStmt(w, n) {
    w.add(
      'exfiltration/remote-exec',
      [str(n.servername) ?? ''],
      'ALTER USER MAPPING changes credentials for a foreign server',
      w.at(),
    );
    return undefined;
  },
  ImportForeignSchemaStmt(w, n) {
    w.add(
      'exfiltration/remote-exec',
      [str(n.server_name) ?? ''],
      'IMPORT FOREIGN SCHEMA links remote tables',
      w.at(),
    );
    return undefined;
  },
  AlterSystemStmt(w) {
    w.add('exfiltration/admin-function', [], 'ALTER SYSTEM changes the server configuration', w.at());
    return false;
  },
  LoadStmt(w, n) {
    // The file name is a string literal: the finding's object is its value.
    w.literalSensitive = true;
    w.add(
      'exfiltration/admin-function',
      [str(n.filename) ?? ''],
      'LOAD loads a shared library into the server',
      w.at(),
    );
    return undefined;
  },
};
