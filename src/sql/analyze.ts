// The analyzer entry point: dispatches by dialect. Postgres results are cached (exact text, then
// statement shape; see postgres/analyze.ts). MySQL results depend on the session state passed in
// `ctx.mysql` (user variables, prepared statements), so they are not cached here.
import { analyzeMysql } from './mysql/analyze.js';
import { analyzePostgres } from './postgres/analyze.js';
import { loadPostgresParser } from './postgres/parser.js';
import type { Analysis, AnalysisContext } from './types.js';

export { analyzePostgres, calledFunctions, clearAnalysisCaches } from './postgres/analyze.js';
export { loadPostgresParser } from './postgres/parser.js';
export { newSessionMemory } from './postgres/session.js';

/** Loads the parsers (libpg-query's WebAssembly). Await once before the first `analyze`. */
export async function loadAnalyzers(): Promise<void> {
  await loadPostgresParser();
}

/**
 * Analyses one input (one simple-query string, one Parse, one migration file). Keep one `ctx`
 * per session: the analyzer records in it what later statements depend on. The returned
 * analysis may be shared between calls and frozen: copy it before changing it.
 */
export function analyze(text: string, ctx: AnalysisContext): Analysis {
  return ctx.dialect === 'mysql' ? analyzeMysql(text, ctx) : analyzePostgres(text, ctx);
}
