// Builds the provider the action's `credentials:` input names.
import { BrokerProvider, type BrokerProviderOptions } from './broker-client.js';
import { StaticProvider } from './static.js';
import type { CredentialProvider } from './types.js';
import { VaultProvider, type VaultProviderOptions } from './vault.js';

export type ProviderConfig =
  | ({ kind: 'broker' } & BrokerProviderOptions)
  | ({ kind: 'vault' } & VaultProviderOptions)
  | { kind: 'static'; dsn: string };

export function createCredentialProvider(config: ProviderConfig): CredentialProvider {
  switch (config.kind) {
    case 'broker':
      return new BrokerProvider(config);
    case 'vault':
      return new VaultProvider(config);
    case 'static':
      return new StaticProvider(config.dsn);
  }
}
