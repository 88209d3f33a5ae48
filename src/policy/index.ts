// The policy: file schema, defaults and decide().
export { actionFor, decide, verdictLevel } from './decide.js';
export { DEFAULT_CATEGORY_ACTIONS, DEFAULT_POLICY_PATH, defaultPolicy } from './defaults.js';
export { PolicyError, parseDuration, parsePolicy } from './parse.js';
export type * from './types.js';
