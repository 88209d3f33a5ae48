import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));

// src/errors/guardrail-error.ts
var GuardrailError = class extends Error {
  static code = "ERR_GUARDRAIL";
  code = "ERR_GUARDRAIL";
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }
};
var CredentialsError = class extends GuardrailError {
  static code = "ERR_CREDENTIALS";
  code = "ERR_CREDENTIALS";
};
var BrokerSetupError = class extends GuardrailError {
  static code = "ERR_BROKER_SETUP";
  code = "ERR_BROKER_SETUP";
};

export {
  GuardrailError,
  CredentialsError,
  BrokerSetupError
};
