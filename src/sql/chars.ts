// Character classes the lexers and the template matcher share. Both servers read identifiers
// alike: ASCII letters, digits, `_`, `$` and any character beyond ASCII; a template must know
// exactly which characters continue one (template.ts), so it uses the lexers' own classes.

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

export function isIdentChar(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 36;
}
