import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  startPostgresGateway
} from "./chunk-PLWUGXJL.js";
import "./chunk-MLIJVIMC.js";
import "./chunk-XVQZ634S.js";
import "./chunk-XSTP326K.js";
import "./chunk-LLFWNX4K.js";
import "./chunk-GFDP3FVM.js";
import "./chunk-UT7L3UN7.js";
import "./chunk-WLKLOQWD.js";
import "./chunk-IXGCOFTZ.js";
import "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";
export {
  startPostgresGateway
};
