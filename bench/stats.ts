// Small helpers the suites share for alternating rounds and their summaries.

/** The middle value (the upper one of an even count). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** `xs` started at index `k` (modulo its length): each round a different target goes first. */
export const rotated = <T>(xs: readonly T[], k: number): T[] => xs.map((_, i) => xs[(i + k) % xs.length]!);
