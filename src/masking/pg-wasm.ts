// The Postgres parser, through its one entry point (sql/postgres/parser.ts). It is WebAssembly
// and must be loaded before its synchronous calls work; loading here, once, keeps every masking
// entry point synchronous for the gateway's hot path.
import { loadPostgresParser, parseTree, scanTokens } from '../sql/postgres/parser.js';

await loadPostgresParser();

export { parseTree as parseSync, scanTokens as scanSync };
