import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  startMysqlGateway
} from "./chunk-SM4ZBR66.js";
import "./chunk-PJCAO4LF.js";
import "./chunk-46AX6HLE.js";
import "./chunk-WTZSGNFV.js";
import "./chunk-XSTP326K.js";
import "./chunk-LLFWNX4K.js";
import "./chunk-VRBURU3I.js";
import "./chunk-V6SGTYVA.js";
import "./chunk-EUER7AJI.js";
import "./chunk-WLKLOQWD.js";
import "./chunk-EDYL2Y7V.js";
import "./chunk-II67AVYZ.js";
import "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";
export {
  startMysqlGateway
};
