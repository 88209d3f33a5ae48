import { describe, expect, it } from 'vitest';
import { createCredentialProvider } from '../../src/credentials/provider.js';

describe('createCredentialProvider', () => {
  it('builds the provider the credentials input names', () => {
    expect(createCredentialProvider({ kind: 'broker', url: 'https://broker.internal' }).kind).toBe('broker');
    expect(createCredentialProvider({ kind: 'static', dsn: 'postgres://u:p@h/db' }).kind).toBe('static');
    const vault = createCredentialProvider({
      kind: 'vault',
      url: 'https://vault.internal:8200',
      role: 'r',
      dialect: 'postgres',
      host: 'db',
      port: 5432,
      database: 'app',
    });
    expect(vault.kind).toBe('vault');
  });
});
