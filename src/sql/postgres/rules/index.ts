// Every rule handler of the Postgres walker, by the parse-tree node type it fires on. Each
// category lives in its own module; the walker (../walker.ts) looks a node's key up here.
import type { Handler } from '../walker.js';
import { ALTER_TABLE_HANDLERS } from './alter-table.js';
import { CALL_HANDLERS } from './calls.js';
import { DESTRUCTIVE_HANDLERS } from './destructive.js';
import { EXFILTRATION_HANDLERS } from './exfiltration.js';
import { LOCK_HANDLERS } from './lock.js';
import { PRIVILEGE_HANDLERS } from './privilege.js';
import { SESSION_HANDLERS } from './session.js';

export const HANDLERS: Record<string, Handler> = {
  ...CALL_HANDLERS,
  ...DESTRUCTIVE_HANDLERS,
  ...ALTER_TABLE_HANDLERS,
  ...LOCK_HANDLERS,
  ...PRIVILEGE_HANDLERS,
  ...EXFILTRATION_HANDLERS,
  ...SESSION_HANDLERS,
};
