/** Bundles a TypeScript entry into one ESM file (packages external): see bundle-ts.mjs. */
export function bundleTs(entry: string, outfile: string): Promise<void>;
