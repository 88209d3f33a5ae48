// `node DAEMON_NODE_FLAGS .cache/analysis-process.mjs OUT.json`: bench/analysis.ts's figures
// measured in a process started as the gateway daemon is (bench/run.ts starts it), written to
// OUT.json.
import { writeFileSync } from 'node:fs';
import { benchAnalysis } from './analysis.js';

const out = process.argv[2];
if (!out) throw new Error('usage: analysis-process.mjs OUT.json');
writeFileSync(out, JSON.stringify(await benchAnalysis()));
