import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));

// src/errors/guardrail-error.ts
var GuardrailError = class extends Error {
  /** A base-class error without a code of its own is a bug: the message says what went wrong. */
  static code = "ERR_GUARDRAIL";
  code;
  constructor(message, options) {
    super(message, options?.cause === void 0 ? void 0 : { cause: options.cause });
    this.name = new.target.name;
    this.code = options?.code ?? new.target.code;
  }
};
var CredentialsError = class extends GuardrailError {
  static code = "ERR_CREDENTIALS";
};
var BrokerSetupError = class extends GuardrailError {
  static code = "ERR_BROKER_SETUP";
};
var DeadlineReached = class extends GuardrailError {
  static code = "ERR_DEADLINE_REACHED";
  constructor(message = "time budget used up", options) {
    super(message, options);
  }
};

export {
  GuardrailError,
  CredentialsError,
  BrokerSetupError,
  DeadlineReached
};
