// The credential provider the inputs name, for main (acquire) and post (revoke). Post cannot
// rely on the inputs being readable again, so main saves what revoking needs in state: the
// provider's settings without the static DSN, which is a secret and is never needed to revoke.
import { createCredentialProvider, type ProviderConfig } from '../credentials/provider.js';
import type { CredentialProvider, Lease } from '../credentials/types.js';
import type { ActionInputs } from './inputs.js';
import type { SavedProvider } from './state.js';

export function providerConfig(inputs: ActionInputs): ProviderConfig {
  const c = inputs.credentials;
  switch (c.kind) {
    case 'broker':
      return { kind: 'broker', url: c.url, ...(c.caFile ? { caFile: c.caFile } : {}) };
    case 'vault':
      return {
        kind: 'vault',
        url: c.url,
        role: c.role,
        authPath: c.authPath,
        mount: c.mount,
        credsRole: c.credsRole,
        dialect: inputs.database,
        ...inputs.upstream,
      };
    case 'static':
      return { kind: 'static', dsn: c.dsn };
  }
}

export function savedProvider(config: ProviderConfig): SavedProvider {
  return config.kind === 'static' ? { kind: 'static' } : config;
}

/** What post calls to give the lease back. A static DSN is standing: there is nothing to revoke. */
export function revokerFor(saved: SavedProvider): (lease: Lease) => Promise<void> {
  if (saved.kind === 'static') return async () => {};
  const provider: CredentialProvider = createCredentialProvider(saved);
  return (lease) => provider.revoke(lease);
}
