import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  startPostgresGateway
} from "./chunk-ST2ZAB2T.js";
import "./chunk-MLIJVIMC.js";
import "./chunk-UWYU7LWP.js";
import "./chunk-XSTP326K.js";
import "./chunk-LLFWNX4K.js";
import "./chunk-2YZA5KPV.js";
import "./chunk-OAG7IWPD.js";
import "./chunk-WLKLOQWD.js";
import "./chunk-D7Z2KW6S.js";
import "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";
export {
  startPostgresGateway
};
