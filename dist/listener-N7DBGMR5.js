import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  startPostgresGateway
} from "./chunk-AFM3UOPD.js";
import "./chunk-WHHNAZW3.js";
import "./chunk-XSTP326K.js";
import "./chunk-LLFWNX4K.js";
import "./chunk-6235OAIJ.js";
import "./chunk-FPT2PQFD.js";
import "./chunk-WLKLOQWD.js";
import "./chunk-Y2KTBSOL.js";
import "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";
export {
  startPostgresGateway
};
