// libpg-query's WebAssembly is loaded on first use, never at import: importing the analyzer,
// masking and the gateway context leaves it unloaded until `loadPostgresParser()` is awaited.
// (A file of its own: vitest runs each test file in a fresh module graph.)
import { describe, expect, it } from 'vitest';
import { createGatewayContext } from '../../src/gateway/context.js';
import { compileMasking } from '../../src/masking/index.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { analyze } from '../../src/sql/analyze.js';
import { loadPostgresParser, parseSql, scanTokens } from '../../src/sql/postgres/parser.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';

describe('the Postgres parser', () => {
  it('is not loaded by importing the modules that use it', () => {
    expect(typeof analyze).toBe('function');
    expect(() => parseSql('SELECT 1')).toThrow(expect.objectContaining({ code: 'ERR_PARSER_NOT_LOADED' }));
    expect(() => scanTokens('SELECT 1')).toThrow(/not loaded/);
    // Masking's Postgres redaction stays fail-closed meanwhile: a literal it cannot scan is withheld.
    const masking = compileMasking();
    expect(masking.redactStatement("SELECT E'it\\'s'", 'postgres')).not.toContain("it\\'s");
  });

  it('loads on first use: the gateway context awaits it before a session can start', async () => {
    await createGatewayContext({
      policy: defaultPolicy(),
      dialect: 'postgres',
      recorder: new MemoryRecorder(),
      database: { name: 'app', host: 'db', role: 'app' },
    });
    expect(parseSql('SELECT 1')).toHaveLength(1);
    // Later loads are free and change nothing.
    await loadPostgresParser();
    expect(scanTokens('SELECT 1').tokens.length).toBe(2);
  });
});
