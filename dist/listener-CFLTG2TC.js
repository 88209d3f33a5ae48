import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  startMysqlGateway
} from "./chunk-EVYCJPJG.js";
import "./chunk-UWYU7LWP.js";
import "./chunk-46AX6HLE.js";
import "./chunk-WTZSGNFV.js";
import "./chunk-XSTP326K.js";
import "./chunk-LLFWNX4K.js";
import "./chunk-2YZA5KPV.js";
import "./chunk-V6SGTYVA.js";
import "./chunk-OAG7IWPD.js";
import "./chunk-WLKLOQWD.js";
import "./chunk-VAZMKNCI.js";
import "./chunk-D7Z2KW6S.js";
import "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";
export {
  startMysqlGateway
};
