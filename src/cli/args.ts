import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A usage error: the command prints it with the usage text and exits 2. */
export class UsageError extends Error {}

/** node:util parseArgs with its errors turned into UsageError. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
