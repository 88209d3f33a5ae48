// The Postgres parser is WebAssembly and must be loaded before its synchronous calls work.
// Loading here, once, keeps every masking entry point synchronous for the gateway's hot path.
import { loadModule, parseSync, scanSync } from 'libpg-query';

await loadModule();

export { parseSync, scanSync };
