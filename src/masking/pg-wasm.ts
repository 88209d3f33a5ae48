// The Postgres parser, through its one entry point (sql/postgres/parser.ts), under the names
// masking has always used. Nothing is loaded here: the parser's WebAssembly is loaded by
// `loadPostgresParser()`, which the gateway context awaits before a session can start, so
// masking's entry points stay synchronous on the hot path.
export { parseTree as parseSync, scanTokens as scanSync } from '../sql/postgres/parser.js';
