// GitHub's own REST description (@octokit/openapi) and a validator for the part of OpenAPI 3.0's
// schema language it uses on the endpoints the approval channel calls: $ref, type, nullable,
// enum, properties, required, additionalProperties, items, oneOf (with discriminator), anyOf and
// allOf. `format` is not checked. No installed package validates OpenAPI 3.0 schemas
// (`nullable` is not JSON Schema), and this is all the contract test needs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface Schema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  discriminator?: { propertyName: string; mapping?: Record<string, string> };
}

export interface ResponseSpec {
  description?: string;
  headers?: Record<string, { $ref?: string; schema?: Schema }>;
  content?: Record<string, { schema?: Schema }>;
}

export interface Operation {
  responses: Record<string, ResponseSpec & { $ref?: string }>;
}

export interface Description {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    responses: Record<string, ResponseSpec>;
    headers: Record<string, { schema?: Schema }>;
  };
}

/** The api.github.com description; 13 MB of JSON, so a test file loads it once. */
export function loadGitHubDescription(): Description {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Description;
}

/** `#/components/<kind>/<name>` → the component. */
export function resolveRef<T>(spec: Description, ref: string): T {
  const m = /^#\/components\/(schemas|responses|headers)\/(.+)$/.exec(ref);
  const found = m
    ? (spec.components[m[1] as keyof Description['components']] as Record<string, unknown>)[m[2]!]
    : undefined;
  if (found === undefined) throw new Error(`unresolvable $ref ${ref}`);
  return found as T;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Every way `value` breaks `schema`, as `path: problem` lines; empty when it conforms. */
export function validate(spec: Description, schema: Schema, value: unknown, path = '$'): string[] {
  if (schema.$ref) return validate(spec, resolveRef<Schema>(spec, schema.$ref), value, path);
  if (value === null)
    return schema.nullable || schema.type === 'null' ? [] : [`${path}: null is not allowed`];
  const errors: string[] = [];
  if (schema.allOf) for (const s of schema.allOf) errors.push(...validate(spec, s, value, path));
  if (schema.anyOf && !schema.anyOf.some((s) => validate(spec, s, value, path).length === 0))
    errors.push(`${path}: matches none of anyOf`);
  if (schema.oneOf) errors.push(...oneOf(spec, schema, value, path));
  if (schema.enum && !schema.enum.includes(value))
    errors.push(`${path}: ${JSON.stringify(value)} is not in the enum`);
  if (schema.type) {
    const t = typeOf(value);
    if (t !== schema.type && !(schema.type === 'number' && t === 'integer')) {
      return [...errors, `${path}: ${t} where the description says ${schema.type}`];
    }
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? [])
      if (!(key in obj)) errors.push(`${path}: required property ${key} is missing`);
    for (const [key, v] of Object.entries(obj)) {
      const sub = schema.properties?.[key];
      if (sub) errors.push(...validate(spec, sub, v, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: property ${key} is not allowed`);
      else if (typeof schema.additionalProperties === 'object')
        errors.push(...validate(spec, schema.additionalProperties, v, `${path}.${key}`));
    }
  }
  if (Array.isArray(value) && schema.items)
    for (const [i, v] of value.entries()) errors.push(...validate(spec, schema.items, v, `${path}[${i}]`));
  return errors;
}

/** oneOf: exactly one branch fits, or the one the discriminator names. */
function oneOf(spec: Description, schema: Schema, value: unknown, path: string): string[] {
  const d = schema.discriminator;
  const tag =
    d && typeOf(value) === 'object' ? (value as Record<string, unknown>)[d.propertyName] : undefined;
  const mapped = typeof tag === 'string' ? d?.mapping?.[tag] : undefined;
  if (mapped) return validate(spec, { $ref: mapped }, value, path);
  const fits = schema.oneOf!.filter((s) => validate(spec, s, value, path).length === 0).length;
  return fits === 1 ? [] : [`${path}: fits ${fits} branches of oneOf, not exactly one`];
}

/** The response a status gets from an operation, its $ref followed. */
export function responseFor(spec: Description, op: Operation, status: number): ResponseSpec | undefined {
  const r = op.responses[String(status)];
  if (!r) return undefined;
  return r.$ref ? resolveRef<ResponseSpec>(spec, r.$ref) : r;
}
